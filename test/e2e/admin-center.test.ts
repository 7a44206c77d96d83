/**
 * The admin center end to end: a real all-in-one (tenant service + agent on the bundled sample
 * directory) driven in Debian's Chromium, in English and in Dutch, along the reference flow of
 * notes/admin-center.md. Screenshots of every page land in test-output/screenshots/<lang>-<page>.png.
 *
 * Needs the build (npm run build): the tenant service serves dist/admin-ui.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirSyncStatus } from '../../src/tenant/api/contract.js';
import { AdminApi } from '../support/admin-api.js';
import { eventually, startAllInOne, type RunningAllInOne } from '../support/all-in-one.js';

const SCREENSHOTS = path.resolve('test-output/screenshots');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

type Lang = 'en' | 'nl';

/** The words admins know from the reference flow (notes/admin-center.md), written out here as the test's own oracle. */
const WORDS = {
  en: {
    locale: 'en-US',
    timezoneId: 'America/New_York',
    product: 'dirbridge admin center',
    signIn: 'Sign in',
    wrongPassword: 'The user name or password is wrong.',
    home: 'Home',
    statusCard: 'DirSync status',
    dirsync: 'DirSync management',
    intro: "Now you'll see your status, and make changes",
    passwordSyncEnabled: 'Password sync enabled',
    passwordSyncDescription: 'Specifies whether password sync is enabled between on-premises and your tenant.',
    lastPasswordSync: 'Last password sync',
    lastDirectorySync: 'Last directory sync',
    trueWord: 'True',
    falseWord: 'False',
    stale: 'The last sync was more than three days ago.',
    users: 'Users',
    activeUsers: 'Active users',
    more: 'More',
    directorySynchronization: 'Directory synchronization',
    goTo: 'Go to DirSync management',
    onPremises: 'Synced from on-premises',
    troubleshooter: 'Troubleshooter',
    syncErrors: 'Sync errors',
    agents: 'Agents',
    audit: 'Audit log',
    groups: 'Groups',
    passwordsKept: 'still sign in with the password synchronized before',
    removeHashes: 'remove all synced password hashes',
    passwordsKeepWorking: 'The passwords synchronized before keep working',
    deleteThreshold: 'more than 500 objects or more than 50 % of the synced objects',
    relative: / ago\)|now\)/,
    date: /^\d{1,2}\/\d{1,2}\/\d{4}, \d{1,2}:\d{2}\s?[AP]M /,
    range: /^1–\d+ of \d+$/,
  },
  nl: {
    locale: 'nl-NL',
    timezoneId: 'Europe/Amsterdam',
    product: 'dirbridge-beheercentrum',
    signIn: 'Aanmelden',
    wrongPassword: 'De gebruikersnaam of het wachtwoord is onjuist.',
    home: 'Startpagina',
    statusCard: 'DirSync-status',
    dirsync: 'DirSync-beheer',
    intro: 'Hier ziet u de status en brengt u wijzigingen aan',
    passwordSyncEnabled: 'Wachtwoordsynchronisatie ingeschakeld',
    passwordSyncDescription: 'Geeft aan of wachtwoordsynchronisatie tussen on-premises en uw tenant is ingeschakeld.',
    lastPasswordSync: 'Laatste wachtwoordsynchronisatie',
    lastDirectorySync: 'Laatste adreslijstsynchronisatie',
    trueWord: 'Waar',
    falseWord: 'Onwaar',
    stale: 'De laatste synchronisatie is meer dan drie dagen geleden.',
    users: 'Gebruikers',
    activeUsers: 'Actieve gebruikers',
    more: 'Meer',
    directorySynchronization: 'Adreslijstsynchronisatie',
    goTo: 'Ga naar DirSync-beheer',
    onPremises: 'Gesynchroniseerd vanuit on-premises',
    troubleshooter: 'Probleemoplosser',
    syncErrors: 'Synchronisatiefouten',
    agents: 'Agents',
    audit: 'Auditlogboek',
    groups: 'Groepen',
    passwordsKept: 'nog aan met het eerder gesynchroniseerde wachtwoord',
    removeHashes: 'verwijder dan hieronder alle gesynchroniseerde wachtwoordhashes',
    passwordsKeepWorking: 'De eerder gesynchroniseerde wachtwoorden blijven werken',
    deleteThreshold: 'meer dan 500 objecten of meer dan 50 % van de gesynchroniseerde objecten',
    relative: / geleden\)|nu\)|zojuist\)/,
    date: /^\d{2}-\d{2}-\d{4} \d{2}:\d{2} /,
    range: /^1–\d+ van \d+$/,
  },
} as const;

let aio: RunningAllInOne;
let browser: Browser;

/**
 * Makes the directory sync look more than three days old, as if the agent had stopped: the stale
 * rule is about time, and a test cannot wait three days. The agent's next delta is 30 minutes away.
 */
function backdateDirectorySync(dataDir: string, days: number): void {
  const db = new Database(path.join(dataDir, 'dirbridge.sqlite'));
  try {
    const shift = days * 24 * 3_600_000;
    const changed = db.prepare("UPDATE sync_runs SET started_at = started_at - ?, finished_at = finished_at - ? WHERE kind = 'directory'").run(shift, shift);
    expect(changed.changes).toBeGreaterThan(0);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Slow cycles: the test backdates the directory sync below, and a new cycle would undo that.
  aio = await startAllInOne({ config: { agent: { intervals: { heartbeatSeconds: 1, deltaMinutes: 60, fullHours: 24, passwordMinutes: 60 } }, alerts: { intervalSeconds: 5 } } });
  // A webhook receiver for the Alerts page: it records what it was sent.
  hookServer = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      // Under /busy-… it is a receiver that is down for maintenance: 503, as a proxy answers then.
      if ((req.url ?? '').startsWith('/busy-')) {
        res.writeHead(503).end('busy');
        return;
      }
      hookBodies.push({ path: req.url ?? '', body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
  // The first directory and password cycles of the sample directory take a few seconds.
  const api = await AdminApi.signIn(aio.url, aio.adminUsername, aio.adminPassword);
  await eventually(async () => {
    const status = await api.get<DirSyncStatus>('/api/v1/dirsync/status');
    return status.lastDirectorySync !== null && status.lastPasswordSync !== null;
  }, 60_000, 'the first directory and password sync');
  backdateDirectorySync(aio.dataDir, 4);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await new Promise<void>((resolve) => (hookServer ? hookServer.close(() => resolve()) : resolve()));
  await browser?.close();
  await aio?.stop();
});

let hookServer: Server;
const hookBodies: Array<{ path: string; body: string }> = [];

async function shot(page: Page, lang: Lang, name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: path.join(SCREENSHOTS, `${lang}-${name}.png`), fullPage: true });
}

async function heading(page: Page, text: string): Promise<void> {
  await page.getByTestId('page-heading').filter({ hasText: text }).waitFor();
}

async function text(locator: Locator): Promise<string> {
  await locator.first().waitFor();
  return ((await locator.first().textContent()) ?? '').trim();
}

async function newContext(lang: Lang): Promise<BrowserContext> {
  const words = WORDS[lang];
  return browser.newContext({ locale: words.locale, timezoneId: words.timezoneId, viewport: { width: 1400, height: 900 }, acceptDownloads: true });
}

async function signIn(page: Page, lang: Lang): Promise<void> {
  await page.goto(`${aio.url}/`);
  await page.getByTestId('sign-in-username').fill(aio.adminUsername);
  await page.getByTestId('sign-in-password').fill(aio.adminPassword);
  await page.getByTestId('sign-in-submit').click();
  await heading(page, WORDS[lang].home);
}

describe.each(['en', 'nl'] as const)('admin center in %s', (lang) => {
  const words = WORDS[lang];
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await newContext(lang);
    page = await context.newPage();
  });

  afterAll(async () => {
    await context?.close();
  });

  it('picks the language from the browser and signs in (in English after a wrong password, shown with what to do)', async () => {
    await page.goto(`${aio.url}/`);
    await page.getByTestId('sign-in-form').waitFor();
    expect(await text(page.getByRole('heading', { level: 1 }))).toBe(words.signIn);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe(words.locale);
    await shot(page, lang, 'sign-in');

    if (lang === 'en') {
      // Once is enough: a failed sign-in is deliberately slow and counts towards the lockout.
      await page.getByTestId('sign-in-username').fill(aio.adminUsername);
      await page.getByTestId('sign-in-password').fill('not-the-password');
      await page.getByTestId('sign-in-submit').click();
      const error = page.getByTestId('error-bar');
      expect(await text(error)).toContain(words.wrongPassword);
      expect(await error.getAttribute('data-code')).toBe('AUTH_INVALID_CREDENTIALS');
    }

    await signIn(page, lang);
    expect(await text(page.getByTestId('product-name'))).toBe(words.product);
    expect(await text(page.getByTestId('signed-in-user'))).toContain(aio.adminUsername);
  });

  it('Home › DirSync status card › DirSync management, with the stale warning and the troubleshooter link', async () => {
    await page.getByTestId('nav-home').click();
    await heading(page, words.home);
    const card = page.getByTestId('dirsync-status-card');
    expect(await text(card.getByRole('heading'))).toBe(words.statusCard);
    expect(await card.getByTestId('dirsync-state').getAttribute('data-state')).toBe('warning');
    const lastPassword = await text(card.getByTestId('home-last-password-sync'));
    expect(lastPassword).toMatch(words.date);
    expect(lastPassword).toMatch(words.relative);
    const stale = card.locator('[data-testid="stale-warning"][data-code="DIRECTORY_SYNC_STALE"]');
    expect(await text(stale)).toContain(words.stale);
    expect(await text(stale)).toContain(words.lastDirectorySync);
    await shot(page, lang, 'home');

    await card.getByTestId('open-dirsync').click();
    await heading(page, words.dirsync);
    expect(page.url()).toBe(`${aio.url}/dirsync`);
    expect(await text(page.getByTestId('page-intro'))).toBe(words.intro);
    await page.getByTestId('password-sync-switch').waitFor(); // the status has loaded
    const main = page.getByRole('main');
    for (const label of [words.passwordSyncEnabled, words.lastPasswordSync, words.lastDirectorySync, words.passwordSyncDescription]) {
      expect(await main.textContent()).toContain(label);
    }
    expect(await text(page.getByTestId('directory-sync-enabled'))).toBe(words.trueWord);
    expect(await text(page.getByTestId('last-password-sync'))).toMatch(words.date);
    expect(await text(page.getByTestId('agents-table'))).toContain('0.1.0');
    expect(Number(await text(page.getByTestId('objects-in-error')))).toBeGreaterThan(0);
    // Every sample user has a usable password: they are counted, and no cause is listed.
    expect(Number(await text(page.getByTestId('users-with-password')))).toBeGreaterThan(40);
    expect(await page.getByTestId('password-problems').count()).toBe(0);
    expect(await text(page.getByTestId('delete-threshold'))).toContain(words.deleteThreshold);
    await shot(page, lang, 'dirsync');

    // The stale warning of DirSync management leads to the troubleshooter, which finds the same.
    const warning = page.locator('[data-testid="stale-warning"][data-code="DIRECTORY_SYNC_STALE"]');
    expect(await text(warning)).toContain(words.stale);
    await warning.getByTestId('troubleshooter-link').click();
    await heading(page, words.troubleshooter);
    const check = page.locator('[data-testid="troubleshooter-check"][data-check-id="directory_sync_stale"]');
    expect(await check.getAttribute('data-verdict')).toBe('warning');
    expect(await text(check.getByTestId('check-action'))).not.toBe('');
    expect(await page.getByTestId('troubleshooter-check').count()).toBe(10);
    expect(await page.locator('[data-testid="troubleshooter-check"][data-check-id="password_coverage"]').getAttribute('data-verdict')).toBe('ok');
    await page.getByTestId('troubleshooter-run-again').click();
    await page.getByTestId('troubleshooter-check').first().waitFor();
    // The per-user password trace: a synced user whose {SSHA} hash signs in.
    await page.getByTestId('password-trace-user').fill('emma.jansen@example.org');
    await page.getByTestId('password-trace-run').click();
    const trace = page.getByTestId('password-trace-steps');
    await trace.waitFor();
    expect(await trace.getAttribute('data-verdict')).toBe('ok');
    expect(await page.locator('[data-testid="password-trace-step"][data-step-id="scheme"]').textContent()).toContain('SSHA');
    await shot(page, lang, 'troubleshooter');
  });

  it('Users › Active users › More › Directory synchronization › Go to DirSync management', async () => {
    await page.getByTestId('nav-home').click();
    await heading(page, words.home);
    expect(await text(page.getByTestId('nav-users'))).toBe(words.users);
    await page.getByTestId('nav-active-users').click();
    await heading(page, words.activeUsers);
    const table = page.getByTestId('users-table');
    await table.getByTestId('user-row').first().waitFor();
    expect(await table.textContent()).toContain(words.onPremises);
    expect(await text(page.getByTestId('pager-range'))).toMatch(words.range);

    // The search box filters on the server, debounced.
    // (Emma Janssen, whose mail and so UPN clash with Emma Jansen's, is synchronized too, with a
    // stand-in UPN emma.jansen+<hex>@...: hence the display name.)
    await page.getByTestId('users-search').fill('emma jansen');
    await eventually(async () => (await table.getByTestId('user-row').count()) === 1, 60_000, 'the search to apply');
    expect(await text(table.getByTestId('user-row'))).toContain('Emma Jansen');
    await page.getByTestId('users-search').fill('');
    await eventually(async () => (await table.getByTestId('user-row').count()) > 1, 60_000, 'the search to clear');
    await shot(page, lang, 'users');

    const more = page.getByTestId('more-menu');
    expect(await text(more)).toBe(words.more);
    await more.click();
    const item = page.getByTestId('menu-directory-synchronization');
    expect(await text(item)).toBe(words.directorySynchronization);
    await item.click();
    const pane = page.getByRole('dialog');
    expect(await text(pane.getByRole('heading'))).toBe(words.directorySynchronization);
    await page.getByTestId('dirsync-pane-summary').waitFor();
    const goTo = page.getByTestId('go-to-dirsync');
    expect(await text(goTo)).toBe(words.goTo);
    await shot(page, lang, 'users-pane');
    await goTo.click();
    await heading(page, words.dirsync);
    expect(page.url()).toBe(`${aio.url}/dirsync`);
  });

  it('switches password sync off and on, shows it at once, and the audit log records both', async () => {
    await page.getByTestId('nav-dirsync').click();
    await heading(page, words.dirsync);
    const toggle = page.getByTestId('password-sync-switch');
    await toggle.waitFor();
    expect(await toggle.isChecked()).toBe(true);
    expect(await toggle.isDisabled()).toBe(false);

    await toggle.click();
    await page.getByTestId('dirsync-saved').waitFor();
    expect(await toggle.isChecked()).toBe(false);
    expect(await main(page)).toContain(words.falseWord);
    // The change is stored, not only shown: a reload shows it too.
    await page.reload();
    await heading(page, words.dirsync);
    await toggle.waitFor();
    expect(await toggle.isChecked()).toBe(false);
    // What off really means, as in Entra ID: the synced passwords keep working until removed.
    const kept = await text(page.getByTestId('passwords-kept'));
    expect(kept).toContain(words.passwordsKept);
    expect(kept).toContain(words.removeHashes);
    await shot(page, lang, 'dirsync-password-sync-off');
    await page.getByTestId('nav-troubleshooter').click();
    await heading(page, words.troubleshooter);
    const offCheck = page.locator('[data-testid="troubleshooter-check"][data-check-id="password_sync_enabled"]');
    expect(await offCheck.getAttribute('data-verdict')).toBe('warning');
    expect(await text(offCheck.getByTestId('check-found'))).toContain(words.passwordsKeepWorking);
    await page.getByTestId('nav-dirsync').click();
    await heading(page, words.dirsync);
    await toggle.waitFor();

    await toggle.click();
    await page.getByTestId('dirsync-saved').waitFor();
    expect(await toggle.isChecked()).toBe(true);
    expect(await main(page)).toContain(words.trueWord);

    await page.getByTestId('nav-audit').click();
    await heading(page, words.audit);
    const rows = page.locator('[data-testid="audit-row"][data-action="settings.changed"]');
    await rows.first().waitFor();
    // Newest first: switched on, then switched off.
    expect(await text(rows.nth(0))).toMatch(/after: \{"passwordSyncEnabled":true\}/);
    expect(await text(rows.nth(1))).toMatch(/after: \{"passwordSyncEnabled":false\}/);
    expect(await text(rows.nth(0))).toContain(aio.adminUsername);
    await shot(page, lang, 'audit');
  });

  it('previews the next cycle: the agent answers with what it would change', async () => {
    await page.getByTestId('nav-dirsync').click();
    await heading(page, words.dirsync);
    // Wait for the request itself: a preview of the other language's run may already be shown as ready.
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/dirsync/preview') && r.request().method() === 'POST'),
      page.getByTestId('preview-request').click(),
    ]);
    await page.locator('[data-testid="preview-section"][data-status="ready"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('preview-counts').textContent()).toMatch(/\d/);
    await shot(page, lang, 'dirsync-preview');
  });

  it('removes all synced password hashes only after the exact words are typed', async () => {
    await page.getByTestId('nav-dirsync').click();
    await heading(page, words.dirsync);
    await page.getByTestId('clear-verifiers').click();
    const confirm = page.getByTestId('clear-verifiers-confirm');
    await page.getByTestId('clear-verifiers-phrase').fill('remove');
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByTestId('clear-verifiers-phrase').fill('REMOVE ALL PASSWORD HASHES');
    await confirm.click();
    await page.getByTestId('clear-verifiers-done').waitFor();
    await shot(page, lang, 'dirsync-cleared');
  });

  it('registers an app for OpenID Connect sign-in, shows its secret once, and deletes it', async () => {
    await page.getByTestId('nav-oidc-clients').click();
    await page.getByTestId('oidc-client-form').waitFor();
    const name = `Intranet ${lang}`;
    await page.getByTestId('oidc-client-name').fill(name);
    await page.getByTestId('oidc-client-redirect-uris').fill(`https://intranet.example.org/${lang}/callback`);
    await page.getByTestId('oidc-client-register').click();
    await page.getByTestId('oidc-client-created').waitFor();
    const row = page.getByTestId('oidc-client-row').filter({ hasText: name });
    await row.waitFor();
    await shot(page, lang, 'oidc-clients');
    await row.getByTestId('oidc-client-delete').click();
    await page.getByTestId('oidc-client-delete-confirm').click();
    await page.getByTestId('oidc-client-deleted').waitFor();
    // The list reloads after the confirmation message: wait for the row to go.
    await eventually(async () => (await page.getByTestId('oidc-client-row').filter({ hasText: name }).count()) === 0, 30_000, 'the deleted app to leave the list');
  });

  it('shows the stale sync as an open alert, adds a webhook, sends it a test and removes it', async () => {
    await page.getByTestId('nav-alerts').click();
    await page.getByTestId('alert-channel-form').waitFor();
    // The directory sync was backdated four days: the alert loop (every 5 s here) raises it.
    await eventually(async () => {
      await page.reload();
      await page.getByTestId('alert-channel-form').waitFor();
      return (await page.locator('[data-testid="alert-open-row"][data-code="DIRECTORY_SYNC_STALE"]').count()) === 1;
    }, 30_000, 'the stale directory sync among the open alerts');
    const url = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook-${lang}`;
    await page.getByTestId('alert-channel-target').fill(url);
    await page.getByTestId('alert-channel-add').click();
    const row = page.getByTestId('alert-channel-row').filter({ hasText: url });
    await row.waitFor();
    await row.getByTestId('alert-channel-test').click();
    // The notice of the added channel shows until the test's answer replaces it.
    await page.getByTestId('alert-notice').filter({ hasText: lang === 'en' ? `The test reached ${url}.` : `De test is aangekomen bij ${url}.` }).waitFor();
    const received = hookBodies.find((h) => h.path === `/hook-${lang}`);
    expect(JSON.parse(received?.body ?? '{}')).toMatchObject({ event: 'test', code: 'TEST' });
    await page.locator('[data-testid="alert-delivery-row"][data-state="delivered"][data-event="test"]').first().waitFor();
    expect(await text(page.getByTestId('page-heading'))).toBe(lang === 'en' ? 'Alerts' : 'Waarschuwingen');
    await shot(page, lang, 'alerts');
    await row.getByTestId('alert-channel-remove').click();
    await page.getByTestId('alert-channel-remove-confirm').click();
    await eventually(async () => (await page.getByTestId('alert-channel-row').filter({ hasText: url }).count()) === 0, 30_000, 'the removed channel to leave the list');
  });

  it('names a failed delivery\'s facts (webhook URL, status 503) in the admin\'s language (alert error params)', async () => {
    await page.getByTestId('nav-alerts').click();
    await page.getByTestId('alert-channel-form').waitFor();
    const origin = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}`;
    // The query may carry the receiver's token: the error names the URL without it.
    const shown = `${origin}/busy-${lang}`;
    const url = `${shown}?token=not-for-the-page`;
    await page.getByTestId('alert-channel-target').fill(url);
    await page.getByTestId('alert-channel-add').click();
    const row = page.getByTestId('alert-channel-row').filter({ hasText: shown });
    await row.waitFor();
    await row.getByTestId('alert-channel-test').click();
    // English shows the sender's own words; Dutch the code's template filled with the stored facts.
    const expected = lang === 'en' ? `The webhook ${shown} answered 503: busy` : `De webhook ${shown} antwoordde met status 503: busy`;
    const notice = page.getByTestId('alert-notice').filter({ hasText: lang === 'en' ? 'The test did not reach ' : 'De test is niet aangekomen bij ' });
    expect(await text(notice)).toContain(expected);
    const failed = page.locator('[data-testid="alert-delivery-row"][data-event="test"]').filter({ hasText: shown });
    const error = failed.locator('[data-testid="alert-delivery-error"][data-code="ALERT_DELIVERY_FAILED"]');
    expect(await text(error)).toBe(expected);
    expect(await text(error)).not.toContain('not-for-the-page');
    // The page's own words around it: the state in the admin's language, times as local dates.
    expect(await text(failed)).toContain(lang === 'en' ? 'Waiting to retry' : 'Wacht op nieuwe poging');
    expect(await main(page)).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    await shot(page, lang, 'alerts-delivery-failed');
    await row.getByTestId('alert-channel-remove').click();
    await page.getByTestId('alert-channel-remove-confirm').click();
    await eventually(async () => (await page.getByTestId('alert-channel-row').filter({ hasText: shown }).count()) === 0, 30_000, 'the removed channel to leave the list');
  });

  it('lists sync errors with what to do and exports them as CSV', async () => {
    await page.getByTestId('nav-sync-errors').click();
    await heading(page, words.syncErrors);
    const rows = page.getByTestId('sync-error-row');
    await rows.first().waitFor();
    const count = await rows.count();
    expect(count).toBeGreaterThan(0);
    await shot(page, lang, 'sync-errors');

    // Filter by the error code of the first row: every row left has that code.
    const codes = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelectorAll('td')[3]?.textContent ?? ''));
    const code = codes[0]!;
    const expected = codes.filter((c) => c === code).length;
    await page.getByTestId('sync-errors-code').click();
    await page.getByRole('option', { name: code, exact: true }).click();
    await eventually(async () => (await rows.count()) === expected, 60_000, 'the code filter to apply');
    const filtered = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelectorAll('td')[3]?.textContent ?? ''));
    expect(new Set(filtered)).toEqual(new Set([code]));
    // Back to all codes. On a loaded machine a click can land on the list that is still closing
    // from the choice above: while the dropdown still shows the code, choose again.
    const dropdown = page.getByTestId('sync-errors-code');
    await eventually(async () => {
      if ((await dropdown.textContent())?.includes(code)) {
        await dropdown.click();
        await page.getByRole('option').first().click();
      }
      return (await rows.count()) === count;
    }, 60_000, 'the filter to clear');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('sync-errors-export').click()]);
    const file = await download.path();
    const csv = readFileSync(file, 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('kind,dn,attribute,code,message,hint,firstSeen,lastSeen');
    expect(lines.length).toBeGreaterThanOrEqual(count + 1);
  });

  it('shows groups, agents, and creates a registration token shown once with the command to run', async () => {
    await page.getByTestId('nav-groups').click();
    await heading(page, words.groups);
    await page.getByTestId('group-row').first().waitFor();
    await shot(page, lang, 'groups');

    await page.getByTestId('nav-agents').click();
    await heading(page, words.agents);
    await page.getByTestId('agent-row').first().waitFor();
    await page.getByTestId('create-registration-token').click();
    const token = await page.getByTestId('registration-token-value').inputValue();
    expect(token.length).toBeGreaterThanOrEqual(16);
    const command = await page.getByTestId('registration-command').inputValue();
    // Compared as booleans, so a failure never prints the token.
    expect(command === `dirbridge agent --tenant-url ${aio.url} --token ${token}`, 'the command names this tenant and the new token').toBe(true);
    // Shown once: after a reload only the token's metadata is listed.
    await page.reload();
    await heading(page, words.agents);
    await page.getByTestId('registration-tokens-table').waitFor();
    expect(await page.getByTestId('registration-token-value').count()).toBe(0);
    expect((await page.content()).includes(token), 'the token is gone after a reload').toBe(false);
    await shot(page, lang, 'agents');
  });

  it('switches to the other language with the header switcher, remembers the choice, and switches back', async () => {
    const other = lang === 'en' ? 'nl' : 'en';
    await page.getByTestId('nav-dirsync').click();
    await heading(page, WORDS[lang].dirsync);
    await page.getByTestId('language-switcher').click();
    await page.getByTestId(`language-${other}`).click();
    await heading(page, WORDS[other].dirsync);
    expect(await text(page.getByTestId('page-intro'))).toBe(WORDS[other].intro);
    await page.reload();
    await heading(page, WORDS[other].dirsync);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe(other === 'nl' ? 'nl-NL' : 'en-US');
    await page.getByTestId('language-switcher').click();
    await page.getByTestId(`language-${lang}`).click();
    await heading(page, WORDS[lang].dirsync);
  });
});

describe('a global reader', () => {
  it('sees DirSync management but cannot switch password sync or create registration tokens', async () => {
    const passwordFile = path.join(aio.dataDir, 'reader-password');
    const readerPassword = `Reader-${Date.now()}-password`;
    writeFileSync(passwordFile, readerPassword, { mode: 0o600 });
    const created = await aio.cli(['admin', 'create', '--username', 'reader', '--role', 'global_reader', '--password-file', passwordFile]);
    expect(created.code).toBe(0);

    const context = await newContext('en');
    try {
      const page = await context.newPage();
      await page.goto(`${aio.url}/dirsync`);
      await page.getByTestId('sign-in-username').fill('reader');
      await page.getByTestId('sign-in-password').fill(readerPassword);
      await page.getByTestId('sign-in-submit').click();
      // An admin made with the CLI chooses their own password first; the API allows nothing else before.
      await page.getByTestId('change-password-form').waitFor();
      await page.getByTestId('change-password-current').fill(readerPassword);
      await page.getByTestId('change-password-new').fill(`${readerPassword}-own`);
      await page.getByTestId('change-password-again').fill(`${readerPassword}-own`);
      await page.getByTestId('change-password-submit').click();
      // Signing in keeps the address the admin came for.
      await heading(page, WORDS.en.dirsync);
      expect(await text(page.getByTestId('signed-in-role'))).toBe('Global reader');
      const toggle = page.getByTestId('password-sync-switch');
      await toggle.waitFor();
      expect(await toggle.isDisabled()).toBe(true);
      await page.getByTestId('reader-only').first().hover();
      await page.getByRole('tooltip').filter({ hasText: 'Only a global admin can change this.' }).waitFor();
      await shot(page, 'en', 'dirsync-reader');

      await page.getByTestId('nav-agents').click();
      await heading(page, WORDS.en.agents);
      expect(await page.getByTestId('create-registration-token').isDisabled()).toBe(true);

      await page.getByTestId('sign-out').click();
      await page.getByTestId('sign-in-form').waitFor();
      // The session is gone on the server too: a reload stays on the sign-in page.
      await page.reload();
      await page.getByTestId('sign-in-form').waitFor();
    } finally {
      await context.close();
    }
  });
});

async function main(page: Page): Promise<string> {
  return (await page.getByRole('main').textContent()) ?? '';
}

/**
 * The detail views end to end, in Debian's Chromium, in English and Dutch, after a real sync of the
 * bundled sample directory by the all-in-one: Active users › a user (DN, anchor, attributes, groups,
 * password sync with the trace, history), its group › a nested group, and the sync history with a
 * run in progress that refreshes on its own. Screenshots: test-output/screenshots/<lang>-<page>.png.
 *
 * Needs the build (npm run build): the tenant service serves dist/admin-ui.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantClient } from '../../src/agent/tenant-client.js';
import { toDirectoryError } from '../../src/directory/ldap/ldap-errors.js';
import { AppError } from '../../src/shared/errors.js';
import { deleteVerdictParams, describeDeleteVerdict, judgeDeletes } from '../../src/sync/delete-guard.js';
import type { DirSyncStatus } from '../../src/tenant/api/contract.js';
import { AdminApi } from '../support/admin-api.js';
import { eventually, startAllInOne, type RunningAllInOne } from '../support/all-in-one.js';

const SCREENSHOTS = path.resolve('test-output/screenshots');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

const WORDS = {
  en: {
    locale: 'en-US', timezoneId: 'America/New_York', home: 'Home', activeUsers: 'Active users',
    trueWord: 'True', overview: 'Overview', attributes: 'Attributes as synced', groups: 'Groups', passwordSync: 'Password sync',
    history: 'History', firstSynced: 'First synchronized', passwordSynced: 'Password synchronized', members: 'Members',
    nested: 'Group (nested)', syncHistory: 'Sync history', directory: 'Directory', password: 'Password', full: 'Full',
    running: 'of about 5,000 objects read', runningAfter: '4,200 of about 5,000', passwords: '300 of 1,000 passwords', passwordsSoFar: '12 changed passwords so far', ofWord: ' of ',
    date: /\d{1,2}\/\d{1,2}\/\d{4}, \d{1,2}:\d{2}\s?[AP]M/,
    schemeFound: 'SSHA',
    upnClash: 'is already used by', ldifLine: /directory\.ldif: Line \d+: /, // English shows the agent's own, more specific words
    unreachable: 'The directory at ldap://127.0.0.1:1 cannot be reached: ', thresholdRun: 'would delete 1,200 objects, more than the threshold of 1,000',
    cycleFailed: /The last directory sync cycle \(\d{1,2}\/\d{1,2}\/\d{4}, \d{1,2}:\d{2}\s?[AP]M( \w+)?\) failed \(DIR_UNREACHABLE\): The directory at ldap:\/\/127\.0\.0\.1:1/,
    objectsInError: /\d+ objects? ha(s|ve) sync errors\./,
  },
  nl: {
    locale: 'nl-NL', timezoneId: 'Europe/Amsterdam', home: 'Startpagina', activeUsers: 'Actieve gebruikers',
    trueWord: 'Waar', overview: 'Overzicht', attributes: 'Kenmerken zoals gesynchroniseerd', groups: 'Groepen', passwordSync: 'Wachtwoordsynchronisatie',
    history: 'Geschiedenis', firstSynced: 'Voor het eerst gesynchroniseerd', passwordSynced: 'Wachtwoord gesynchroniseerd', members: 'Leden',
    nested: 'Groep (genest)', syncHistory: 'Synchronisatiegeschiedenis', directory: 'Adreslijst', password: 'Wachtwoord', full: 'Volledig',
    running: 'van ongeveer 5.000 objecten gelezen', runningAfter: '4.200 van ongeveer 5.000', passwords: '300 van 1.000 wachtwoorden', passwordsSoFar: '12 gewijzigde wachtwoorden tot nu toe', ofWord: ' van ',
    date: /\d{2}-\d{2}-\d{4} \d{2}:\d{2}/,
    schemeFound: 'SSHA',
    upnClash: 'is al in gebruik bij', ldifLine: /directory\.ldif: regel \d+ kan niet worden gelezen\./,
    unreachable: 'De adreslijst op ldap://127.0.0.1:1 is niet bereikbaar: ', thresholdRun: 'zou 1.200 objecten verwijderen, meer dan de drempel van 1.000',
    cycleFailed: /De laatste adreslijstsynchronisatiecyclus \(\d{2}-\d{2}-\d{4} \d{2}:\d{2}( \w+)?\) is mislukt \(DIR_UNREACHABLE\): De adreslijst op ldap:\/\/127\.0\.0\.1:1 is niet bereikbaar: /,
    objectsInError: /Objecten met synchronisatiefouten: \d+\./,
  },
} as const;
type Lang = keyof typeof WORDS;

let aio: RunningAllInOne;
let browser: Browser;
let api: AdminApi;
/** A second agent registered by the test: its heartbeats report a large run in progress. */
let reporter: { credential: string };

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  aio = await startAllInOne({ config: { agent: { intervals: { heartbeatSeconds: 1, deltaMinutes: 60, fullHours: 24, passwordMinutes: 60 } } } });
  api = await AdminApi.signIn(aio.url, aio.adminUsername, aio.adminPassword);
  await eventually(async () => {
    const status = await api.get<DirSyncStatus>('/api/v1/dirsync/status');
    return status.lastDirectorySync !== null && status.lastPasswordSync !== null;
  }, 60_000, 'the first directory and password sync');
  const token = await api.request<{ token: string }>('POST', '/api/v1/registration-tokens', {});
  const registered = await fetch(`${aio.url}/api/v1/agent/register`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ registrationToken: token.body.token, host: 'dc-big.example.org', version: '0.1.0' }),
    signal: AbortSignal.timeout(10_000),
  });
  expect(registered.status).toBe(201);
  reporter = (await registered.json()) as { credential: string };
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await aio?.stop();
});

/**
 * Two runs that did not go through, reported as the agent reports them (its client, its producers'
 * errors with their params): one held by the delete threshold, then one whose directory was down.
 */
let failedRunsReported: Promise<void> | null = null;
function reportFailedRuns(): Promise<void> {
  failedRunsReported ??= (async () => {
    const client = new TenantClient({ tenantUrl: aio.url, credential: reporter.credential, retries: 0, timeoutMs: 10_000 });
    const limits = { threshold: 1000, percent: 0 };
    const verdict = judgeDeletes(1200, 5000, limits);
    const held = new AppError('DELETE_THRESHOLD_EXCEEDED', {
      message: `This cycle would delete ${describeDeleteVerdict(1200, 5000, limits, verdict)}; no deletes were exported.`,
      params: deleteVerdictParams(1200, 5000, limits, verdict),
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const down = toDirectoryError(refused, 'bind', { url: 'ldap://127.0.0.1:1' });
    expect(down.code).toBe('DIR_UNREACHABLE');
    for (const [i, [failure, outcome]] of ([[held, 'blocked'], [down, 'failed']] as const).entries()) {
      const finishedAt = new Date(Date.now() + i * 1000);
      await client.reportRun({
        runId: `run-e2e-${failure.code}-${finishedAt.getTime()}`, kind: 'directory', mode: 'delta', startedAt: new Date(finishedAt.getTime() - 4000), finishedAt,
        outcome, counts: {}, errorCode: failure.code, errorMessage: `${failure.message} ${failure.hint}`, errorParams: failure.params ?? null, objectErrors: [],
      });
    }
  })();
  return failedRunsReported;
}

/** A heartbeat of the reporting agent, as an agent in the middle of a first full sync sends it. */
async function reportProgress(read: number, processed: number | null, passwordMode: 'full' | 'delta' = 'full'): Promise<void> {
  const startedAt = new Date(Date.now() - 120_000).toISOString();
  const response = await fetch(`${aio.url}/api/v1/agent/heartbeat`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${reporter.credential}` },
    body: JSON.stringify({
      host: 'dc-big.example.org', version: '0.1.0',
      directoryProgress: { mode: 'full', startedAt, phase: 'reading', read, expected: 5000, exported: read - 100, errors: 3, etaSeconds: 300 },
      // A delta knows no total ahead: the agent sends what it read so far, and no time left.
      passwordProgress: processed === null ? null : passwordMode === 'full'
        ? { mode: 'full', startedAt, processed, total: 1000, derived: processed - 10, etaSeconds: 600 }
        : { mode: 'delta', startedAt, processed, total: processed, derived: processed - 1, etaSeconds: null },
    }),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status).toBe(200);
}

async function shot(page: Page, lang: Lang, name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: path.join(SCREENSHOTS, `${lang}-${name}.png`), fullPage: true });
}

async function text(locator: Locator): Promise<string> {
  await locator.first().waitFor();
  return ((await locator.first().textContent()) ?? '').trim();
}

/** What a person reads on the page: no raw ISO timestamp anywhere. */
async function expectNoIsoTimes(page: Page): Promise<void> {
  expect(await page.getByRole('main').innerText()).not.toMatch(ISO);
}

/**
 * The words of the matched cells that the browser broke across two lines (a word's box on more
 * than one line), and whether the page scrolls sideways: a readable table wraps between words only.
 */
async function midWordBreaks(page: Page, selector: string): Promise<{ broken: string[]; sideways: boolean }> {
  return page.evaluate((sel) => {
    const broken: string[] = [];
    for (const cell of document.querySelectorAll(sel)) {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        // Between hyphens too: a line may break after a hyphen ("--allow-" / "deletes"), as in print.
        for (const match of text.matchAll(/[^\s-]+/g)) {
          const range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          if (lines.size > 1) broken.push(match[0]);
        }
      }
    }
    const main = document.querySelector('main');
    return { broken, sideways: document.documentElement.scrollWidth > window.innerWidth || (main !== null && main.scrollWidth > main.clientWidth + 1) };
  }, selector);
}

describe.each(['en', 'nl'] as const)('detail views in %s', (lang) => {
  const words = WORDS[lang];
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ locale: words.locale, timezoneId: words.timezoneId, viewport: { width: 1366, height: 900 } });
    page = await context.newPage();
    await page.goto(`${aio.url}/`);
    await page.getByTestId('sign-in-username').fill(aio.adminUsername);
    await page.getByTestId('sign-in-password').fill(aio.adminPassword);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('page-heading').filter({ hasText: words.home }).waitFor();
  });
  afterAll(async () => { await context?.close(); });

  it('opens a user from Active users: DN, anchor, attributes, groups, password sync with the trace, and history', async () => {
    await page.getByTestId('nav-active-users').click();
    await page.getByTestId('page-heading').filter({ hasText: words.activeUsers }).waitFor();
    await page.getByTestId('users-search').fill('emma jansen');
    const table = page.getByTestId('users-table');
    await eventually(async () => (await table.getByTestId('user-row').count()) === 1, 30_000, 'the search to apply');
    await table.getByTestId('user-link').click();
    const detail = page.getByTestId('user-detail');
    await detail.waitFor();
    expect(await text(page.getByTestId('page-heading'))).toBe('Emma Jansen');
    expect(await text(page.getByTestId('user-dn'))).toBe('uid=emma.jansen,ou=People,dc=example,dc=org');
    expect(await text(page.getByTestId('user-anchor'))).toContain('emma.jansen');
    expect(await text(page.getByTestId('user-upn'))).toBe('emma.jansen@example.org');
    expect(await text(page.getByTestId('user-enabled'))).toBe(words.trueWord);
    expect(await text(page.getByTestId('user-password-synced'))).toBe(words.trueWord);
    expect(await text(page.getByTestId('user-password-last-success'))).toMatch(words.date);
    expect((await page.getByTestId('user-group').allTextContents()).map((g) => g.trim())).toContain('Engineering');
    const trace = page.getByTestId('password-trace-steps');
    await trace.waitFor();
    expect(await trace.getAttribute('data-verdict')).toBe('ok');
    expect(await text(page.locator('[data-testid="password-trace-step"][data-step-id="scheme"]'))).toContain(words.schemeFound);
    expect(await text(page.locator('[data-testid="password-trace-step"][data-step-id="object_synced"]'))).toMatch(words.date);
    const history = page.getByTestId('user-history-row');
    await history.first().waitFor();
    expect(await text(page.locator('[data-testid="user-history-row"][data-event="first_synced"]'))).toContain(words.firstSynced);
    expect(await text(page.locator('[data-testid="user-history-row"][data-event="password_synced"]'))).toContain(words.passwordSynced);
    const main = await page.getByRole('main').innerText();
    for (const heading of [words.overview, words.attributes, words.groups, words.passwordSync, words.history]) expect(main).toContain(heading);
    await expectNoIsoTimes(page);
    await shot(page, lang, 'user-detail');

    // The address works on its own (a bookmark, a reload): the DN's dots are encoded, so the tenant serves the app.
    await page.reload();
    await page.getByTestId('user-detail').waitFor();
    expect(await text(page.getByTestId('page-heading'))).toBe('Emma Jansen');
  });

  it('opens the user\'s group with its members, and the nested group inside it', async () => {
    await page.getByTestId('user-group').filter({ hasText: 'Engineering' }).getByRole('link').click();
    await page.getByTestId('group-detail').waitFor();
    expect(await text(page.getByTestId('page-heading'))).toBe('Engineering');
    expect(await text(page.getByTestId('group-member-count'))).toBe('8');
    const rows = page.getByTestId('group-member-row');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(8);
    const nested = page.locator('[data-testid="group-member-row"][data-kind="group"]');
    expect(await text(nested)).toContain('IT Admins');
    expect(await text(nested)).toContain(words.nested);
    expect(await page.getByTestId('group-members-table').innerText()).toContain('Emma Jansen');
    await expectNoIsoTimes(page);
    await shot(page, lang, 'group-detail');

    await nested.getByTestId('nested-group-link').click();
    await page.getByTestId('page-heading').filter({ hasText: 'IT Admins' }).waitFor();
    expect((await page.getByTestId('group-parent').allTextContents()).map((g) => g.trim())).toEqual(['Engineering']);
    await eventually(async () => (await page.getByTestId('group-member-row').count()) === 3, 30_000, 'the nested group\'s members');
    await shot(page, lang, 'group-detail-nested');
  });

  it('shows the sync history of the real runs, and a run in progress that refreshes on its own', async () => {
    await reportProgress(1200, 300);
    await page.getByTestId('nav-sync-history').click();
    await page.getByTestId('page-heading').filter({ hasText: words.syncHistory }).waitFor();
    const runs = page.getByTestId('sync-run-row');
    await runs.first().waitFor();
    const kinds = await runs.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')));
    expect(kinds).toContain('directory');
    expect(kinds).toContain('password');
    const firstDirectory = page.locator('[data-testid="sync-run-row"][data-kind="directory"]').last();
    expect(await text(firstDirectory)).toContain(words.directory);
    // The first sync added the sample's users and groups.
    expect(Number((await text(firstDirectory.getByTestId('sync-run-added'))).replace(/\D/g, ''))).toBeGreaterThan(40);
    expect(await text(firstDirectory.getByTestId('sync-run-start'))).toMatch(words.date);
    expect(await text(firstDirectory.getByTestId('sync-run-duration'))).toMatch(/\d/);
    const passwordRun = page.locator('[data-testid="sync-run-row"][data-kind="password"]').last();
    expect(Number(await text(passwordRun.getByTestId('sync-run-derived')))).toBeGreaterThan(0);

    const directory = page.getByTestId('running-directory-counts');
    expect(await text(directory)).toContain(words.running);
    expect(await text(page.getByTestId('running-password-counts'))).toContain(words.passwords);
    await expectNoIsoTimes(page);
    await shot(page, lang, 'sync-history');

    // The agent reports more: the page shows it without a reload.
    await reportProgress(4200, null);
    await eventually(async () => (await directory.textContent())?.includes(words.runningAfter) ?? false, 15_000, 'the progress to refresh');
    expect(await page.getByTestId('running-password').count()).toBe(0);
    await shot(page, lang, 'sync-history-progress');

    // A password delta: no "12 of 12" with a full bar while it may still be reading.
    await reportProgress(4200, 12, 'delta');
    const passwords = page.getByTestId('running-password-counts');
    await eventually(async () => (await passwords.textContent().catch(() => null))?.includes(words.passwordsSoFar) ?? false, 15_000, 'the delta progress');
    expect(await text(passwords)).not.toContain(words.ofWord);
    expect(await page.getByTestId('running-password').getByRole('progressbar').getAttribute('aria-valuenow')).toBeNull();
    await reportProgress(4200, null);
  });

  it('names both objects of a UPN clash in the admin\'s language, on the user and in Sync errors (error params)', async () => {
    // The sample's uid=emma.janssen has the mail, and so the UPN, of uid=emma.jansen, which held it first.
    const holder = 'uid=emma.jansen,ou=People,dc=example,dc=org';
    const newcomer = 'uid=emma.janssen,ou=People,dc=example,dc=org';
    await page.getByTestId('nav-active-users').click();
    await page.getByTestId('page-heading').filter({ hasText: words.activeUsers }).waitFor();
    await page.getByTestId('users-search').fill('emma janssen');
    const table = page.getByTestId('users-table');
    await eventually(async () => (await table.getByTestId('user-row').count()) === 1, 30_000, 'the search to apply');
    await table.getByTestId('user-link').click();
    await page.getByTestId('user-detail').waitFor();
    const clash = await text(page.locator('[data-testid="user-error-row"][data-code="OBJECT_DUPLICATE_UPN"]'));
    expect(clash).toContain(words.upnClash);
    expect(clash).toContain(holder);
    expect(clash).toContain(newcomer);
    expect(clash).toContain('emma.jansen@example.org');
    await shot(page, lang, 'user-detail-upn-clash');

    await page.getByTestId('nav-sync-errors').click();
    const rows = page.getByTestId('sync-error-row');
    await rows.first().waitFor();
    const listed = await text(rows.filter({ hasText: 'OBJECT_DUPLICATE_UPN' }));
    expect(listed).toContain(words.upnClash);
    expect(listed).toContain(holder);
    expect(listed).toContain(newcomer);
    // The LDIF fault of the sample names its file and line.
    expect(await text(rows.filter({ hasText: 'LDIF_SYNTAX' }))).toMatch(words.ldifLine);
    await expectNoIsoTimes(page);
    await shot(page, lang, 'sync-errors-params');
  });
  it('names the facts of a failed and a held run in the admin\'s language, numbers grouped (run error params)', async () => {
    await reportFailedRuns();
    await page.getByTestId('nav-sync-history').click();
    await page.getByTestId('page-heading').filter({ hasText: words.syncHistory }).waitFor();
    const down = page.locator('[data-testid="sync-run-error"][data-code="DIR_UNREACHABLE"]');
    await eventually(async () => (await down.count()) > 0, 20_000, 'the failed run to be listed');
    const downText = await text(down);
    expect(downText).toContain(words.unreachable);
    expect(downText).toContain('ECONNREFUSED');
    expect(await text(page.locator('[data-testid="sync-run-error"][data-code="DELETE_THRESHOLD_EXCEEDED"]'))).toContain(words.thresholdRun);
    await expectNoIsoTimes(page);
    // Readable at the widths admins use: long reasons wrap between words, never inside one, and the page does not scroll sideways.
    for (const width of [1024, 1366]) {
      await page.setViewportSize({ width, height: 900 });
      expect(await midWordBreaks(page, '[data-testid="sync-run-error"]'), `at ${width} px`).toEqual({ broken: [], sideways: false });
    }
    await page.setViewportSize({ width: 1024, height: 900 });
    await shot(page, lang, 'sync-history-failed-runs-1024');
    await page.setViewportSize({ width: 1366, height: 900 });
    await shot(page, lang, 'sync-history-failed-runs');

    // The DirSync status names the last cycle's facts the same way.
    await page.getByTestId('nav-dirsync').click();
    expect(await text(page.getByTestId('last-cycle-error'))).toContain(words.unreachable);
    // Its status warnings state their facts in the admin's language: the failed cycle's local time, code and cause, the count in error.
    expect(await text(page.locator('[data-testid="status-warning"][data-code="LAST_CYCLE_FAILED"]'))).toMatch(words.cycleFailed);
    expect(await text(page.locator('[data-testid="status-warning"][data-code="OBJECTS_IN_ERROR"]'))).toMatch(words.objectsInError);
    await expectNoIsoTimes(page);
    await shot(page, lang, 'dirsync-last-cycle-failed');

    // And the troubleshooter's check of the last cycle.
    await page.getByTestId('nav-troubleshooter').click();
    const lastCycle = page.locator('[data-testid="troubleshooter-check"][data-check-id="last_cycle"]');
    expect(await text(lastCycle.getByTestId('check-found'))).toContain(words.unreachable);
    await expectNoIsoTimes(page);
  });
});

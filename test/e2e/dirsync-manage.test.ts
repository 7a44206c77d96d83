/**
 * DirSync management and the credential lifecycle screens (issues 15 and 11) in Chromium, in
 * English and Dutch, against a real all-in-one synchronizing an LDIF file and a second, real agent
 * process (`dirbridge agent`): Sync now followed requested → running → done, the schedule, the
 * settings form (validated, audited), held deletes listed by name and allowed after a confirmation
 * naming the count, an agent that stops shown offline at once and a revoked agent refused, tokens,
 * admins and sign out everywhere. Screenshots: test-output/screenshots/<lang>-manage-*.png.
 *
 * Needs the build (npm run build).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentView, AuditEntry, DirSyncStatus, Page as ApiPage } from '../../src/tenant/api/contract.js';
import { AdminApi } from '../support/admin-api.js';
import { cliPath, eventually, repoRoot, startAllInOne, type RunningAllInOne } from '../support/all-in-one.js';

const SCREENSHOTS = path.resolve('test-output/screenshots');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SAMPLE = join(repoRoot, 'sample', 'directory.ldif');

/** The test's own oracle of the words on screen. */
const WORDS = {
  en: {
    locale: 'en-US', timezoneId: 'America/New_York', home: 'Home', dirsync: 'DirSync management', agents: 'Agents', admins: 'Admins',
    hourly: '1 hour', done: 'Done.', outcome: { success: 'The cycle ran successfully.', partial: 'The cycle ran; some objects are in error.' }, wholeNumber: 'Enter a whole number from 0 to 100.',
    allowTitle: 'Allow 2 deletes?', user: 'User', offline: 'Offline', standby: 'Standby', revoked: 'Revoked', unused: 'Unused',
    passwordOnce: 'it is shown only once', signIn: 'Sign in',
    // Users each language deletes from the LDIF (display names as the sample holds them).
    remove: ['emma.jansen', 'daan.devries'], names: ['Emma Jansen', 'Daan de Vries'],
  },
  nl: {
    locale: 'nl-NL', timezoneId: 'Europe/Amsterdam', home: 'Startpagina', dirsync: 'DirSync-beheer', agents: 'Agents', admins: 'Beheerders',
    hourly: '1 uur', done: 'Voltooid.', outcome: { success: 'De cyclus is geslaagd.', partial: 'De cyclus is uitgevoerd; sommige objecten hebben een fout.' }, wholeNumber: 'Voer een geheel getal van 0 tot en met 100 in.',
    allowTitle: '2 verwijderingen toestaan?', user: 'Gebruiker', offline: 'Offline', standby: 'Stand-by', revoked: 'Ingetrokken', unused: 'Ongebruikt',
    passwordOnce: 'het wordt maar één keer getoond', signIn: 'Aanmelden',
    remove: ['sanne.vandenberg', 'lucas.bakker'], names: ['Sanne van den Berg', 'Lucas Bakker'],
  },
} as const;
type Lang = keyof typeof WORDS;

let aio: RunningAllInOne;
let browser: Browser;
let ldif: string;
let work: string;
let second: { child: ChildProcess; output: () => string } | null = null;
let secondConfig = '';

async function api(): Promise<AdminApi> {
  return AdminApi.signIn(aio.url, aio.adminUsername, aio.adminPassword);
}

async function auditActions(): Promise<AuditEntry[]> {
  return (await (await api()).get<ApiPage<AuditEntry>>('/api/v1/audit-log?pageSize=200')).items;
}

async function agents(): Promise<AgentView[]> {
  return (await api()).get<AgentView[]>('/api/v1/agents');
}

/** A second agent, a real `dirbridge agent` process on the same LDIF file (standby: the all-in-one's agent is active). */
function startSecondAgent(token?: string): void {
  const child = spawn(process.execPath, [cliPath, 'agent', '--tenant-url', aio.url, ...(token ? ['--token', token] : [])], {
    cwd: repoRoot, env: { ...process.env, DIRBRIDGE_CONFIG: secondConfig, DIRBRIDGE_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  second = { child, output: () => output };
}

function stopSecondAgent(): Promise<number | null> {
  const running = second;
  second = null;
  if (!running || running.child.exitCode !== null) return Promise.resolve(running?.child.exitCode ?? null);
  return new Promise((resolve) => {
    const kill = setTimeout(() => running.child.kill('SIGKILL'), 10_000);
    running.child.on('exit', (code) => { clearTimeout(kill); resolve(code); });
    running.child.kill('SIGTERM');
  });
}

/** Removes the users' entries from the LDIF file (the agent watches it). */
function removeFromLdif(uids: readonly string[]): void {
  const entries = readFileSync(ldif, 'utf8').split(/\n\n+/);
  const kept = entries.filter((entry) => !uids.some((uid) => entry.startsWith(`dn: uid=${uid},`)));
  expect(entries.length - kept.length).toBe(uids.length);
  writeFileSync(`${ldif}.tmp`, kept.join('\n\n'));
  // A rename: the reader never sees a half-written file.
  copyFileSync(`${ldif}.tmp`, ldif);
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'dirbridge-manage-'));
  ldif = join(work, 'directory.ldif');
  copyFileSync(SAMPLE, ldif);
  aio = await startAllInOne({ config: { agent: { source: { type: 'ldif', path: ldif, settleMs: 100 }, intervals: { heartbeatSeconds: 1, deltaMinutes: 60, fullHours: 24, passwordMinutes: 60 } } } });
  await eventually(async () => (await (await api()).get<DirSyncStatus>('/api/v1/dirsync/status')).lastDirectorySync !== null, 60_000, 'the first directory sync');
  secondConfig = join(work, 'second-agent.yaml');
  writeFileSync(secondConfig, stringify({
    tenant: { dataDir: join(work, 'second') },
    agent: { host: 'standby.example.org', source: { type: 'ldif', path: ldif, settleMs: 100 }, intervals: { heartbeatSeconds: 1, deltaMinutes: 60, fullHours: 24, passwordMinutes: 60 } },
  }));
  const token = await (await api()).request<{ token: string }>('POST', '/api/v1/registration-tokens');
  startSecondAgent(token.body.token);
  await eventually(async () => (await agents()).find((a) => a.host === 'standby.example.org')?.state === 'standby', 30_000, 'the second agent in standby');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await stopSecondAgent();
  await browser?.close();
  await aio?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function shot(page: Page, lang: Lang, name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: path.join(SCREENSHOTS, `${lang}-manage-${name}.png`), fullPage: true });
}

async function signIn(page: Page, lang: Lang): Promise<void> {
  await page.goto(`${aio.url}/`);
  await page.getByTestId('sign-in-username').fill(aio.adminUsername);
  await page.getByTestId('sign-in-password').fill(aio.adminPassword);
  await page.getByTestId('sign-in-submit').click();
  await page.getByTestId('page-heading').filter({ hasText: WORDS[lang].home }).waitFor();
}

async function open(page: Page, nav: string, heading: string): Promise<void> {
  await page.getByTestId(`nav-${nav}`).click();
  await page.getByTestId('page-heading').filter({ hasText: heading }).waitFor();
}

describe.each(['en', 'nl'] as const)('DirSync management and credentials in %s', (lang) => {
  const words = WORDS[lang];
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ locale: words.locale, timezoneId: words.timezoneId, viewport: { width: 1366, height: 900 } });
    page = await context.newPage();
    await signIn(page, lang);
  });
  afterAll(async () => { await context?.close(); });

  it('shows the schedule the agent reports and runs Sync now: requested → running → done', async () => {
    await open(page, 'dirsync', words.dirsync);
    await page.getByTestId('schedule-table').waitFor();
    expect(await page.getByTestId('schedule-delta').getByTestId('schedule-every').textContent()).toBe(words.hourly);
    expect(await page.getByTestId('schedule-delta').getByTestId('schedule-next').getAttribute('data-value')).toEqual(expect.any(String));
    await shot(page, lang, 'dirsync');

    // The status still shows the earlier language's request until the POST answers: wait for this one.
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/v1/dirsync/sync-now')),
      page.getByTestId('sync-now-full').click(),
    ]);
    await page.locator('[data-testid="sync-now-status"]:is([data-status="requested"], [data-status="running"])').waitFor({ timeout: 30_000 });
    const seen = new Set<string>();
    await eventually(async () => {
      const state = await page.getByTestId('sync-now-status').getAttribute('data-status');
      if (state) seen.add(state);
      return state === 'done';
    }, 60_000, 'the requested sync to finish');
    expect(seen.has('requested') || seen.has('running')).toBe(true);
    // The sample directory holds objects that are in error on purpose: the cycle is partial.
    const outcome = await page.getByTestId('sync-now-outcome').getAttribute('data-outcome');
    const status = await (await api()).get<DirSyncStatus>('/api/v1/dirsync/status');
    expect(status.lastCycle?.kind === 'directory' ? status.lastCycle.outcome : outcome).toBe(outcome);
    expect(await page.getByTestId('sync-now-outcome').textContent()).toBe(words.outcome[outcome as 'success' | 'partial']);
    expect(await page.getByTestId('sync-now-state').textContent()).toBe(words.done);
    await shot(page, lang, 'sync-now-done');
    expect((await auditActions()).find((e) => e.action === 'sync.requested')?.details).toEqual({ mode: 'full' });
  });

  it('validates and saves the settings; the change is audited with old → new', async () => {
    const percent = page.getByTestId('setting-deleteThresholdPercent');
    await percent.fill('101');
    await page.getByText(words.wholeNumber).waitFor();
    await shot(page, lang, 'settings-invalid');
    await percent.fill('0');
    await page.getByTestId('setting-deleteThreshold').fill('1');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor();
    await shot(page, lang, 'settings-saved');
    const entry = (await auditActions()).find((e) => e.action === 'settings.changed');
    expect(entry?.details).toMatchObject({ after: { deleteThreshold: 1, deleteThresholdPercent: 0 } });
    expect((entry?.details['before'] as Record<string, number>)['deleteThreshold']).not.toBe(1);
  });

  it('lists held deletes by name and allows them after a confirmation naming the count; the list empties', async () => {
    removeFromLdif(words.remove);
    await page.getByTestId('sync-now-delta').click();
    await page.getByTestId('pending-deletes-table').waitFor({ timeout: 60_000 });
    const rows = page.getByTestId('pending-delete-row');
    await eventually(async () => (await rows.count()) === 2, 30_000, 'two held deletes');
    const table = (await page.getByTestId('pending-deletes-table').textContent()) ?? '';
    for (const name of words.names) expect(table).toContain(name);
    expect(table).toContain(words.user);
    await shot(page, lang, 'pending-deletes');
    await page.getByTestId('allow-deletes').click();
    const dialog = page.getByTestId('allow-deletes-dialog');
    await dialog.getByText(words.allowTitle).waitFor();
    await shot(page, lang, 'allow-deletes-dialog');
    await page.getByTestId('allow-deletes-confirm').click();
    await page.getByTestId('deletes-allowed').waitFor();
    // The page follows the agent's full cycle until nothing is held back.
    await page.getByTestId('pending-deletes-table').waitFor({ state: 'detached', timeout: 60_000 });
    await shot(page, lang, 'deletes-allowed');
    expect((await auditActions()).some((e) => e.action === 'deletes.allowed' && e.details['allowedDeletes'] === 2)).toBe(true);
  });

  if (lang === 'en') {
    it('shows a real agent process that stops as offline at once (it signed off), and back as standby when it starts again', async () => {
      await open(page, 'agents', words.agents);
      const row = page.locator('[data-testid="agent-row"][data-host="standby.example.org"]');
      expect(await row.getAttribute('data-state')).toBe('standby');
      const stoppedAt = Date.now();
      expect(await stopSecondAgent()).toBe(0);
      // Not after three missed heartbeats nor the 60 s lease: the sign-off said so as the process stopped.
      const view = (await agents()).find((a) => a.host === 'standby.example.org')!;
      expect(view).toMatchObject({ state: 'offline', signedOffAt: expect.any(String) });
      expect(Date.parse(view.signedOffAt!)).toBeGreaterThanOrEqual(stoppedAt - 1000);
      await page.reload();
      await row.waitFor();
      expect(await row.getAttribute('data-state')).toBe('offline');
      expect(await row.getByTestId('agent-state').textContent()).toBe(words.offline);
      await shot(page, lang, 'agent-offline');
      startSecondAgent();
      await eventually(async () => (await agents()).find((a) => a.host === 'standby.example.org')?.state === 'standby', 30_000, 'the second agent back in standby');
    });

    it('shows an agent killed without a sign-off as offline within seconds (missed heartbeats)', async () => {
      const running = second!;
      second = null;
      running.child.kill('SIGKILL');
      await new Promise((resolve) => running.child.on('exit', resolve));
      const killedAt = Date.now();
      await eventually(async () => (await agents()).find((a) => a.host === 'standby.example.org')?.state === 'offline', 50_000, 'the killed agent offline');
      // Three missed 1 s heartbeats, floored at 10 s: before the 60 s lease or the five-minute silence
      // warning. The bound is generous for a loaded CI machine and still below the lease.
      expect(Date.now() - killedAt).toBeLessThan(45_000);
      startSecondAgent();
      await eventually(async () => (await agents()).find((a) => a.host === 'standby.example.org')?.state === 'standby', 30_000, 'the second agent back in standby');
    });
  } else {
    it('revokes an agent after a confirmation: the real agent process\'s next call is refused', async () => {
      await open(page, 'agents', words.agents);
      const row = page.locator('[data-testid="agent-row"][data-host="standby.example.org"]');
      await row.waitFor();
      await row.getByTestId('revoke-agent').click();
      await page.getByTestId('revoke-dialog').waitFor();
      await shot(page, lang, 'revoke-agent-dialog');
      await page.getByTestId('revoke-confirm').click();
      await page.getByTestId('credentials-done').waitFor();
      await eventually(async () => (await row.getAttribute('data-state')) === 'revoked', 10_000, 'the row revoked');
      expect(await row.getByTestId('agent-state').textContent()).toBe(words.revoked);
      await shot(page, lang, 'agent-revoked');
      await eventually(() => second!.output().includes('AGENT_REVOKED'), 15_000, 'the agent told its credential was revoked');
      expect((await auditActions()).some((e) => e.action === 'agent.revoked' && e.details['host'] === 'standby.example.org')).toBe(true);
      await stopSecondAgent();
    });
  }

  it('creates a registration token (listed with created, expires, used) and revokes it', async () => {
    await open(page, 'agents', words.agents);
    const before = await page.getByTestId('registration-token-row').count();
    await page.getByTestId('create-registration-token').click();
    await page.getByTestId('registration-token-value').waitFor();
    await eventually(async () => (await page.getByTestId('registration-token-row').count()) === before + 1, 10_000, 'the new token listed');
    const unused = page.locator('[data-testid="registration-token-row"][data-state="unused"]').first();
    expect(await unused.getByTestId('token-state').textContent()).toBe(words.unused);
    await shot(page, lang, 'token-created');
    await unused.getByTestId('revoke-token').click();
    await page.getByTestId('revoke-confirm').click();
    await page.getByTestId('credentials-done').waitFor();
    await eventually(async () => (await page.locator('[data-testid="registration-token-row"][data-state="unused"]').count()) === 0, 10_000, 'no unused token left');
    await shot(page, lang, 'token-revoked');
    expect((await auditActions()).some((e) => e.action === 'registration_token.revoked')).toBe(true);
  });

  it('manages admins: add (password shown once), disable, enable, reset password (shown once), remove — each audited', async () => {
    await open(page, 'admins', words.admins);
    const username = `helpdesk-${lang}`;
    await page.getByTestId('add-admin').click();
    await page.getByTestId('new-admin-username').fill(username);
    await shot(page, lang, 'admin-add-dialog');
    await page.getByTestId('new-admin-submit').click();
    await page.getByTestId('password-once').getByText(words.passwordOnce).waitFor();
    expect((await page.getByTestId('password-once-value').inputValue()).length).toBeGreaterThanOrEqual(12);
    await shot(page, lang, 'admin-added');
    const row = page.locator(`[data-testid="admin-row"][data-username="${username}"]`);
    await row.getByTestId('disable-admin').click();
    await eventually(async () => (await row.getAttribute('data-disabled')) === 'true', 10_000, 'disabled');
    await shot(page, lang, 'admin-disabled');
    await row.getByTestId('enable-admin').click();
    await eventually(async () => (await row.getAttribute('data-disabled')) === 'false', 10_000, 'enabled');
    await row.getByTestId('reset-admin').click();
    await page.getByTestId('admin-confirm').click();
    await page.getByTestId('password-once').waitFor();
    await shot(page, lang, 'admin-reset');
    await row.getByTestId('remove-admin').click();
    await page.getByTestId('admin-confirm-dialog').waitFor();
    await shot(page, lang, 'admin-remove-dialog');
    await page.getByTestId('admin-confirm').click();
    await row.waitFor({ state: 'detached' });
    await shot(page, lang, 'admin-removed');
    const actions = (await auditActions()).filter((e) => e.details['username'] === username).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['admin.created', 'admin.disabled', 'admin.enabled', 'admin.password_reset', 'admin.removed']));
  });

  it('signs out everywhere: this browser and every other session of the admin end; audited', async () => {
    const other = await api();
    expect((await other.request('GET', '/api/v1/auth/me')).status).toBe(200);
    await page.getByTestId('sign-out-everywhere').click();
    await page.getByTestId('sign-out-everywhere-dialog').waitFor();
    await shot(page, lang, 'sign-out-everywhere');
    await page.getByTestId('sign-out-everywhere-confirm').click();
    await page.getByTestId('sign-in-form').waitFor();
    expect((await other.request('GET', '/api/v1/auth/me')).status).toBe(401);
    expect((await auditActions()).some((e) => e.action === 'admin.signed_out_everywhere')).toBe(true);
    await signIn(page, lang);
  });
});

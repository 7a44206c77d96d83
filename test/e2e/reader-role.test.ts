/**
 * A reader admin (role global_reader) and the newer controls (issue 15), in Chromium against one
 * real all-in-one: Sync now, the settings form, the approval of held deletes, preview and "remove
 * all synced password hashes" in DirSync management; revoking agents and creating and revoking
 * registration tokens; the Admins page. Each is hidden or disabled for a reader, and the API
 * refuses the reader on each with 403 AUTH_FORBIDDEN, changing nothing.
 *
 * Sign out everywhere is the exception on purpose: it ends only the signed-in admin's own
 * sessions (a reader whose session leaked must be able to end it), so a reader may use it, and
 * it must not touch anybody else's session.
 *
 * Screenshots: test-output/screenshots/en-reader-*.png. Needs the build (npm run build).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentView, AuditEntry, DirSyncStatus, Page as ApiPage, RegistrationTokenView } from '../../src/tenant/api/contract.js';
import type { AdminAccountView } from '../../src/tenant/api/credentials-contract.js';
import type { PendingDeletesView } from '../../src/tenant/api/dirsync-manage-contract.js';
import { AdminApi } from '../support/admin-api.js';
import { eventually, repoRoot, startAllInOne, type RunningAllInOne } from '../support/all-in-one.js';

const SCREENSHOTS = path.resolve('test-output/screenshots');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const READER = { username: 'reader', first: 'Reader-first-password-1', password: 'Reader-own-password-2026' };
const READER_ONLY = 'Only a global admin can change this.';

let aio: RunningAllInOne;
let browser: Browser;
let work: string;

const globalAdmin = () => AdminApi.signIn(aio.url, aio.adminUsername, aio.adminPassword);
const reader = () => AdminApi.signIn(aio.url, READER.username, READER.password);

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'dirbridge-reader-'));
  const ldif = join(work, 'directory.ldif');
  copyFileSync(join(repoRoot, 'sample', 'directory.ldif'), ldif);
  aio = await startAllInOne({ config: { agent: { source: { type: 'ldif', path: ldif, settleMs: 100 }, intervals: { heartbeatSeconds: 1, deltaMinutes: 60, fullHours: 24, passwordMinutes: 60 } } } });
  const admin = await globalAdmin();
  await eventually(async () => (await admin.get<DirSyncStatus>('/api/v1/dirsync/status')).lastDirectorySync !== null, 60_000, 'the first directory sync');

  // Something for every control to act on: an unused token, and two deletes held back.
  expect((await admin.request('POST', '/api/v1/registration-tokens')).status).toBe(201);
  expect((await admin.request('PATCH', '/api/v1/dirsync/settings', { deleteThreshold: 1, deleteThresholdPercent: 0 })).status).toBe(200);
  // The agent reads the threshold with its heartbeat (every second): a few of them before the LDIF changes.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const entries = readFileSync(ldif, 'utf8').split(/\n\n+/);
  const kept = entries.filter((entry) => !['emma.jansen', 'daan.devries'].some((uid) => entry.startsWith(`dn: uid=${uid},`)));
  expect(entries.length - kept.length).toBe(2);
  writeFileSync(`${ldif}.tmp`, kept.join('\n\n'));
  copyFileSync(`${ldif}.tmp`, ldif);
  expect((await admin.request('POST', '/api/v1/dirsync/sync-now', { mode: 'full' })).status).toBe(202);
  await eventually(async () => (await admin.get<PendingDeletesView>('/api/v1/dirsync/pending-deletes')).total === 2, 60_000, 'two held deletes');

  // The reader, with a password of its own (a new admin must change the one it was given).
  expect((await admin.request('POST', '/api/v1/admins', { username: READER.username, role: 'global_reader', password: READER.first })).status).toBe(201);
  const first = await AdminApi.signIn(aio.url, READER.username, READER.first);
  expect((await first.request('POST', '/api/v1/auth/password', { currentPassword: READER.first, newPassword: READER.password })).status).toBe(204);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await aio?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a reader admin and the newer controls', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ locale: 'en-US', timezoneId: 'Europe/Amsterdam', viewport: { width: 1366, height: 900 } });
    page = await context.newPage();
    await page.goto(`${aio.url}/`);
    await page.getByTestId('sign-in-username').fill(READER.username);
    await page.getByTestId('sign-in-password').fill(READER.password);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('page-heading').filter({ hasText: 'Home' }).waitFor();
  });
  afterAll(async () => { await context?.close(); });

  const shot = async (name: string) => {
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.join(SCREENSHOTS, `en-reader-${name}.png`), fullPage: true });
  };
  const expectDisabled = async (testId: string) => {
    const control = page.getByTestId(testId);
    await control.first().waitFor();
    expect(await control.count(), testId).toBeGreaterThan(0);
    for (const one of await control.all()) expect(await one.isDisabled(), `${testId} is enabled for a reader`).toBe(true);
  };

  it('DirSync management: Sync now, the settings, the approval of held deletes, preview and removing hashes are disabled; the schedule is only shown', async () => {
    await page.getByTestId('nav-dirsync').click();
    await page.getByTestId('page-heading').filter({ hasText: 'DirSync management' }).waitFor();
    await page.getByTestId('schedule-table').waitFor();
    // The held deletes are listed (a reader may look) ...
    await page.getByTestId('pending-deletes-table').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('pending-delete-row').count()).toBe(2);
    // ... and nothing can be changed.
    for (const id of ['sync-now-full', 'sync-now-delta', 'settings-save', 'setting-directorySyncEnabled', 'setting-deleteThreshold', 'setting-deleteThresholdPercent', 'setting-staleAfterHours', 'allow-deletes', 'preview-request', 'clear-verifiers']) {
      await expectDisabled(id);
    }
    expect(await page.locator('#password-sync-switch').isDisabled(), 'the password sync switch is enabled for a reader').toBe(true);
    // The schedule is the agent's: a table, with no control to edit it, for anyone.
    expect(await page.getByTestId('schedule-table').locator('input, button, [role="switch"]').count()).toBe(0);
    await shot('dirsync');
  });

  it('Agents: creating a token is disabled, and there is no revoke for agents or tokens', async () => {
    await page.getByTestId('nav-agents').click();
    await page.getByTestId('page-heading').filter({ hasText: 'Agents' }).waitFor();
    await page.locator('[data-testid="agent-row"]').first().waitFor();
    await page.getByTestId('registration-token-row').first().waitFor();
    await expectDisabled('create-registration-token');
    expect(await page.getByTestId('revoke-agent').count()).toBe(0);
    expect(await page.getByTestId('revoke-token').count()).toBe(0);
    await shot('agents');
  });

  it('Admins: not in the navigation; its address says only a global admin can change this, with no control', async () => {
    expect(await page.getByTestId('nav-admins').count()).toBe(0);
    await page.goto(`${aio.url}/admins`);
    await page.getByText(READER_ONLY).waitFor();
    for (const id of ['add-admin', 'new-admin-submit', 'disable-admin', 'enable-admin', 'remove-admin', 'reset-admin']) {
      expect(await page.getByTestId(id).count(), id).toBe(0);
    }
    await shot('admins');
  });

  it('the API refuses the reader each of these changes with 403 AUTH_FORBIDDEN, and nothing changes', async () => {
    const admin = await globalAdmin();
    const as = await reader();
    const before = {
      settings: await admin.get<Record<string, unknown>>('/api/v1/dirsync/settings'),
      agents: await admin.get<AgentView[]>('/api/v1/agents'),
      tokens: await admin.get<RegistrationTokenView[]>('/api/v1/registration-tokens'),
      admins: await admin.get<AdminAccountView[]>('/api/v1/admins'),
      pending: await admin.get<PendingDeletesView>('/api/v1/dirsync/pending-deletes'),
      syncNow: await admin.get<Record<string, unknown>>('/api/v1/dirsync/sync-now'),
    };
    const agentId = before.agents[0]!.id;
    const tokenId = before.tokens.find((t) => t.usedAt === null && t.revokedAt === null)!.id;
    const adminId = before.admins.find((a) => a.username === aio.adminUsername)!.id;
    const changes: Array<[string, string, unknown?]> = [
      ['POST', '/api/v1/dirsync/sync-now', { mode: 'full' }],
      ['POST', '/api/v1/dirsync/sync-now', { mode: 'delta' }],
      ['PATCH', '/api/v1/dirsync/settings', { deleteThreshold: 500 }],
      ['PATCH', '/api/v1/dirsync/settings', { staleAfterHours: 24, passwordSyncEnabled: false }],
      ['POST', '/api/v1/dirsync/allow-deletes'],
      ['POST', '/api/v1/dirsync/preview'],
      ['POST', '/api/v1/dirsync/reconcile-passwords'],
      ['DELETE', `/api/v1/agents?id=${encodeURIComponent(agentId)}`],
      ['POST', '/api/v1/registration-tokens'],
      ['DELETE', `/api/v1/registration-tokens?id=${encodeURIComponent(tokenId)}`],
      ['POST', '/api/v1/admins', { username: 'mallory', role: 'global_admin', password: 'Mallory-password-2026' }],
      ['PATCH', '/api/v1/admins', { id: adminId, disabled: true }],
      ['DELETE', `/api/v1/admins?id=${encodeURIComponent(adminId)}`],
      ['POST', '/api/v1/admins/reset-password', { id: adminId }],
    ];
    for (const [method, url, body] of changes) {
      const answer = await as.request<{ error?: { code: string } }>(method, url, body);
      expect({ method, url, status: answer.status, code: answer.body?.error?.code }).toEqual({ method, url, status: 403, code: 'AUTH_FORBIDDEN' });
    }
    expect({
      settings: await admin.get('/api/v1/dirsync/settings'),
      agents: (await admin.get<AgentView[]>('/api/v1/agents')).map((a) => [a.id, a.revokedAt]),
      tokens: await admin.get('/api/v1/registration-tokens'),
      admins: await admin.get('/api/v1/admins'),
      pending: await admin.get('/api/v1/dirsync/pending-deletes'),
      syncNow: await admin.get('/api/v1/dirsync/sync-now'),
    }).toEqual({ ...before, agents: before.agents.map((a) => [a.id, a.revokedAt]) });
    const audit = (await admin.get<ApiPage<AuditEntry>>('/api/v1/audit-log?pageSize=200')).items;
    const changeActions = ['sync.requested', 'settings.changed', 'deletes.allowed', 'preview.requested', 'passwords.reconcile_requested', 'agent.revoked',
      'registration_token.created', 'registration_token.revoked', 'admin.created', 'admin.disabled', 'admin.removed', 'admin.password_reset'];
    expect(audit.filter((e) => e.actor === READER.username && changeActions.includes(e.action))).toEqual([]);
  });

  it('sign out everywhere ends the reader\'s own sessions only', async () => {
    const admin = await globalAdmin();
    const otherReaderSession = await reader();
    await page.goto(`${aio.url}/`);
    await page.getByTestId('page-heading').filter({ hasText: 'Home' }).waitFor();
    await page.getByTestId('sign-out-everywhere').click();
    await page.getByTestId('sign-out-everywhere-dialog').waitFor();
    await page.getByTestId('sign-out-everywhere-confirm').click();
    await page.getByTestId('sign-in-form').waitFor();
    await shot('signed-out-everywhere');
    expect((await otherReaderSession.request('GET', '/api/v1/auth/me')).status).toBe(401);
    expect((await admin.request('GET', '/api/v1/auth/me')).status).toBe(200);
  });
});

/**
 * The first slice end to end, as a new user runs it: the real all-in-one process (tenant, store on
 * SQLite, agent over HTTP) synchronizing an LDIF file, driven through its public API and CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAllInOne, eventually, repoRoot, type RunningAllInOne } from '../support/all-in-one.js';
import { AdminApi, userSignIn } from '../support/admin-api.js';
import type { AuditEntry, CyclePreview, DirSyncStatus, Page, PasswordTrace, SyncErrorView, UserView } from '../../src/tenant/api/contract.js';
import { samplePassword } from '../fixtures/sample.js';

const SAMPLE = join(repoRoot, 'sample', 'directory.ldif');

describe('all-in-one on the sample directory', () => {
  let app: RunningAllInOne;
  let admin: AdminApi;
  let ldif: string;

  beforeAll(async () => {
    ldif = join(mkdtempSync(join(tmpdir(), 'dirbridge-ldif-')), 'directory.ldif');
    copyFileSync(SAMPLE, ldif);
    app = await startAllInOne({ config: { agent: { source: { type: 'ldif', path: ldif } } } });
    admin = await AdminApi.signIn(app.url, app.adminUsername, app.adminPassword);
  });
  afterAll(async () => { await app?.stop(); });

  it('shows real synced users, last directory sync and last password sync soon after start', async () => {
    const status = await eventually(async () => {
      const s = await admin.get<DirSyncStatus>('/api/v1/dirsync/status');
      return s.lastDirectorySync && s.lastPasswordSync ? s : undefined;
    }, 60_000, 'both syncs to run');
    expect(status.directorySyncEnabled).toBe(true);
    expect(status.passwordSyncEnabled).toBe(true);
    expect(status.agents).toHaveLength(1);
    const users = await admin.get<Page<UserView>>('/api/v1/users?search=emma.jansen');
    expect(users.items[0]).toMatchObject({ userPrincipalName: 'emma.jansen@example.org', source: 'on_premises', passwordSynced: true });
  });

  it('signs a synced user in with the directory password, and refuses a wrong one', async () => {
    const ok = await userSignIn(app.url, 'emma.jansen@example.org', samplePassword('emma.jansen'));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ userPrincipalName: 'emma.jansen@example.org' });
    expect((await userSignIn(app.url, 'emma.jansen@example.org', 'not-the-password')).status).toBe(401);
  });

  it('lists the bad entries as sync errors, with the LDIF line number, while the rest synced', async () => {
    const errors = await eventually(async () => {
      const page = await admin.get<Page<SyncErrorView>>('/api/v1/sync-errors?pageSize=100');
      return page.items.some((e) => e.code === 'PASSWORD_CLEARTEXT') && page.total >= 4 ? page.items : undefined;
    }, 30_000, 'the sync errors');
    const codes = errors.map((e) => e.code);
    expect(codes).toContain('LDIF_SYNTAX');
    expect(codes).toContain('OBJECT_REQUIRED_ATTRIBUTE_MISSING');
    // The cleartext password of the sample is flagged as a warning, not silently used.
    expect(errors.find((e) => e.code === 'PASSWORD_CLEARTEXT')?.dn).toMatch(/^uid=harry\.williams,/);
    // One entry per problem: the duplicate refused by the tenant is not listed twice.
    expect(new Set(errors.map((e) => `${e.anchor}|${e.code}`)).size).toBe(errors.length);
    expect(codes.some((c) => c === 'OBJECT_DUPLICATE_MAIL' || c === 'OBJECT_DUPLICATE_UPN')).toBe(true);
    expect(errors.find((e) => e.code === 'LDIF_SYNTAX')?.message).toMatch(/[Ll]ine \d+/);
    for (const e of errors) expect(e.hint.length).toBeGreaterThan(10);
  });

  it('previews the next cycle on request: the agent answers with what it would change, exporting nothing', async () => {
    const asked = await admin.request<CyclePreview>('POST', '/api/v1/dirsync/preview');
    expect(asked.status).toBe(202);
    expect(asked.body.status).toBe('pending');
    const preview = await eventually(async () => {
      const p = await admin.get<CyclePreview>('/api/v1/dirsync/preview');
      return p.status === 'ready' ? p : undefined;
    }, 30_000, 'the preview');
    expect(preview.result).toMatchObject({ mode: 'full', counts: { adds: 0, updates: 1, deletes: 0 }, deleteThresholdExceeded: false });
    // The one update is the entry applied without the mail (and UPN) it shares with emma.jansen:
    // every cycle that reads it sends it again, so it takes the value once the clash is gone.
    expect(preview.result!.updates.map((a) => a.dn)).toEqual([expect.stringMatching(/^uid=emma\.janssen,/)]);
    expect(preview.result!.counts.unchanged).toBeGreaterThan(40);
    expect(preview.result!.counts.errors).toBeGreaterThanOrEqual(2);
  });

  it('prints the same status as the API with `dirbridge status --json`', async () => {
    const before = await admin.get<DirSyncStatus>('/api/v1/dirsync/status');
    const cli = await app.cli(['status', '--json']);
    const api = await admin.get<DirSyncStatus>('/api/v1/dirsync/status');
    // The sample has objects in error on purpose: WARNING (1) by the monitoring convention.
    expect(cli.code).toBe(1);
    const printed = JSON.parse(cli.stdout) as DirSyncStatus;
    // Cycles go on meanwhile: the printed time lies between the two API answers.
    expect(Date.parse(printed.lastDirectorySync!)).toBeGreaterThanOrEqual(Date.parse(before.lastDirectorySync!));
    expect(Date.parse(printed.lastDirectorySync!)).toBeLessThanOrEqual(Date.parse(api.lastDirectorySync!));
    expect(printed.passwordSyncEnabled).toBe(api.passwordSyncEnabled);
    expect(Object.keys(printed).sort()).toEqual(Object.keys(api).sort());
  });

  it('traces one user\'s password sync in the API and the CLI, without hash material', async () => {
    const trace = await admin.get<PasswordTrace>('/api/v1/troubleshooter/password-trace?user=emma.jansen@example.org');
    expect(trace.verdict).toBe('ok');
    expect(trace.steps.find((s) => s.id === 'scheme')?.params.scheme).toBe('SSHA');
    const cleartext = await admin.get<PasswordTrace>('/api/v1/troubleshooter/password-trace?user=harry.williams@example.org');
    expect(cleartext.steps.find((s) => s.id === 'scheme')?.verdict).toBe('warning');
    const cli = await app.cli(['troubleshoot', '--user', 'emma.jansen@example.org']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('can sign in with the directory password');
    expect(cli.stdout).not.toMatch(/\{SSHA\}[A-Za-z0-9+/]/);
    const unknown = await app.cli(['troubleshoot', '--user', 'nobody@example.org', '--json']);
    expect((JSON.parse(unknown.stdout) as PasswordTrace).verdict).toBe('error');
  });

  it('stops sending password hashes when password sync is switched off, resumes when on, and audits both', async () => {
    const off = await admin.request('PATCH', '/api/v1/dirsync/settings', { passwordSyncEnabled: false });
    expect(off.status).toBe(200);
    await new Promise((r) => setTimeout(r, 2_500)); // a heartbeat carries the setting to the agent
    writeFileSync(ldif, changePassword(readFileSync(ldif, 'utf8'), 'noah.devries', 'New-password-for-noah-1'));
    // The agent still synchronizes objects, but sends no hash: the old password keeps working.
    await new Promise((r) => setTimeout(r, 6_000));
    expect((await userSignIn(app.url, 'noah.devries@example.org', 'New-password-for-noah-1')).status).toBe(401);
    expect((await userSignIn(app.url, 'noah.devries@example.org', samplePassword('noah.devries'))).status).toBe(200);

    const on = await admin.request('PATCH', '/api/v1/dirsync/settings', { passwordSyncEnabled: true });
    expect(on.status).toBe(200);
    await eventually(async () => (await userSignIn(app.url, 'noah.devries@example.org', 'New-password-for-noah-1')).status === 200, 30_000, 'the new password to sign in');

    const audit = await admin.get<Page<AuditEntry>>('/api/v1/audit-log?pageSize=50');
    const changes = audit.items.filter((e) => e.action === 'settings.changed');
    expect(changes.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(changes)).toContain('passwordSyncEnabled');
  });

  it('removes every synced password hash on a confirmed, audited request, and the agent sends them all again', async () => {
    const unconfirmed = await admin.request('POST', '/api/v1/dirsync/clear-verifiers', {});
    expect(unconfirmed.status).toBe(400);
    const cleared = await admin.request<{ cleared: number }>('POST', '/api/v1/dirsync/clear-verifiers', { confirm: 'REMOVE ALL PASSWORD HASHES' });
    expect(cleared.status).toBe(200);
    expect(cleared.body.cleared).toBeGreaterThan(40);
    // Password sync is on, so the agent sees the new epoch at its next heartbeat and re-sends every verifier.
    // Watch the user list, not sign-in: failed sign-ins while the hashes are gone would trip the lockout.
    await eventually(async () => (await admin.get<Page<UserView>>('/api/v1/users?search=emma.jansen')).items[0]?.passwordSynced, 30_000, 'the verifiers to come back');
    expect((await userSignIn(app.url, 'emma.jansen@example.org', samplePassword('emma.jansen'))).status).toBe(200);
    const audit = await admin.get<Page<AuditEntry>>('/api/v1/audit-log?pageSize=50');
    expect(audit.items.map((e) => e.action)).toContain('verifiers.cleared');
  });

  it('never prints a password, hash, verifier or token', async () => {
    const output = app.output();
    const sample = readFileSync(SAMPLE, 'utf8');
    const hashes = [...sample.matchAll(/^userPassword:: ?(\S+)|^userPassword: (\S+)/gm)].map((m) => m[1] ? Buffer.from(m[1], 'base64').toString() : m[2]!);
    expect(hashes.length).toBeGreaterThan(40);
    for (const hash of hashes) expect(output).not.toContain(hash);
    for (const uid of ['emma.jansen', 'noah.devries', 'harry.williams']) expect(output).not.toContain(samplePassword(uid));
    expect(output).not.toContain('New-password-for-noah-1');
    expect(output).not.toContain(app.adminPassword);
    const credential = JSON.parse(readFileSync(join(app.dataDir, 'agent', 'credential.json'), 'utf8')) as { credential: string };
    expect(output).not.toContain(credential.credential.split('.').pop());
  });
});

/** Replaces the userPassword of `uid` with an {SSHA} of `password` made by slappasswd (the real tool). */
function changePassword(ldif: string, uid: string, password: string): string {
  const hash = sshaOf(password);
  const records = ldif.split(/\n\n/);
  return records.map((record) => record.startsWith(`dn: uid=${uid},`)
    ? record.replace(/^userPassword::? .*$/m, `userPassword: ${hash}`)
    : record).join('\n\n');
}

function sshaOf(password: string): string {
  return execFileSync('slappasswd', ['-h', '{SSHA}', '-s', password], { encoding: 'utf8' }).trim();
}

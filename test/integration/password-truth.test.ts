/**
 * A status that tells the truth, against a real slapd whose sync account may not read
 * userPassword (the ACL hides it, as it does for many a first setup): the password cycle names
 * the cause for every user, the DirSync status warns with the count and cause (never healthy),
 * and the troubleshooter says what to change. Before, these users were `skipped` in a `success`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { startSlapd, type Slapd } from '../support/slapd.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';
import { userSignIn } from '../support/admin-api.js';
import type { RunningAgent } from '../../src/cli/agent-wiring.js';
import { computeDirSyncStatus } from '../../src/tenant/domain/status.js';
import { runTroubleshooter } from '../../src/tenant/domain/troubleshooter.js';
import { loadStatusInput } from '../../src/tenant/status-input.js';

const SUFFIX = 'dc=example,dc=test';
const ssha = (password: string) => execFileSync('slappasswd', ['-h', '{SSHA}', '-s', password], { encoding: 'utf8' }).trim();
const USERS = ['ann', 'bob', 'cas'];
const ldif = [
  `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people\n`,
  ...USERS.map((uid) => `dn: uid=${uid},ou=people,${SUFFIX}\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${uid}\nsn: Person\nmail: ${uid}@example.test\nuserPassword: ${ssha(`Pw-${uid}-1`)}\n`),
].join('\n');

describe('a sync account without read right on userPassword (real slapd, SQLite)', () => {
  let slapd: Slapd;
  let harness: SyncHarness;
  let agent: RunningAgent;

  beforeAll(async () => {
    slapd = await startSlapd({ suffix: SUFFIX, ldif, syncAccountReadsPasswords: false });
    harness = await startSyncHarness('sqlite', slapd);
    agent = await harness.agent();
    await agent.agent.connect();
    expect((await agent.agent.syncDirectory('full'))?.outcome).toBe('success');
  });
  afterAll(async () => {
    await harness?.close();
    await slapd?.stop();
  });

  it('reports every user in scope with its cause: the run is partial, never a silent success', async () => {
    const result = await agent.agent.syncPasswords('full');
    expect(result?.outcome).toBe('partial');
    expect(result?.counts).toMatchObject({ read: 3, derived: 0, unreadable: 3, skipped: 0 });
    const listed = await harness.repo.listSyncErrors({ page: 1, pageSize: 10, code: 'PASSWORD_NOT_READABLE' });
    expect(listed.total).toBe(3);
    expect(listed.items.map((e) => e.dn).sort()).toEqual(USERS.map((uid) => `uid=${uid},ou=people,${SUFFIX}`));
  });

  it('raises a warning on the DirSync status with the count and the cause', async () => {
    const status = computeDirSyncStatus(await loadStatusInput(harness.repo, 5), new Date());
    expect(status.state).toBe('warning');
    expect(status.lastPasswordSync).not.toBeNull();
    expect(status.passwords).toEqual({ usersWithPassword: 0, usersWithoutPassword: 3, problems: [{ cause: 'no_read_right', count: 3 }] });
    const warning = status.warnings.find((w) => w.code === 'PASSWORDS_NOT_SYNCED');
    expect(warning?.message).toBe('3 synchronized users have no password in the tenant (3 users: the sync account cannot read userPassword).');
  });

  it('says in the troubleshooter what is wrong and what to change', async () => {
    const report = runTroubleshooter(await loadStatusInput(harness.repo, 5), new Date());
    const coverage = report.checks.find((c) => c.id === 'password_coverage');
    expect(coverage).toMatchObject({ verdict: 'error', params: { count: 3, no_read_right: 3, usersWithPassword: 0 } });
    expect(coverage?.action).toMatch(/read access to userPassword/);
  });

  it('and indeed nobody can sign in with the directory password', async () => {
    expect((await userSignIn(harness.url, 'ann@example.test', 'Pw-ann-1')).status).toBe(401);
  });
});

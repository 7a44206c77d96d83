/**
 * The agent against a real slapd, exporting to a tenant on a real store: full and delta cycles,
 * renames and moves, deletes, nested groups, scope, the delete guard, failures, and syncrepl push.
 * The same suite runs on SQLite and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { startSlapd, type Slapd } from '../support/slapd.js';
import { startSyncHarness, untilWatching, type SyncHarness } from '../support/sync-harness.js';
import { eventually } from '../support/all-in-one.js';
import { userSignIn } from '../support/admin-api.js';
import type { RunningAgent } from '../../src/cli/agent-wiring.js';
import { computeDirSyncStatus } from '../../src/tenant/domain/status.js';
import { runTroubleshooter } from '../../src/tenant/domain/troubleshooter.js';
import { loadStatusInput } from '../../src/tenant/status-input.js';

const SUFFIX = 'dc=example,dc=test';
const ssha = (password: string) => execFileSync('slappasswd', ['-h', '{SSHA}', '-s', password], { encoding: 'utf8' }).trim();
const person = (uid: string, ou = 'people', extra = '') => `dn: uid=${uid},ou=${ou},${SUFFIX}
objectClass: inetOrgPerson
uid: ${uid}
cn: ${uid} Person
sn: Person
mail: ${uid}@example.test
userPassword: ${ssha(`Pw-${uid}-1`)}
${extra}`;
const initial = [
  `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people\n`,
  `dn: ou=former,${SUFFIX}\nobjectClass: organizationalUnit\nou: former\n`,
  `dn: ou=groups,${SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n`,
  ...['ann', 'bob', 'cas', 'dan', 'eve', 'fay'].map((u) => person(u)),
  `dn: cn=devs,ou=groups,${SUFFIX}\nobjectClass: groupOfNames\ncn: devs\nmember: uid=ann,ou=people,${SUFFIX}\nmember: uid=bob,ou=people,${SUFFIX}\n`,
  `dn: cn=all,ou=groups,${SUFFIX}\nobjectClass: groupOfNames\ncn: all\nmember: cn=devs,ou=groups,${SUFFIX}\nmember: uid=eve,ou=people,${SUFFIX}\n`,
].join('\n');

describe.each(['sqlite', 'postgres'] as const)('agent against slapd, tenant on %s', (kind) => {
  let slapd: Slapd;
  let harness: SyncHarness;
  let agent: RunningAgent;

  beforeAll(async () => {
    slapd = await startSlapd({ suffix: SUFFIX, ldif: initial, sizeLimit: 4, ppolicy: true });
    harness = await startSyncHarness(kind, slapd);
    agent = await harness.agent();
    await agent.agent.connect();
  });
  afterAll(async () => {
    await harness?.close();
    await slapd?.stop();
  });

  const upns = async () => (await harness.repo.listUsers({ page: 1, pageSize: 200 })).items.map((u) => u.userPrincipalName).sort();
  const group = async (name: string) => (await harness.repo.listGroups({ search: name, page: 1, pageSize: 10 })).items.find((g) => g.name === name);
  const status = async () => computeDirSyncStatus(await loadStatusInput(harness.repo, 5), new Date());

  it('runs a full sync beyond the server size limit: every user, group and membership', async () => {
    const result = await agent.agent.syncDirectory('full');
    expect(result?.outcome).toBe('success');
    expect(await upns()).toEqual(['ann', 'bob', 'cas', 'dan', 'eve', 'fay'].map((u) => `${u}@example.test`));
    expect(await group('devs')).toMatchObject({ memberCount: 2 });
    expect(await group('all')).toMatchObject({ memberCount: 2 }); // nested group devs + eve
    expect((await status()).lastDirectorySync).not.toBeNull();
  });

  it('sends only the changes in a delta: add, modify, rename, move, delete', async () => {
    slapd.add(person('gus'));
    slapd.modify(`dn: uid=ann,ou=people,${SUFFIX}\nchangetype: modify\nreplace: cn\ncn: Ann Renamed\n`);
    execFileSync('ldapmodrdn', ['-x', '-H', slapd.url, '-D', slapd.rootDn, '-w', slapd.rootPw, `uid=bob,ou=people,${SUFFIX}`, 'uid=bobby']);
    execFileSync('ldapmodrdn', ['-x', '-H', slapd.url, '-D', slapd.rootDn, '-w', slapd.rootPw, '-s', `ou=former,${SUFFIX}`, `uid=cas,ou=people,${SUFFIX}`, 'uid=cas']);
    slapd.delete(`uid=fay,ou=people,${SUFFIX}`);
    const result = await agent.agent.syncDirectory('delta');
    expect(result).toMatchObject({ mode: 'delta', outcome: 'success' });
    expect(result!.counts).toMatchObject({ added: 1, deleted: 1 });
    // Only what changed was read: gus, ann, bob (renamed) and cas (moved).
    expect(result!.counts.read).toBe(4);
    const users = (await harness.repo.listUsers({ page: 1, pageSize: 200 })).items;
    expect(users.find((u) => u.userPrincipalName === 'ann@example.test')?.displayName).toBe('Ann Renamed');
    expect(users.find((u) => u.userPrincipalName === 'cas@example.test')?.dn).toBe(`uid=cas,ou=former,${SUFFIX}`);
    expect(users.map((u) => u.userPrincipalName)).not.toContain('fay@example.test');
    expect(users).toHaveLength(6);
  });

  it('syncs an account locked by ppolicy (pwdAccountLockedTime, an operational attribute) as disabled, and unlocked as enabled', async () => {
    const enabled = async () => (await harness.repo.listUsers({ search: 'dan@', page: 1, pageSize: 5 })).items[0]?.enabled;
    expect(await enabled()).toBe(true);
    // 000001010000Z: locked until an administrator unlocks (draft-behera-ldap-password-policy).
    slapd.modify(`dn: uid=dan,ou=people,${SUFFIX}\nchangetype: modify\nadd: pwdAccountLockedTime\npwdAccountLockedTime: 000001010000Z\n`);
    await agent.agent.syncDirectory('delta');
    expect(await enabled()).toBe(false);
    slapd.modify(`dn: uid=dan,ou=people,${SUFFIX}\nchangetype: modify\ndelete: pwdAccountLockedTime\n`);
    await agent.agent.syncDirectory('delta');
    expect(await enabled()).toBe(true);
  });

  it('follows membership changes, nested groups included', async () => {
    slapd.modify(`dn: cn=devs,ou=groups,${SUFFIX}\nchangetype: modify\nadd: member\nmember: uid=dan,ou=people,${SUFFIX}\n`);
    await agent.agent.syncDirectory('delta');
    // ann and dan: bob's membership still names his old DN (this slapd has no refint overlay to rewrite it), which no longer exists.
    expect(await group('devs')).toMatchObject({ memberCount: 2 });
    slapd.modify(`dn: cn=all,ou=groups,${SUFFIX}\nchangetype: modify\ndelete: member\nmember: cn=devs,ou=groups,${SUFFIX}\n`);
    await agent.agent.syncDirectory('delta');
    expect(await group('all')).toMatchObject({ memberCount: 1 });
  });

  it('deletes what leaves the scope', async () => {
    const scoped = await harness.agent({ excludeDns: [`ou=former,${SUFFIX}`] });
    await scoped.agent.connect();
    await agent.stop(); // one agent at a time holds the lease
    await eventually(async () => (await scoped.agent.connect())?.active, 15_000, 'the standby agent to take the lease');
    const result = await scoped.agent.syncDirectory('full');
    expect(result?.outcome).toBe('success');
    expect(await upns()).not.toContain('cas@example.test');
    agent = scoped;
  });

  it('holds back more deletes than the threshold until an admin allows them', async () => {
    await harness.repo.updateSettings({ deleteThreshold: 2 });
    await agent.agent.connect();
    for (const u of ['dan', 'eve', 'gus']) slapd.delete(`uid=${u},ou=people,${SUFFIX}`);
    const blocked = await agent.agent.syncDirectory('delta');
    expect(blocked).toMatchObject({ outcome: 'blocked', pendingDeletes: 3 });
    expect(await upns()).toContain('dan@example.test');
    const s = await status();
    expect(s.warnings.map((w) => w.code)).toContain('DELETE_THRESHOLD_EXCEEDED');
    expect(s.pendingDeletes).toBe(3);

    // An admin previews the next cycle before allowing it: the agent answers at its next heartbeat.
    await harness.repo.requestPreview('admin', new Date());
    await agent.agent.connect();
    const preview = await eventually(async () => (await harness.repo.getPreview())?.result ?? undefined, 10_000, 'the preview');
    expect(preview).toMatchObject({ deleteThresholdExceeded: true, counts: { deletes: 3, adds: 0 } });
    expect(preview.deletes.map((d) => d.dn).sort()).toEqual(['dan', 'eve', 'gus'].map((u) => `uid=${u},ou=people,${SUFFIX}`));
    expect(await upns()).toContain('dan@example.test');

    await harness.repo.updateSettings({ allowedDeletes: 3 });
    await agent.agent.connect();
    const allowed = await agent.agent.syncDirectory('delta');
    expect(allowed).toMatchObject({ outcome: 'success' });
    expect(await upns()).not.toContain('dan@example.test');
    expect((await harness.repo.getSettings()).allowedDeletes).toBe(0);
  });

  it('fails a cycle cleanly when the server goes away, and the next cycle completes', async () => {
    await slapd.halt();
    const failed = await agent.agent.syncDirectory('delta');
    expect(failed?.outcome).toBe('failed');
    expect(failed?.failure?.code).toBe('DIR_UNREACHABLE');
    expect((await status()).warnings.map((w) => w.code)).toContain('LAST_CYCLE_FAILED');
    await slapd.resume();
    slapd.add(person('hal'));
    const next = await agent.agent.syncDirectory('delta');
    expect(next?.outcome).toBe('success');
    expect(await upns()).toContain('hal@example.test');
  });

  it('reports a rejected sync account password in the status and the troubleshooter', async () => {
    const wrong = await harness.agent({ bindPasswordFile: '/dev/null' });
    await agent.stop();
    await eventually(async () => (await wrong.agent.connect())?.active, 15_000, 'the lease');
    const result = await wrong.agent.syncDirectory('delta');
    expect(result?.failure?.code).toBe('DIR_BIND_FAILED');
    const report = runTroubleshooter(await loadStatusInput(harness.repo, 5), new Date());
    const lastCycle = report.checks.find((c) => c.id === 'last_cycle');
    expect(lastCycle?.verdict).toBe('error');
    expect(`${lastCycle?.found} ${lastCycle?.action}`).toMatch(/credential|password|bind/i);
    await wrong.stop();
    agent = await harness.agent();
    await eventually(async () => (await agent.agent.connect())?.active, 15_000, 'the lease');
  });

  it('keeps an object\'s error listed across deltas that do not read it, and drops it once fixed', async () => {
    await agent.agent.syncDirectory('delta');
    slapd.add(`dn: cn=nameless,ou=people,${SUFFIX}\nobjectClass: inetOrgPerson\ncn: nameless\nsn: Nameless\n`);
    await agent.agent.syncDirectory('delta');
    const listed = async () => (await harness.repo.listSyncErrors({ page: 1, pageSize: 50, search: 'nameless' })).items.map((e) => e.code);
    expect(await listed()).toEqual(['OBJECT_REQUIRED_ATTRIBUTE_MISSING']);
    slapd.modify(`dn: uid=ann,ou=people,${SUFFIX}\nchangetype: modify\nreplace: title\ntitle: Engineer\n`);
    await agent.agent.syncDirectory('delta');
    expect(await listed()).toEqual(['OBJECT_REQUIRED_ATTRIBUTE_MISSING']);
    slapd.modify(`dn: cn=nameless,ou=people,${SUFFIX}\nchangetype: modify\nadd: mail\nmail: nameless@example.test\n`);
    await agent.agent.syncDirectory('delta');
    expect(await listed()).toEqual([]);
    expect(await upns()).toContain('nameless@example.test');
  });

  it('delivers a directory change and a password change to the tenant by syncrepl, not by the hourly poll', async () => {
    await agent.agent.syncDirectory('delta');
    await agent.agent.syncPasswords('delta');
    expect((await userSignIn(harness.url, 'ann@example.test', 'Pw-ann-1')).status).toBe(200);
    await agent.agent.start();
    await untilWatching(agent, (n) => slapd.modify(`dn: uid=ann,ou=people,${SUFFIX}\nchangetype: modify\nreplace: description\ndescription: watched ${n}\n`));
    // The agent polls the directory and the passwords every 60 minutes (the harness's intervals):
    // a change that arrives at all before these deadlines came by syncrepl. The deadlines are
    // ceilings for a loaded CI machine; the latencies are logged (the bench measures them).
    const PUSHED_WITHIN_MS = 60_000;

    let started = Date.now();
    slapd.modify(`dn: uid=ann,ou=people,${SUFFIX}\nchangetype: modify\nreplace: cn\ncn: Ann Pushed\n`);
    await eventually(async () => (await harness.repo.listUsers({ search: 'Ann Pushed', page: 1, pageSize: 5 })).total === 1, PUSHED_WITHIN_MS, 'the change in the tenant');
    const objectLatency = Date.now() - started;

    const annAnchor = (await harness.repo.findUserForSignIn('ann@example.test'))!.anchor;
    const verifierAt = async () => (await harness.repo.getPasswordState(annAnchor))?.lastSuccessAt?.getTime() ?? 0;
    let before = await verifierAt();
    started = Date.now();
    slapd.modify(`dn: uid=ann,ou=people,${SUFFIX}\nchangetype: modify\nreplace: userPassword\nuserPassword: ${ssha('Pw-ann-2')}\n`);
    // Watch the password state, not sign-in: failed attempts while waiting would trip the lockout.
    await eventually(async () => (await verifierAt()) > before, PUSHED_WITHIN_MS, 'the new verifier');
    expect((await userSignIn(harness.url, 'ann@example.test', 'Pw-ann-2')).status).toBe(200);
    const passwordLatency = Date.now() - started;
    console.log(`pushed by syncrepl: a directory change in ${objectLatency} ms, a password change in ${passwordLatency} ms`);

    // A password set through slapd's own Password Modify operation (RFC 3062): slapd hashes it with
    // its password-hash setting (here the default, {SSHA}); dirbridge signs in with it all the same.
    before = await verifierAt();
    execFileSync('ldappasswd', ['-x', '-H', slapd.url, '-D', slapd.rootDn, '-w', slapd.rootPw, '-s', 'Pw-ann-3', `uid=ann,ou=people,${SUFFIX}`]);
    // Watch the password state, not sign-in: failed attempts while waiting would trip the lockout.
    await eventually(async () => (await verifierAt()) > before, PUSHED_WITHIN_MS, 'the new verifier');
    expect((await userSignIn(harness.url, 'ann@example.test', 'Pw-ann-3')).status).toBe(200);
  }, 240_000);
});

/**
 * Nothing lost, nothing stale (issue 10, findings 1 and 2), against a real slapd and a tenant on a
 * real store (SQLite and PostgreSQL): every user the tenant newly accepts gets its password,
 * whatever order the password and directory cycles ran in; a full directory cycle sends again what
 * the tenant lost or holds differently; a password reconciliation sends again a verifier removed
 * by hand, deriving only that one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import type { Kysely } from 'kysely';
import { startSlapd, type Slapd } from '../support/slapd.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';
import { eventually } from '../support/all-in-one.js';
import { userSignIn } from '../support/admin-api.js';
import { openDatabase } from './store/test-stores.js';
import type { RunningAgent } from '../../src/cli/agent-wiring.js';

const SUFFIX = 'dc=example,dc=test';
const ssha = (password: string) => execFileSync('slappasswd', ['-h', '{SSHA}', '-s', password], { encoding: 'utf8' }).trim();
const person = (uid: string, ou = 'people', mail = `${uid}@example.test`) => `dn: uid=${uid},ou=${ou},${SUFFIX}
objectClass: inetOrgPerson
uid: ${uid}
cn: ${uid} Person
sn: Person
mail: ${mail}
userPassword: ${ssha(`Pw-${uid}-1`)}
`;
const initial = [
  `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people\n`,
  `dn: ou=outside,${SUFFIX}\nobjectClass: organizationalUnit\nou: outside\n`,
  `dn: ou=groups,${SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n`,
  ...['ann', 'bob', 'cas'].map((u) => person(u)),
  person('mover', 'outside'),
  `dn: cn=devs,ou=groups,${SUFFIX}\nobjectClass: groupOfNames\ncn: devs\nmember: uid=ann,ou=people,${SUFFIX}\nmember: uid=bob,ou=people,${SUFFIX}\n`,
].join('\n');

describe.each(['sqlite', 'postgres'] as const)('reconciliation against slapd, tenant on %s', (kind) => {
  let slapd: Slapd;
  let harness: SyncHarness;
  let agent: RunningAgent;
  let db: Kysely<any>;

  beforeAll(async () => {
    slapd = await startSlapd({ suffix: SUFFIX, ldif: initial });
    harness = await startSyncHarness(kind, slapd);
    agent = await harness.agent({ excludeDns: [`ou=outside,${SUFFIX}`] });
    await agent.agent.connect();
    db = openDatabase(harness.store.options);
    expect((await agent.agent.syncDirectory('full'))?.outcome).toBe('success');
    expect((await agent.agent.syncPasswords('delta'))?.counts.derived).toBe(3);
  });
  afterAll(async () => {
    await db?.destroy();
    await harness?.close();
    await slapd?.stop();
  });

  const signIn = async (uid: string) => (await userSignIn(harness.url, `${uid}@example.test`, `Pw-${uid}-1`)).status;
  const anchorOf = async (uid: string) => (await harness.repo.findUserForSignIn(`${uid}@example.test`))?.anchor;

  it('gives a new hire created between a password delta and a directory delta its password', async () => {
    slapd.add(person('newhire'));
    // The password cycle reads the new entry first: its user is not exported yet, and the cursor moves past it.
    const before = await agent.agent.syncPasswords('delta');
    expect(before?.counts).toMatchObject({ derived: 0, skipped: 1 });
    expect((await agent.agent.syncDirectory('delta'))?.counts.added).toBe(1);
    const after = await agent.agent.syncPasswords('delta');
    expect(after?.outcome).toBe('success');
    expect(after?.counts.derived).toBe(1);
    expect(await signIn('newhire')).toBe(200);
  });

  it('gives a user accepted once the object it clashed with was fixed its password', async () => {
    // clash wants ann's mail (its UPN): refused while ann holds it.
    slapd.add(person('clash', 'people', 'ann@example.test'));
    const refused = await agent.agent.syncDirectory('delta');
    // The UPN (its mail) and the mail itself clash: both are quarantined, the rest of the object applies.
    expect(refused?.rejected.map((e) => e.code)).toEqual(expect.arrayContaining(['OBJECT_DUPLICATE_UPN']));
    await agent.agent.syncPasswords('delta');
    // Fix the other object: ann takes another address; the next full cycle accepts clash.
    slapd.modify(`dn: uid=ann,ou=people,${SUFFIX}\nchangetype: modify\nreplace: mail\nmail: ann.new@example.test\n`);
    await agent.agent.syncPasswords('delta');
    expect((await agent.agent.syncDirectory('full'))?.rejected).toEqual([]);
    await agent.agent.syncPasswords('delta');
    expect((await userSignIn(harness.url, 'ann@example.test', 'Pw-clash-1')).status).toBe(200);
  });

  it('gives a user moved into scope its password', async () => {
    execFileSync('ldapmodrdn', ['-x', '-H', slapd.url, '-D', slapd.rootDn, '-w', slapd.rootPw, '-s', `ou=people,${SUFFIX}`, `uid=mover,ou=outside,${SUFFIX}`, 'uid=mover']);
    await agent.agent.syncPasswords('delta');
    expect((await agent.agent.syncDirectory('delta'))?.counts.added).toBe(1);
    await agent.agent.syncPasswords('delta');
    expect(await signIn('mover')).toBe(200);
  });

  it('sends again, in a full cycle, the rows removed or changed by hand in the tenant store', async () => {
    const bob = (await anchorOf('bob'))!;
    const cas = (await anchorOf('cas'))!;
    await db.deleteFrom('users').where('tenant_id', '=', 'default').where('anchor', '=', bob).execute();
    await db.deleteFrom('user_mails').where('tenant_id', '=', 'default').where('anchor', '=', bob).execute();
    await db.deleteFrom('memberships').where('tenant_id', '=', 'default').where('member_anchor', '=', bob).execute();
    await db.updateTable('users').set({ display_name: 'Changed by hand', enabled: 0 }).where('tenant_id', '=', 'default').where('anchor', '=', cas).execute();
    // A delta plans against the agent's own record: it sees nothing to do.
    expect((await agent.agent.syncDirectory('delta'))?.counts).toMatchObject({ added: 0, updated: 0 });
    const full = await agent.agent.syncDirectory('full');
    expect(full?.outcome).toBe('success');
    // bob re-added, cas corrected, devs given its member back; nothing else sent.
    expect(full?.counts).toMatchObject({ added: 1, updated: 2, deleted: 0 });
    const users = (await harness.repo.listUsers({ page: 1, pageSize: 50 })).items;
    expect(users.find((u) => u.anchor === bob)).toBeDefined();
    expect(users.find((u) => u.anchor === cas)).toMatchObject({ displayName: 'cas Person', enabled: true });
    const devs = (await harness.repo.listGroups({ search: 'devs', page: 1, pageSize: 5 })).items[0];
    expect(devs?.memberCount).toBe(2);
    // bob's verifier went with his row: the password cycle after the re-add sends it again.
    await agent.agent.syncPasswords('delta');
    expect(await signIn('bob')).toBe(200);
    // And a second full cycle finds nothing to send.
    expect((await agent.agent.syncDirectory('full'))?.counts).toMatchObject({ added: 0, updated: 0, deleted: 0 });
  });

  it('sends again, in a password reconciliation, a verifier removed by hand, deriving only that one', async () => {
    const cas = (await anchorOf('cas'))!;
    await db.deleteFrom('password_verifiers').where('tenant_id', '=', 'default').where('anchor', '=', cas).execute();
    expect(await signIn('cas')).not.toBe(200);
    expect((await agent.agent.syncPasswords('delta'))?.counts).toMatchObject({ derived: 0, restored: 0 });
    const reconciled = await agent.agent.syncPasswords('full');
    expect(reconciled?.mode).toBe('full');
    expect(reconciled?.counts).toMatchObject({ derived: 0, restored: 1 });
    expect(await signIn('cas')).toBe(200);
  });

  it('runs a password reconciliation when an admin asks for one', async () => {
    const bob = (await anchorOf('bob'))!;
    await db.deleteFrom('password_verifiers').where('tenant_id', '=', 'default').where('anchor', '=', bob).execute();
    await harness.repo.updateSettings({ passwordReconcileRequestedAt: new Date() });
    await agent.agent.connect(); // the heartbeat carries the request
    await eventually(async () => (await harness.repo.getPasswordState(bob)) && (await signIn('bob')) === 200, 15_000, 'bob\'s verifier back');
  });
});

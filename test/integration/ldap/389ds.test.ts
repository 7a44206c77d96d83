/**
 * The LDAP source with flavor '389ds' against a real 389 Directory Server (test/support/dirsrv.ts):
 * full reads anchored by nsUniqueId, deltas by modifyTimestamp, deletes from the contentsync plugin
 * (and by comparison without it), userPassword as the server hashes it, and the agent syncing it
 * into a tenant on SQLite, sign-in included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunningAgent } from '../../../src/cli/agent-wiring.js';
import type { DirectoryEntry } from '../../../src/directory/entry.js';
import { createLdapSource, type LdapSourceConfig } from '../../../src/directory/ldap/ldap-source.js';
import { mapEntry } from '../../../src/directory/mapping.js';
import { computeSourceDigest, parseStoredPassword } from '../../../src/passwords/schemes.js';
import type { ChangeSet, DirectorySource } from '../../../src/sync/ports.js';
import { userSignIn } from '../../support/admin-api.js';
import { startDirsrv, type Dirsrv } from '../../support/dirsrv.js';
import { startSyncHarness, type SyncHarness } from '../../support/sync-harness.js';
import { directoryLdif, ou, person, SUFFIX } from './directory-fixture.js';

const NS_UNIQUE_ID = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;
const warnings: string[] = [];
const logger = { warn: (msg: string) => void warnings.push(msg) };

async function drain(changes: ChangeSet): Promise<DirectoryEntry[]> {
  const out: DirectoryEntry[] = [];
  for await (const page of changes.changed) out.push(...page);
  return out;
}

async function readAll(source: DirectorySource, purpose: 'objects' | 'passwords' = 'objects'): Promise<DirectoryEntry[]> {
  const out: DirectoryEntry[] = [];
  for await (const page of source.readAll(purpose)) out.push(...page);
  return out;
}

async function anchors(source: DirectorySource): Promise<Set<string>> {
  const all = new Set<string>();
  for await (const page of source.listAnchors()) page.forEach((a) => all.add(a));
  return all;
}

/** Waits for the next second: modifyTimestamp has one-second resolution. */
async function nextSecond(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1_050 - (Date.now() % 1_000)));
}

const modrdn = (dn: string, newRdn: string, newSuperior?: string) =>
  `dn: ${dn}\nchangetype: modrdn\nnewrdn: ${newRdn}\ndeleteoldrdn: 1\n${newSuperior ? `newsuperior: ${newSuperior}\n` : ''}`;

describe('LDAP source on 389-DS', () => {
  let ds: Dirsrv;
  let source: DirectorySource;
  const config = (extra: Partial<LdapSourceConfig> = {}): LdapSourceConfig => ({ url: ds.url, bindDn: ds.syncDn, bindPassword: ds.syncPw, baseDns: [SUFFIX], flavor: '389ds', pageSize: 25, ...extra });
  const anchorOf = async (dn: string) => (await readAll(source)).find((e) => e.dn.toLowerCase() === dn.toLowerCase())?.attributes['nsuniqueid']?.[0] as string;

  beforeAll(async () => {
    // A server size limit of 5: the sync account's own nsSizeLimit -1 (as the README asks) lifts it.
    ds = await startDirsrv({ ldif: directoryLdif(30), sizeLimit: 5 });
    ds.add(`${ou('vault')}\n${person('pw-default', 'vault').replace(/userPassword: .*/, 'userPassword: Vault-default-1')}\n${person('pw-ssha512', 'vault').replace(/userPassword: .*/, `userPassword: ${ds.hash('SSHA512', 'Vault-ssha512-1')}`)}\n${person('pw-pbkdf2', 'vault').replace(/userPassword: .*/, `userPassword: ${ds.hash('PBKDF2_SHA256', 'Vault-pbkdf2-1')}`)}`);
    source = createLdapSource(config(), logger);
  });
  afterAll(async () => {
    await source?.close();
    await ds?.stop();
  });

  it('reads every user and group beyond the server size limit, anchored by nsUniqueId, without password attributes', async () => {
    const entries = await readAll(source);
    // 33 people (30 + sam, sue, pat) + 3 in ou=vault, 4 groups.
    expect(entries).toHaveLength(40);
    for (const e of entries) {
      expect(e.attributes['nsuniqueid']?.[0]).toMatch(NS_UNIQUE_ID);
      expect(e.attributes['modifytimestamp']?.[0]).toMatch(/^\d{14}Z$/);
      expect(e.attributes['userpassword']).toBeUndefined();
    }
    const mapped = entries.map((e) => mapEntry(e, { flavor: '389ds' }));
    expect(mapped.filter((m) => m.kind === 'user')).toHaveLength(36);
    expect(mapped.filter((m) => m.kind === 'group')).toHaveLength(4);
    const user = mapped.find((m) => m.kind === 'user' && m.user.dn === `uid=user001,ou=people,${SUFFIX}`);
    expect(user).toMatchObject({ kind: 'user', user: { anchor: entries.find((e) => e.dn === `uid=user001,ou=people,${SUFFIX}`)?.attributes['nsuniqueid']?.[0], userPrincipalName: 'user001@example.test', enabled: true } });
    expect(await anchors(source)).toEqual(new Set(entries.map((e) => e.attributes['nsuniqueid']?.[0])));
  });

  it('reads userPassword as the server hashed it: {PBKDF2-SHA512} by default, and pre-hashed {SSHA512} and {PBKDF2_SHA256}', async () => {
    const users = await readAll(source, 'passwords');
    expect(users).toHaveLength(36);
    const password = (uid: string) => users.find((e) => e.dn === `uid=${uid},ou=vault,${SUFFIX}`)?.attributes['userpassword']?.[0] ?? '';
    for (const [uid, scheme, clear] of [['pw-default', 'PBKDF2-SHA512', 'Vault-default-1'], ['pw-ssha512', 'SSHA512', 'Vault-ssha512-1'], ['pw-pbkdf2', 'PBKDF2_SHA256', 'Vault-pbkdf2-1']] as const) {
      const hash = parseStoredPassword(password(uid));
      expect(hash.scheme).toBe(scheme);
      expect((await computeSourceDigest(hash.scheme, hash.params, clear)).equals(hash.digest)).toBe(true);
    }
  });

  it('yields nothing changed after the watermark second; the cursor carries the contentsync cookie', async () => {
    await nextSecond();
    const cursor = await source.currentCursor();
    expect(cursor).toMatch(/^389ds:ts:\d{14}Z:[A-Za-z0-9_-]+$/);
    await nextSecond();
    const none = (await source.readChanges(cursor, 'objects'))!;
    expect(await drain(none)).toEqual([]);
    expect(await none.departures()).toEqual({ kind: 'anchors', anchors: [] });
    expect(none.nextCursor > cursor!).toBe(true);

    expect(await source.readChanges(null, 'objects')).toBeNull();
    const all = (await source.readChanges('389ds:ts::e30', 'objects'))!;
    expect(await drain(all)).toHaveLength(40);
    expect(await all.departures()).toEqual({ kind: 'compare' });
  });

  it('yields added, modified, renamed and moved entries with their unchanged nsUniqueId', async () => {
    const renamed = await anchorOf(`uid=user005,ou=people,${SUFFIX}`);
    const moved = await anchorOf(`uid=user006,ou=people,${SUFFIX}`);
    const modified = await anchorOf(`uid=user007,ou=people,${SUFFIX}`);
    await nextSecond();
    const cursor = await source.currentCursor();
    ds.add(person('newbie', 'people'));
    ds.modify(`dn: uid=user007,ou=people,${SUFFIX}\nchangetype: modify\nreplace: mail\nmail: seven@example.test\n`);
    ds.modify(modrdn(`uid=user005,ou=people,${SUFFIX}`, 'uid=user005b'));
    ds.modify(modrdn(`uid=user006,ou=people,${SUFFIX}`, 'uid=user006', `ou=staff,${SUFFIX}`));
    // The next watermark is the server's clock before this read: a second after the changes.
    await nextSecond();

    const changes = (await source.readChanges(cursor, 'objects'))!;
    const byDn = Object.fromEntries((await drain(changes)).map((e) => [e.dn, e]));
    // `>=` the watermark second: whatever else changed in that second comes too (the engine drops it by fingerprint).
    expect(Object.keys(byDn)).toEqual(expect.arrayContaining([`uid=newbie,ou=people,${SUFFIX}`, `uid=user005b,ou=people,${SUFFIX}`, `uid=user006,ou=staff,${SUFFIX}`, `uid=user007,ou=people,${SUFFIX}`]));
    expect(byDn[`uid=user005b,ou=people,${SUFFIX}`]?.attributes['nsuniqueid']).toEqual([renamed]);
    expect(byDn[`uid=user006,ou=staff,${SUFFIX}`]?.attributes['nsuniqueid']).toEqual([moved]);
    expect(byDn[`uid=user007,ou=people,${SUFFIX}`]?.attributes['nsuniqueid']).toEqual([modified]);
    expect(byDn[`uid=user007,ou=people,${SUFFIX}`]?.attributes['mail']).toEqual(['seven@example.test']);
    expect(await changes.departures()).toEqual({ kind: 'anchors', anchors: [] });

    const again = (await source.readChanges(changes.nextCursor, 'objects'))!;
    expect(await drain(again)).toEqual([]);
  });

  it('delta for passwords reads only users, with the new userPassword', async () => {
    await nextSecond();
    const cursor = await source.currentCursor();
    ds.modify(`dn: uid=user008,ou=people,${SUFFIX}\nchangetype: modify\nreplace: userPassword\nuserPassword: Changed-user008-2\n`);
    ds.modify(`dn: cn=auditors,ou=groups,${SUFFIX}\nchangetype: modify\nadd: uniqueMember\nuniqueMember: uid=user009,ou=people,${SUFFIX}\n`);
    const changed = await drain((await source.readChanges(cursor, 'passwords'))!);
    expect(changed.map((e) => e.dn)).toEqual([`uid=user008,ou=people,${SUFFIX}`]);
    const hash = parseStoredPassword(changed[0]?.attributes['userpassword']?.[0] ?? '');
    expect((await computeSourceDigest(hash.scheme, hash.params, 'Changed-user008-2')).equals(hash.digest)).toBe(true);
  });

  it('names what left the scope from contentsync plus its own checks: delete, move out, filter, excluded subtree', async () => {
    const scoped = createLdapSource(config({ baseDns: [`ou=people,${SUFFIX}`, `ou=staff,${SUFFIX}`], excludeDns: [`ou=former,ou=people,${SUFFIX}`], extraFilter: '(!(employeeType=contractor))' }), logger);
    ds.add(ou('former', 'ou=people,'));
    const before = await anchors(scoped);
    const [leaving, deleted, filtered, excluded, moved] = (await Promise.all(['user010', 'user011', 'user012', 'user013', 'user014'].map((u) => anchorOf(`uid=${u},ou=people,${SUFFIX}`)))) as [string, string, string, string, string];
    await nextSecond();
    const cursor = await scoped.currentCursor();
    ds.modify(modrdn(`uid=user010,ou=people,${SUFFIX}`, 'uid=user010', `ou=contractors,${SUFFIX}`));
    ds.delete(`uid=user011,ou=people,${SUFFIX}`);
    ds.modify(`dn: uid=user012,ou=people,${SUFFIX}\nchangetype: modify\nreplace: employeeType\nemployeeType: contractor\n`);
    ds.modify(modrdn(`uid=user013,ou=people,${SUFFIX}`, 'uid=user013', `ou=former,ou=people,${SUFFIX}`));
    // From one base to another: still in scope, so not a departure.
    ds.modify(modrdn(`uid=user014,ou=people,${SUFFIX}`, 'uid=user014', `ou=staff,${SUFFIX}`));

    const changes = (await scoped.readChanges(cursor, 'objects'))!;
    expect((await drain(changes)).map((e) => e.dn)).toContain(`uid=user014,ou=staff,${SUFFIX}`);
    const departures = await changes.departures();
    expect(departures.kind).toBe('anchors');
    const gone = new Set(departures.kind === 'anchors' ? departures.anchors : []);
    // deleted and moved out of ou=people: contentsync; excluded: cut by the read; filtered: the out-of-filter search.
    for (const anchor of [leaving, deleted, filtered, excluded]) expect(gone.has(anchor)).toBe(true);
    // contentsync of ou=people names user014 (it left that base); the engine keeps it because the read saw it.
    expect(gone.has(moved)).toBe(true);

    // The comparison the engine falls back to agrees.
    const after = await anchors(scoped);
    expect(before.size - after.size).toBe(4);
    for (const anchor of [leaving, deleted, filtered, excluded]) expect(after.has(anchor)).toBe(false);
    await scoped.close();
  });

  it('compares when the server refuses a cookie, and is back on contentsync with the fresh one', async () => {
    const cursor = await source.currentCursor();
    const forged = cursor!.replace(/:[A-Za-z0-9_-]+$/, `:${Buffer.from(JSON.stringify({ [SUFFIX]: 'otherhost:389#someone:dc=x:(uid=*)#1' })).toString('base64url')}`);
    const refused = (await source.readChanges(forged, 'objects'))!;
    await drain(refused);
    expect(await refused.departures()).toEqual({ kind: 'compare' });
    ds.delete(`uid=user015,ou=people,${SUFFIX}`);
    const next = (await source.readChanges(refused.nextCursor, 'objects'))!;
    await drain(next);
    const departures = await next.departures();
    expect(departures.kind).toBe('anchors');
    expect(departures.kind === 'anchors' ? departures.anchors : []).toHaveLength(1);
  });

  it('pushes changes by contentsync refreshAndPersist: a modify, an add and a delete each call onChange within seconds', async () => {
    const watched = createLdapSource(config(), logger);
    const events: number[] = [];
    const errors: unknown[] = [];
    const stop = watched.watch!(() => events.push(Date.now()), (error) => errors.push(error));
    const after = async (count: number): Promise<number> => {
      const started = Date.now();
      while (events.length <= count) {
        if (Date.now() - started > 5_000) throw new Error(`no change notification within 5 s (errors: ${errors.map(String).join('; ')})`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return Date.now() - started;
    };
    try {
      // The watch starts from a cookie for "now": the existing content is no change.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(events).toHaveLength(0);
      ds.modify(`dn: uid=user020,ou=people,${SUFFIX}\nchangetype: modify\nreplace: cn\ncn: Pushed Twenty\n`);
      expect(await after(0)).toBeLessThan(5_000);
      const seen = events.length;
      ds.add(person('pushed', 'people'));
      await after(seen);
      const added = events.length;
      ds.delete(`uid=pushed,ou=people,${SUFFIX}`);
      await after(added);
      expect(errors).toEqual([]);
    } finally {
      stop();
      await watched.close();
    }
  });

  it('asks for a full cycle when the memberOfGroup membership changed, or the cursor is not valid', async () => {
    const scoped = createLdapSource(config({ memberOfGroup: `cn=engineering,ou=groups,${SUFFIX}` }), logger);
    await nextSecond();
    const cursor = await scoped.currentCursor();
    await nextSecond();
    expect(await scoped.readChanges(cursor, 'objects')).not.toBeNull();
    ds.modify(`dn: cn=platform,ou=groups,${SUFFIX}\nchangetype: modify\nadd: member\nmember: uid=user012,ou=people,${SUFFIX}\n`);
    expect(await scoped.readChanges(cursor, 'objects')).toBeNull();
    expect(await scoped.readChanges('389ds:ts:29991231000000Z:e30', 'objects')).toBeNull();
    expect(await scoped.readChanges('openldap:csn:', 'objects')).toBeNull();
    await scoped.close();
  });
});

describe('LDAP source on 389-DS without the contentsync plugin', () => {
  let ds: Dirsrv;
  afterAll(async () => {
    await ds?.stop();
  });

  it('finds deletes by comparison, and says once why', async () => {
    ds = await startDirsrv({ ldif: directoryLdif(3), contentSync: false });
    const source = createLdapSource({ url: ds.url, bindDn: ds.syncDn, bindPassword: ds.syncPw, baseDns: [SUFFIX], flavor: '389ds' }, logger);
    warnings.length = 0;
    const cursor = await source.currentCursor();
    expect(cursor).toMatch(/^389ds:ts:\d{14}Z:e30$/); // no cookies: {}
    ds.delete(`uid=user002,ou=people,${SUFFIX}`);
    ds.modify(`dn: uid=user003,ou=people,${SUFFIX}\nchangetype: modify\nreplace: mail\nmail: three@example.test\n`);
    const changes = (await source.readChanges(cursor, 'objects'))!;
    expect((await drain(changes)).map((e) => e.dn)).toContain(`uid=user003,ou=people,${SUFFIX}`);
    expect(await changes.departures()).toEqual({ kind: 'compare' });
    expect(warnings.filter((w) => w.includes('content synchronization'))).toHaveLength(1);
    await source.close();
  });
});

describe('agent against 389-DS, tenant on SQLite', () => {
  let ds: Dirsrv;
  let harness: SyncHarness;
  let agent: RunningAgent;
  const initial = () =>
    [
      ou('people'),
      ou('former'),
      ou('groups'),
      person('ann', 'people').replace(/userPassword: .*/, 'userPassword: Pw-ann-1'),
      person('bob', 'people').replace(/userPassword: .*/, `userPassword: ${ds.hash('SSHA512', 'Pw-bob-1')}`),
      person('cas', 'people').replace(/userPassword: .*/, `userPassword: ${ds.hash('PBKDF2_SHA256', 'Pw-cas-1')}`),
      person('dan', 'people').replace(/userPassword: .*/, 'userPassword: Pw-dan-1'),
      person('eve', 'people', 'nsAccountLock: true\n').replace(/userPassword: .*/, 'userPassword: Pw-eve-1'),
      `dn: cn=devs,ou=groups,${SUFFIX}\nobjectClass: groupOfNames\ncn: devs\nmember: uid=ann,ou=people,${SUFFIX}\nmember: uid=bob,ou=people,${SUFFIX}\n`,
      `dn: cn=all,ou=groups,${SUFFIX}\nobjectClass: groupOfNames\ncn: all\nmember: cn=devs,ou=groups,${SUFFIX}\nmember: uid=eve,ou=people,${SUFFIX}\n`,
    ].join('\n');

  beforeAll(async () => {
    ds = await startDirsrv();
    ds.add(initial());
    harness = await startSyncHarness('sqlite', ds);
    agent = await harness.agent({ flavor: '389ds' });
    await agent.agent.connect();
  });
  afterAll(async () => {
    await harness?.close();
    await ds?.stop();
  });

  const users = async () => (await harness.repo.listUsers({ page: 1, pageSize: 200 })).items;
  const group = async (name: string) => (await harness.repo.listGroups({ search: name, page: 1, pageSize: 10 })).items.find((g) => g.name === name);

  it('runs a full sync: users anchored by nsUniqueId, groups with nested members, nsAccountLock as disabled', async () => {
    const result = await agent.agent.syncDirectory('full');
    expect(result?.outcome).toBe('success');
    const all = await users();
    expect(all.map((u) => u.userPrincipalName).sort()).toEqual(['ann', 'bob', 'cas', 'dan', 'eve'].map((u) => `${u}@example.test`));
    for (const u of all) expect(u.anchor).toMatch(NS_UNIQUE_ID);
    expect(all.find((u) => u.userPrincipalName === 'eve@example.test')?.enabled).toBe(false);
    expect(all.find((u) => u.userPrincipalName === 'ann@example.test')?.enabled).toBe(true);
    expect(await group('devs')).toMatchObject({ memberCount: 2 });
    expect(await group('all')).toMatchObject({ memberCount: 2 });
  });

  it('syncs the password hashes; users sign in with {PBKDF2-SHA512}, {SSHA512} and {PBKDF2_SHA256} passwords', async () => {
    const result = await agent.agent.syncPasswords('full');
    expect(result?.outcome).toBe('success');
    expect((await userSignIn(harness.url, 'ann@example.test', 'Pw-ann-1')).status).toBe(200);
    expect((await userSignIn(harness.url, 'bob@example.test', 'Pw-bob-1')).status).toBe(200);
    expect((await userSignIn(harness.url, 'cas@example.test', 'Pw-cas-1')).status).toBe(200);
    expect((await userSignIn(harness.url, 'cas@example.test', 'Pw-cas-2')).status).toBe(401);
  });

  it('sends the changes in a delta: add, modify, rename (same anchor), move, delete; and a new password', async () => {
    const before = await users();
    const bobAnchor = before.find((u) => u.userPrincipalName === 'bob@example.test')?.anchor;
    ds.add(person('fay', 'people').replace(/userPassword: .*/, 'userPassword: Pw-fay-1'));
    ds.modify(`dn: uid=ann,ou=people,${SUFFIX}\nchangetype: modify\nreplace: cn\ncn: Ann Renamed\n`);
    ds.modify(modrdn(`uid=bob,ou=people,${SUFFIX}`, 'uid=bobby'));
    ds.modify(modrdn(`uid=cas,ou=people,${SUFFIX}`, 'uid=cas', `ou=former,${SUFFIX}`));
    ds.delete(`uid=dan,ou=people,${SUFFIX}`);
    ds.modify(`dn: uid=ann,ou=people,${SUFFIX}\nchangetype: modify\nreplace: userPassword\nuserPassword: Pw-ann-2\n`);

    const result = await agent.agent.syncDirectory('delta');
    expect(result).toMatchObject({ mode: 'delta', outcome: 'success' });
    expect(result!.counts).toMatchObject({ added: 1, deleted: 1 });
    const after = await users();
    expect(after.map((u) => u.userPrincipalName).sort()).toEqual(['ann', 'bob', 'cas', 'eve', 'fay'].map((u) => `${u}@example.test`));
    expect(after.find((u) => u.userPrincipalName === 'ann@example.test')?.displayName).toBe('Ann Renamed');
    // The UPN comes from mail, which the rename kept; the anchor and the tenant's object are the same.
    expect(after.find((u) => u.anchor === bobAnchor)?.dn).toBe(`uid=bobby,ou=people,${SUFFIX}`);
    expect(after.find((u) => u.userPrincipalName === 'cas@example.test')?.dn).toBe(`uid=cas,ou=former,${SUFFIX}`);

    const passwords = await agent.agent.syncPasswords('delta');
    expect(passwords?.outcome).toBe('success');
    expect((await userSignIn(harness.url, 'ann@example.test', 'Pw-ann-2')).status).toBe(200);
  });
});

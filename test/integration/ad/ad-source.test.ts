/**
 * The Active Directory source against a real Samba AD DC, on SQLite and PostgreSQL tenant stores:
 * objectGUID anchor, userPrincipalName, disabled and expired accounts, proxyAddresses, uSNChanged
 * deltas, deletes from the Deleted Objects container (and the fallback when it cannot be read),
 * moves across OUs, nested groups by the in-chain rule, ranged retrieval of a 5,000-member group,
 * LDAPS and StartTLS, binds as UPN and DN, coded errors, and the change watch. The sync account
 * has exactly the rights README's Active Directory section lists, the Deleted Objects one granted
 * by running README's Samba snippet as printed. One DC for the whole file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fileTime, startSambaDc, type SambaDc, type SyncAccount } from '../../support/samba-dc.js';
import { startSyncHarness, type SyncHarness } from '../../support/sync-harness.js';
import { eventually } from '../../support/all-in-one.js';
import type { RunningAgent } from '../../../src/cli/agent-wiring.js';
import { createLdapSource, type LdapSourceConfig } from '../../../src/directory/ldap/ldap-source.js';
import { objectGuidToString } from '../../../src/directory/ldap/ad/object-guid.js';
import type { DirectoryEntry } from '../../../src/directory/entry.js';
import { fencedBlocks } from '../../../src/config/markdown-blocks.js';
import { MEMBER_FILTER_MAX_GROUPS } from '../../../src/directory/ldap/ad/ad-adapter.js';
import { runTroubleshooter } from '../../../src/tenant/domain/troubleshooter.js';
import { loadStatusInput } from '../../../src/tenant/status-input.js';
import { computeDirSyncStatus } from '../../../src/tenant/domain/status.js';

const BIG = 5_000;
const NEVER = 0x7fffffffffffffffn;

let dc: SambaDc;
/** README's sync account: a plain domain user, plus List Contents and Read Property on Deleted Objects. */
let account: SyncAccount;
/** A plain domain user without the Deleted Objects right: deletes by comparison, with a warning. */
let plain: SyncAccount;
let staffOu: string;
let movedOu: string;
let bigGroup: string;
let members: string[];
/** Members of the big group now (both stores' deltas add one). */
let bigCount = BIG;

beforeAll(async () => {
  dc = await startSambaDc();
  staffOu = dc.createOu('Staff');
  movedOu = dc.createOu('Moved');
  // README's account name: its Samba snippet names svc-dirbridge.
  account = dc.createSyncAccount('svc-dirbridge');
  runReadmeDeletedObjectsGrant();
  plain = dc.createSyncAccount('plain-sync');
  // Bulk members through the benchmark's fast path (bypass-password-hash: no password, no Kerberos
  // keys) and without a UPN (the mapping builds one from sAMAccountName; Samba checks a UPN's
  // uniqueness by a scan per add), in transactions of 1,000.
  members = [];
  const started = Date.now();
  for (let i = 0; i < BIG; i += 1_000) members.push(...(await dc.loadUsers(Array.from({ length: 1_000 }, (_, j) => ({ name: `m${i + j}`, parentDn: staffOu, userPrincipalName: null })))));
  const loaded = Date.now();
  [bigGroup = ''] = dc.createGroups([{ name: 'Big', parentDn: staffOu, members }]);
  console.info(`AD suite set-up: ${BIG} users in ${((loaded - started) / 1000).toFixed(1)} s, the group's members in ${((Date.now() - loaded) / 1000).toFixed(1)} s`);
}, 1_200_000);

afterAll(async () => {
  await dc?.stop();
});

/**
 * README's Samba AD step for the Deleted Objects right, run as printed (the block's text as a
 * reader copies it from the rendered README) by /bin/sh, as root "on the DC": SMB_CONF_PATH points
 * samba-tool and Samba's Python module at this DC's smb.conf, as /etc/samba/smb.conf would on a
 * real one, and Debian's python3 (with the samba module) comes first on PATH.
 */
function runReadmeDeletedObjectsGrant(): void {
  const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
  const section = readme.slice(readme.indexOf('### Active Directory / Samba AD'));
  const blocks = fencedBlocks('README.md', section).filter((b) => b.lang === 'sh' && b.text.includes('CN=Deleted Objects'));
  expect(blocks, 'one sh block of README\'s AD section grants the Deleted Objects right').toHaveLength(1);
  const run = spawnSync('/bin/sh', ['-e', '-c', blocks[0]!.text], {
    env: { ...process.env, SMB_CONF_PATH: dc.confFile, PATH: `/usr/sbin:/usr/bin:/sbin:/bin` },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, `README's Deleted Objects snippet failed:\n${run.stderr}\n${run.stdout}`).toBe(0);
}

function ldapConfig(overrides: Partial<LdapSourceConfig> = {}): LdapSourceConfig {
  return { url: dc.ldapsUrl, caFile: dc.caFile, flavor: 'ad', bindDn: account.userPrincipalName, bindPassword: account.password, baseDns: [staffOu], ...overrides };
}

async function readAll(config: LdapSourceConfig, logger?: { warn(msg: string): void }): Promise<DirectoryEntry[]> {
  const source = createLdapSource(config, logger ?? { warn: () => undefined });
  try {
    const entries: DirectoryEntry[] = [];
    for await (const page of source.readAll('objects')) entries.push(...page);
    return entries;
  } finally {
    await source.close();
  }
}

async function guidOf(dn: string): Promise<string> {
  const { searchEntries } = await (await dc.admin()).search(dn, { scope: 'base', attributes: ['objectGUID'], explicitBufferAttributes: ['objectGUID'] });
  return objectGuidToString(searchEntries[0]?.['objectGUID'] as Buffer);
}

describe('AD source on the wire (LDAPS, StartTLS, binds, ranges, in-chain, deletes)', () => {
  it('reads over LDAPS bound as user@realm and over StartTLS bound as a DN, with the CA file', async () => {
    const ldaps = await readAll(ldapConfig());
    const startTls = await readAll(ldapConfig({ url: dc.ldapUrl, startTls: true, bindDn: account.dn }));
    expect(ldaps.length).toBe(BIG + 1);
    expect(startTls.map((e) => e.attributes['objectguid']?.[0]).sort()).toEqual(ldaps.map((e) => e.attributes['objectguid']?.[0]).sort());
  }, 240_000);

  it('reads every member of a group above the range limit, by explicit ranges', async () => {
    const group = (await readAll(ldapConfig({ userFilter: '(objectClass=nothing)' }))).find((e) => e.dn === bigGroup);
    expect(group?.attributes['member']).toHaveLength(BIG);
    expect(new Set(group?.attributes['member'])).toEqual(new Set(members));
    expect(Object.keys(group?.attributes ?? {}).some((k) => k.includes(';range='))).toBe(false);
  }, 240_000);

  it('scopes to a group through nested groups by the in-chain rule', async () => {
    const [inner = '', outer = ''] = dc.createGroups([{ name: 'Inner', parentDn: movedOu, members: [members[1] as string] }, { name: 'Outer', parentDn: movedOu }]);
    await dc.addMembers(outer, [inner, members[2] as string]);
    const users = (await readAll(ldapConfig({ memberOfGroup: outer, groupFilter: '(objectClass=nothing)' }))).map((e) => e.dn).sort();
    expect(users).toEqual([members[1], members[2]].sort());
  }, 240_000);

  it('scopes to a group with thousands of nested groups by their member lists, in its own OU and over the 5,000 users of Staff, in seconds', async () => {
    // Long DNs (about 200 characters): a users' filter of memberOf terms naming them all (about
    // 280 kB) would exceed Samba's 256,000-byte request limit, and Samba evaluates each term on
    // every user without an index (about 90 s over Staff's 5,000 users in chunked searches). The
    // closure of member lists reads the groups once and each user once. Loaded through the
    // harness's one-process path.
    const long = 'x'.repeat(40);
    const nestedOu = dc.createOu(`Of the scope group ${long}`, dc.createOu(`Nested groups ${long}`));
    const count = 1_300;
    expect(count).toBeGreaterThan(MEMBER_FILTER_MAX_GROUPS);
    const started = Date.now();
    const nested = dc.createGroups(Array.from({ length: count }, (_, i) => ({ name: `${i}-nested-group-of-the-scope-group-${long}`.slice(0, 64), parentDn: nestedOu })));
    const [a = '', b = '', c = '', d = ''] = dc.createUsers(['first', 'both', 'last', 'deep'].map((name) => ({ name: `${name}-nested`, parentDn: nestedOu })));
    const [deep = '', scope = ''] = dc.createGroups([
      { name: 'deep-under-the-last', parentDn: nestedOu, members: [d] },
      { name: 'ScopeWithManyNested', parentDn: nestedOu, members: nested },
    ]);
    // Users in the first and the last nested group, one in both (read once), one two levels down.
    await dc.addMembers(nested[0]!, [a, b]);
    await dc.addMembers(nested[count - 1]!, [b, c, deep]);
    // Of Staff's 5,000: one in a nested group, one in two, one two levels down (the big group's members are not in scope).
    await dc.addMembers(nested[1]!, [members[10]!, members[4_999]!]);
    await dc.addMembers(nested[700]!, [members[4_999]!]);
    await dc.addMembers(deep, [members[2_500]!]);
    console.info(`${count} nested groups loaded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const oneFilter = nested.reduce((sum, dn) => sum + `(memberOf=${dn})`.length, 0);
    expect(oneFilter).toBeGreaterThan(256_000);
    const users = (await readAll(ldapConfig({ baseDns: [nestedOu], memberOfGroup: scope, groupFilter: '(objectClass=nothing)' }))).map((e) => e.dn);
    expect(users.sort()).toEqual([a, b, c, d].sort());
    const staffStarted = Date.now();
    const staff = (await readAll(ldapConfig({ baseDns: [staffOu], memberOfGroup: scope, groupFilter: '(objectClass=nothing)' }))).map((e) => e.dn);
    const seconds = (Date.now() - staffStarted) / 1000;
    console.info(`memberOfGroup with ${count} nested groups over the ${BIG} users of Staff: ${seconds.toFixed(1)} s`);
    expect(staff.sort()).toEqual([members[10], members[2_500], members[4_999]].sort());
    // About 4 s on a quiet machine; the memberOf filters took 60-90 s.
    expect(seconds).toBeLessThan(30);
  }, 240_000);

  it('names deleted and moved-out entries from the tombstones, without listing every anchor', async () => {
    const [gone = '', leaving = ''] = dc.createUsers([{ name: 'gone', parentDn: staffOu }, { name: 'leaving', parentDn: staffOu }]);
    const [goneGuid, leavingGuid] = [await guidOf(gone), await guidOf(leaving)];
    const source = createLdapSource(ldapConfig());
    try {
      const cursor = await source.currentCursor();
      await dc.deleteEntry(gone);
      await dc.move(leaving, 'CN=leaving', movedOu);
      const changes = await source.readChanges(cursor, 'objects');
      for await (const page of changes!.changed) void page;
      const departures = await changes!.departures();
      expect(departures.kind).toBe('anchors');
      expect(departures.kind === 'anchors' && departures.anchors).toEqual(expect.arrayContaining([goneGuid, leavingGuid]));
    } finally {
      await source.close();
    }
  }, 240_000);

  it('falls back to comparing anchors, with a warning, when the account cannot read Deleted Objects', async () => {
    const warnings: string[] = [];
    const codes: unknown[] = [];
    const source = createLdapSource(ldapConfig({ bindDn: plain.userPrincipalName, bindPassword: plain.password }), {
      warn: (msg, meta) => {
        warnings.push(msg);
        codes.push((meta as { code?: string } | undefined)?.code);
      },
    });
    try {
      const cursor = await source.currentCursor();
      const [victim = ''] = dc.createUsers([{ name: 'victim', parentDn: staffOu }]);
      await dc.deleteEntry(victim);
      const changes = await source.readChanges(cursor, 'objects');
      for await (const page of changes!.changed) void page;
      expect((await changes!.departures()).kind).toBe('compare');
      expect(warnings.join('\n')).toMatch(/CN=Deleted Objects,DC=ad,DC=test cannot be read.*List Contents and Read Property/s);
      // The code README names for the agent log, once per source, not once per delta.
      expect(codes).toEqual(['AD_DELETED_OBJECTS_UNREADABLE']);
      const again = await source.readChanges(changes!.nextCursor, 'objects');
      for await (const page of again!.changed) void page;
      expect((await again!.departures()).kind).toBe('compare');
      expect(codes).toHaveLength(1);
    } finally {
      await source.close();
    }
  }, 240_000);
});

/**
 * memberOfGroup's scope moves when a group's member list does, which changes the group's uSNChanged
 * and not the users' (memberOf is a back link): each such change reaches the tenant in the next
 * delta, whether a full read narrows users by memberOf terms (few groups) or by the closure alone.
 */
describe.each([
  ['memberOf terms', 2],
  ['the closure', MEMBER_FILTER_MAX_GROUPS + 16],
] as const)('AD memberOfGroup scope in deltas (full reads by %s, %i nested groups)', (_how, nestedCount) => {
  let harness: SyncHarness;
  let agent: RunningAgent;
  let ou: string;
  let scope: string;
  let nested: string[];
  let s: string[];
  const inTenant = async (): Promise<string[]> =>
    (await harness.repo.listUsers({ page: 1, pageSize: 100 })).items.map((u) => u.dn?.split(',')[0]?.slice(3) ?? '').sort();
  const delta = async (): Promise<string> => {
    const result = await agent.agent.syncDirectory('delta');
    expect(result?.outcome, JSON.stringify(result?.failure)).toBe('success');
    return result!.mode;
  };

  beforeAll(async () => {
    ou = dc.createOu(`Scoped-${nestedCount}`);
    s = dc.createUsers(Array.from({ length: 8 }, (_, i) => ({ name: `s${nestedCount}-${i}`, parentDn: ou })));
    nested = dc.createGroups(Array.from({ length: nestedCount }, (_, i) => ({ name: `n${nestedCount}-${i}`, parentDn: ou })));
    [scope = ''] = dc.createGroups([{ name: `scope-${nestedCount}`, parentDn: ou, members: [...nested, s[1]!] }]);
    await dc.addMembers(nested[0]!, [s[0]!]);
    harness = await startSyncHarness('sqlite', { url: dc.ldapsUrl, syncDn: account.userPrincipalName, syncPw: account.password, suffix: dc.baseDn });
    agent = await harness.agent({ url: dc.ldapsUrl, flavor: 'ad', caFile: dc.caFile, baseDns: [ou], memberOfGroup: scope, groupFilter: '(objectClass=nothing)' });
    await agent.agent.connect();
    const full = await agent.agent.syncDirectory('full');
    expect(full?.outcome, JSON.stringify(full?.failure)).toBe('success');
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
  });

  const name = (i: number) => `s${nestedCount}-${i}`;

  it('starts with the direct member and the nested group\'s member', async () => {
    expect(await inTenant()).toEqual([name(0), name(1)]);
  });

  it('brings a user added to a nested group, and one removed from it, in the next delta', async () => {
    await dc.addMembers(nested[nestedCount - 1]!, [s[2]!]);
    await delta();
    expect(await inTenant()).toEqual([name(0), name(1), name(2)]);
    await dc.removeMembers(nested[0]!, [s[0]!]);
    await delta();
    expect(await inTenant()).toEqual([name(1), name(2)]);
  }, 60_000);

  it('brings the members of a nested group added to the scope group, and drops them when it is removed', async () => {
    const [inner = '', added = ''] = dc.createGroups([
      { name: `inner-${nestedCount}`, parentDn: ou, members: [s[4]!] },
      { name: `added-${nestedCount}`, parentDn: ou, members: [s[3]!] },
    ]);
    await dc.addMembers(added, [inner]);
    // Not in scope yet: a delta that reads no group change leaves them out.
    expect(await delta()).toBe('delta');
    expect(await inTenant()).toEqual([name(1), name(2)]);
    await dc.addMembers(scope, [added]);
    await delta();
    expect(await inTenant()).toEqual([name(1), name(2), name(3), name(4)]);
    await dc.removeMembers(scope, [added]);
    await delta();
    expect(await inTenant()).toEqual([name(1), name(2)]);
  }, 60_000);

  it('stays a delta when no group changed, and keeps changed users out of scope out', async () => {
    await dc.modify(s[5]!, [{ operation: 'replace', type: 'description', values: ['not in scope'] }]);
    await dc.modify(s[1]!, [{ operation: 'replace', type: 'description', values: ['in scope'] }]);
    expect(await delta()).toBe('delta');
    expect(await inTenant()).toEqual([name(1), name(2)]);
  }, 60_000);
});

describe.each(['sqlite', 'postgres'] as const)('AD sync into the tenant (%s)', (kind) => {
  let harness: SyncHarness;
  let agent: RunningAgent;
  let ou: string;
  const dns: Record<string, string> = {};
  const source = (extra: Record<string, unknown> = {}) => ({ url: dc.ldapsUrl, flavor: 'ad', caFile: dc.caFile, baseDns: [ou, staffOu], changePollSeconds: 0.5, ...extra });
  const user = async (name: string) => (await harness.repo.listUsers({ search: name, page: 1, pageSize: 5 })).items.find((u) => u.dn?.startsWith(`CN=${name},`));
  const group = async (name: string) => (await harness.repo.listGroups({ search: name, page: 1, pageSize: 5 })).items.find((g) => g.name === name);

  beforeAll(async () => {
    ou = dc.createOu(`Tenant-${kind}`);
    const past = fileTime(new Date(Date.now() - 86_400_000));
    const future = fileTime(new Date(Date.now() + 365 * 86_400_000));
    const names = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina'].map((n) => `${n}-${kind}`);
    const created = dc.createUsers([
      { name: names[0]!, parentDn: ou, givenName: 'Alice', sn: 'Adams', userPrincipalName: `alice.${kind}@ad.test`, proxyAddresses: ['smtp:alias.' + kind + '@ad.test', `SMTP:alice.${kind}@mail.ad.test`, 'X500:/o=x'] },
      { name: names[1]!, parentDn: ou, disabled: true },
      { name: names[2]!, parentDn: ou, accountExpires: past },
      { name: names[3]!, parentDn: ou, accountExpires: 0n },
      { name: names[4]!, parentDn: ou, accountExpires: NEVER },
      { name: names[5]!, parentDn: ou, accountExpires: future },
      { name: names[6]!, parentDn: ou },
    ]);
    names.forEach((n, i) => (dns[n.split('-')[0]!] = created[i]!));
    harness = await startSyncHarness(kind, { url: dc.ldapsUrl, syncDn: account.userPrincipalName, syncPw: account.password, suffix: dc.baseDn });
    agent = await harness.agent(source());
    await agent.agent.connect();
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
  });

  it('syncs users by objectGUID with UPN, proxyAddresses, disabled and expired accounts, and all 5,000 members', async () => {
    const result = await agent.agent.syncDirectory('full');
    expect(result?.outcome, JSON.stringify(result?.failure)).toBe('success');
    const alice = await user(`alice-${kind}`);
    expect(alice?.anchor).toBe(await guidOf(dns['alice']!));
    expect(alice?.userPrincipalName).toBe(`alice.${kind}@ad.test`);
    expect(alice?.mail).toBe(`alice.${kind}@mail.ad.test`);
    expect(alice?.enabled).toBe(true);
    expect((await user(`bob-${kind}`))?.enabled).toBe(false);
    expect((await user(`carol-${kind}`))?.enabled).toBe(false); // accountExpires yesterday
    expect((await user(`dave-${kind}`))?.enabled).toBe(true); // 0: never
    expect((await user(`erin-${kind}`))?.enabled).toBe(true); // 0x7FFFFFFFFFFFFFFF: never
    expect((await user(`frank-${kind}`))?.enabled).toBe(true); // expires next year
    expect((await group('Big'))?.memberCount).toBe(bigCount);
  }, 300_000);

  it('brings a rename and move, a delete, an expiry and a new member of the big group in the next delta', async () => {
    // gina's expiry is set, and read by a delta, before it passes: when it passes, no USN moves for
    // her, so only the delta's read of the accounts expired since its cursor can bring it.
    const ginaExpires = Date.now() + 8_000;
    await dc.modify(dns['gina']!, [{ operation: 'replace', type: 'accountExpires', values: [fileTime(new Date(ginaExpires)).toString()] }]);
    expect((await agent.agent.syncDirectory('delta'))?.outcome).toBe('success');
    expect(Date.now() < ginaExpires && (await user(`gina-${kind}`))?.enabled, 'gina read as enabled before her expiry (a delta slower than 8 s proves nothing)').toBe(true);
    const daveAnchor = (await user(`dave-${kind}`))!.anchor;
    const [extra = ''] = dc.createUsers([{ name: `extra-${kind}`, parentDn: staffOu }]);
    await dc.addMembers(bigGroup, [extra]);
    bigCount++;
    const newDn = await dc.move(dns['dave']!, `CN=david-${kind}`, staffOu);
    await dc.deleteEntry(dns['erin']!);
    // Expires within the delta: no USN moves for it, the cursor's time brings it.
    await dc.modify(dns['frank']!, [{ operation: 'replace', type: 'accountExpires', values: [fileTime(new Date(Date.now() + 1_000)).toString()] }]);
    await new Promise((r) => setTimeout(r, Math.max(1_500, ginaExpires + 500 - Date.now())));
    const result = await agent.agent.syncDirectory('delta');
    expect(result?.outcome, JSON.stringify(result?.failure)).toBe('success');
    expect(result?.mode).toBe('delta');
    const david = await user(`david-${kind}`);
    expect(david?.anchor).toBe(daveAnchor);
    expect(david?.dn).toBe(newDn);
    expect(await user(`erin-${kind}`)).toBeUndefined();
    expect((await user(`frank-${kind}`))?.enabled).toBe(false);
    expect((await user(`gina-${kind}`))?.enabled, 'gina expired with no USN change').toBe(false);
    expect((await group('Big'))?.memberCount).toBe(bigCount);
    expect(harness.logs.join('\n')).not.toMatch(/Deleted Objects.*cannot be read/);
  }, 120_000);

  it('brings a disable and a delete on the DC to the tenant with no sync asked for (the watch, not the hourly poll)', async () => {
    await agent.agent.start();
    await agent.agent.syncDirectory('delta');
    const started = Date.now();
    await dc.disable(dns['alice']!);
    // The agent polls hourly: arriving before these ceilings (generous for a loaded CI machine) means
    // the watch delivered them. The latency is logged only.
    await eventually(async () => (await user(`alice-${kind}`))?.enabled === false, 60_000, 'alice disabled in the tenant');
    await dc.deleteEntry(dns['bob']!);
    await eventually(async () => (await user(`bob-${kind}`)) === undefined, 60_000, 'bob deleted in the tenant');
    console.log(`a disable and a delete on the DC reached the tenant in ${Date.now() - started} ms`);
    await agent.stop();
  }, 180_000);

  it.each([
    ['a wrong password', 'DIR_BIND_FAILED', () => ({ bindDn: account.dn, bindPasswordFile: secretFile('Wrong-password-1') })],
    ['an unreachable DC', 'DIR_UNREACHABLE', () => ({ url: `ldaps://${dc.address}:1` })],
    ['an account that may not read the base DN', 'DIR_SEARCH_FAILED', () => ({ baseDns: [lockedOu] })],
  ])('shows %s as %s in the status and the troubleshooter', async (_what, code, extra) => {
    if (!lockedOu) {
      lockedOu = dc.createOu(`Locked-${kind}`);
      // A protected DACL that lets only Domain Admins and SYSTEM in.
      await dc.addAces(lockedOu, account.dn, 'O:DAG:DAD:P(A;;GA;;;DA)(A;;GA;;;SY)');
    }
    const failing = await harness.agent(source(extra()));
    await eventually(async () => (await failing.agent.connect())?.active, 15_000, 'the lease');
    const result = await failing.agent.syncDirectory('full');
    await failing.stop();
    expect(result?.outcome).toBe('failed');
    expect(result?.failure?.code, result?.failure?.message).toBe(code);
    const input = await loadStatusInput(harness.repo, 5);
    expect(JSON.stringify(computeDirSyncStatus(input, new Date()))).toContain(code);
    const lastCycle = runTroubleshooter(input, new Date()).checks.find((c) => c.id === 'last_cycle');
    expect(lastCycle?.verdict).toBe('error');
    expect(lastCycle?.found).toContain(`(${code})`);
  }, 60_000);
});

let lockedOu: string | undefined;

function secretFile(value: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dirbridge-ad-secret-'));
  const file = join(dir, 'password');
  writeFileSync(file, value, { mode: 0o600 });
  return file;
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DirectoryEntry } from '../../../src/directory/entry.js';
import { createLdapSource, type LdapSourceConfig } from '../../../src/directory/ldap/ldap-source.js';
import { startSlapd, type Slapd } from '../../support/slapd.js';
import { directoryLdif, SUFFIX } from './directory-fixture.js';

let slapd: Slapd;
const warnings: string[] = [];
const logger = { warn: (msg: string) => warnings.push(msg) };

function config(extra: Partial<LdapSourceConfig> = {}): LdapSourceConfig {
  return { url: slapd.url, bindDn: slapd.syncDn, bindPassword: slapd.syncPw, baseDns: [SUFFIX], flavor: 'openldap', pageSize: 40, ...extra };
}

async function readAll(extra: Partial<LdapSourceConfig> = {}, purpose: 'objects' | 'passwords' = 'objects'): Promise<{ entries: DirectoryEntry[]; pages: number }> {
  const source = createLdapSource(config(extra), logger);
  const entries: DirectoryEntry[] = [];
  let pages = 0;
  for await (const page of source.readAll(purpose)) {
    pages++;
    entries.push(...page);
  }
  await source.close();
  return { entries, pages };
}

const uids = (entries: DirectoryEntry[]): string[] => entries.map((e) => e.attributes['uid']?.[0] ?? e.attributes['cn']?.[0] ?? e.dn).sort();

beforeAll(async () => {
  slapd = await startSlapd({ sizeLimit: 50, ldif: directoryLdif(120) });
});
afterAll(async () => {
  await slapd?.stop();
});

describe('LDAP source: full read', () => {
  it('reads every entry page by page, beyond the server size limit of 50', async () => {
    const { entries, pages } = await readAll();
    // 120 people + sam, sue, pat + 4 groups
    expect(entries).toHaveLength(127);
    expect(pages).toBeGreaterThanOrEqual(4);
    expect(new Set(entries.map((e) => e.dn)).size).toBe(127);
  });

  it('yields lower-case attributes with entryUUID, entryCSN and modifyTimestamp, and no password on objects reads', async () => {
    const { entries } = await readAll();
    const user = entries.find((e) => e.dn === `uid=user001,ou=people,${SUFFIX}`);
    expect(user).toBeDefined();
    expect(Object.keys(user!.attributes).every((k) => k === k.toLowerCase())).toBe(true);
    expect(user!.attributes['entryuuid']?.[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(user!.attributes['entrycsn']?.[0]).toMatch(/^\d{14}\.\d{6}Z#/);
    expect(user!.attributes['modifytimestamp']?.[0]).toMatch(/^\d{14}Z$/);
    expect(user!.attributes['objectclass']).toContain('inetOrgPerson');
    expect(user!.attributes['userpassword']).toBeUndefined();
  });

  it('passwords reads: users only, anchor, dn and password attributes', async () => {
    const { entries } = await readAll({}, 'passwords');
    expect(entries).toHaveLength(123);
    const user = entries.find((e) => e.dn === `uid=user001,ou=people,${SUFFIX}`)!;
    expect(Object.keys(user.attributes).sort()).toEqual(['entrycsn', 'entryuuid', 'modifytimestamp', 'userpassword']);
    expect(user.attributes['userpassword']?.[0]?.startsWith('{SSHA}')).toBe(true);
  });

  it('returns groupOfNames, groupOfUniqueNames and posixGroup with their members', async () => {
    const { entries } = await readAll({ baseDns: [`ou=groups,${SUFFIX}`] });
    const byCn = Object.fromEntries(entries.map((e) => [e.attributes['cn']?.[0], e]));
    expect(Object.keys(byCn).sort()).toEqual(['auditors', 'engineering', 'platform', 'unix']);
    expect(byCn['engineering']?.attributes['member']).toContain(`cn=platform,ou=groups,${SUFFIX}`);
    expect(byCn['auditors']?.attributes['uniquemember']).toEqual([`uid=user002,ou=people,${SUFFIX}`]);
    expect(byCn['unix']?.attributes['memberuid']?.sort()).toEqual(['pat', 'user004']);
  });
});

describe('LDAP source: scope', () => {
  it('reads only the included bases, minus excluded subtrees, without duplicates for nested bases', async () => {
    const { entries } = await readAll({ baseDns: [`ou=staff,${SUFFIX}`, `ou=contractors,${SUFFIX}`, `uid=sam,ou=staff,${SUFFIX}`], excludeDns: [`ou=contractors,${SUFFIX}`] });
    expect(uids(entries)).toEqual(['sam', 'sue']);
  });

  it('excludes a subtree from a base above it', async () => {
    const { entries } = await readAll({ excludeDns: [`ou=people,${SUFFIX}`, `ou=groups,${SUFFIX}`] });
    expect(uids(entries)).toEqual(['pat', 'sam', 'sue']);
  });

  it('ANDs the extra filter into the user filter', async () => {
    const { entries } = await readAll({ baseDns: [`ou=people,${SUFFIX}`], extraFilter: '(departmentNumber=even)' });
    expect(entries).toHaveLength(60);
    expect(entries.every((e) => e.attributes['departmentnumber']?.[0] === 'even')).toBe(true);
  });

  it('keeps only members of a group, through nested groups', async () => {
    const { entries } = await readAll({ memberOfGroup: `cn=Engineering,ou=groups,${SUFFIX}` });
    const users = entries.filter((e) => e.attributes['objectclass']?.includes('inetOrgPerson'));
    expect(uids(users)).toEqual(['sam', 'user001', 'user003']);
    // groups stay in scope
    expect(entries.filter((e) => !e.attributes['objectclass']?.includes('inetOrgPerson'))).toHaveLength(4);
  });

  it('follows posixGroup memberUid and groupOfUniqueNames members', async () => {
    const unix = await readAll({ memberOfGroup: `cn=unix,ou=groups,${SUFFIX}` }, 'passwords');
    expect(unix.entries.map((e) => e.dn).sort()).toEqual([`uid=pat,ou=contractors,${SUFFIX}`, `uid=user004,ou=people,${SUFFIX}`]);
    const auditors = await readAll({ memberOfGroup: `cn=auditors,ou=groups,${SUFFIX}` }, 'passwords');
    expect(auditors.entries.map((e) => e.dn)).toEqual([`uid=user002,ou=people,${SUFFIX}`]);
  });

  it('says so when the memberOfGroup group does not exist', async () => {
    await expect(readAll({ memberOfGroup: `cn=nope,ou=groups,${SUFFIX}` })).rejects.toMatchObject({ code: 'DIR_SEARCH_FAILED', message: expect.stringContaining('cn=nope') });
  });

  it('rejects a malformed extra filter as a configuration error', () => {
    expect(() => createLdapSource(config({ extraFilter: '(&(uid=a)' }), logger)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('lists anchors in scope only', async () => {
    const source = createLdapSource(config({ excludeDns: [`ou=people,${SUFFIX}`] }), logger);
    const anchors: string[] = [];
    for await (const page of source.listAnchors()) anchors.push(...page);
    await source.close();
    expect(anchors).toHaveLength(7);
    expect(anchors.every((a) => /^[0-9a-f-]{36}$/.test(a))).toBe(true);
  });

  it('fails with DIR_SEARCH_FAILED naming a base DN that does not exist', async () => {
    await expect(readAll({ baseDns: [`ou=missing,${SUFFIX}`] })).rejects.toMatchObject({ code: 'DIR_SEARCH_FAILED', message: expect.stringContaining('ou=missing') });
  });
});

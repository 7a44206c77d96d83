import { describe, expect, it } from 'vitest';
import { compareWithDirectory, isClean, parseDirectoryDump, type TenantState } from './chaos-compare.js';

const dump = [
  'dn: uid=u1,ou=people,dc=x',
  'objectClass: inetOrgPerson',
  'entryUUID: a1',
  'uid: u1',
  'mail: U1@x.test',
  `displayName:: ${Buffer.from('Zoë One').toString('base64')}`,
  '',
  'dn: uid=u2,ou=people,dc=x',
  'objectClass: inetOrgPerson',
  'entryUUID: a2',
  'uid: u2',
  'mail: u2@x.test',
  'displayName: Two',
  'pwdAccountLockedTime: 000001010000Z',
  '',
  'dn: cn=g,ou=groups,dc=x',
  'objectClass: groupOfNames',
  'entryUUID: g1',
  'cn: g',
  'member: uid=u1,ou=people,dc=x',
  'member: UID=u2,ou=people,dc=x',
  '',
].join('\n');

const dir = parseDirectoryDump(dump, (uid) => (uid === 'u1' ? 'pw-1' : null));

function tenant(): TenantState {
  return {
    users: [
      { anchor: 'a1', upn_lower: 'u1@x.test', display_name: 'Zoë One', mail_lower: 'u1@x.test', enabled: 1 },
      { anchor: 'a2', upn_lower: 'u2@x.test', display_name: 'Two', mail_lower: 'u2@x.test', enabled: 0 },
    ],
    groups: [{ anchor: 'g1', name: 'g' }],
    memberships: [{ group_anchor: 'g1', member_anchor: 'a1' }, { group_anchor: 'g1', member_anchor: 'a2' }],
    verifierAnchors: new Set(['a1']),
  };
}

describe('the chaos comparison', () => {
  it('reads the dump: base64 values, the ppolicy lock as disabled, members by DN whatever the case', () => {
    expect(dir.users.get('a1')).toMatchObject({ upn: 'u1@x.test', displayName: 'Zoë One', enabled: true, password: 'pw-1' });
    expect(dir.users.get('a2')).toMatchObject({ enabled: false, password: null });
    expect([...dir.memberships]).toEqual(['g1>a1', 'g1>a2']);
  });

  it('finds nothing in a tenant that matches', () => {
    const found = compareWithDirectory(dir, tenant());
    // 2 users, 1 verifier, 1 group, 2 memberships
    expect(found).toMatchObject({ objectsCompared: 6, missing: 0, duplicated: 0, different: 0, extra: 0 });
    expect(isClean(found)).toBe(true);
  });

  it.each([
    ['a missing user', (t: TenantState) => { t.users.shift(); }, { missing: 1 }],
    ['a missing verifier', (t: TenantState) => { t.verifierAnchors.clear(); }, { missing: 1 }],
    ['a missing membership', (t: TenantState) => { t.memberships.pop(); }, { missing: 1 }],
    ['an enabled flag', (t: TenantState) => { t.users[1]!['enabled'] = 1; }, { different: 1 }],
    ['a display name', (t: TenantState) => { t.users[0]!['display_name'] = 'Zoe One'; }, { different: 1 }],
    ['a group name', (t: TenantState) => { t.groups[0]!['name'] = 'h'; }, { different: 1 }],
    ['a user copied under a second anchor, in the same group', (t: TenantState) => {
      t.users.push({ ...t.users[0]!, anchor: 'a1-copy' });
      t.memberships.push({ group_anchor: 'g1', member_anchor: 'a1-copy' });
    }, { duplicated: 2 }],
    ['a user copied under a second anchor with the stand-in UPN of a clash, in the same group', (t: TenantState) => {
      t.users.push({ ...t.users[0]!, anchor: 'a1-copy', upn_lower: 'u1+1a2b3c4d@x.test' });
      t.memberships.push({ group_anchor: 'g1', member_anchor: 'a1-copy' });
    }, { duplicated: 2 }],
    ['a group copied under a second anchor', (t: TenantState) => { t.groups.push({ anchor: 'g1-copy', name: 'G' }); }, { duplicated: 1 }],
    ['a user and a membership the directory lacks', (t: TenantState) => {
      t.users.push({ anchor: 'a9', upn_lower: 'u9@x.test', display_name: '', mail_lower: 'u9@x.test', enabled: 1 });
      t.memberships.push({ group_anchor: 'g1', member_anchor: 'a9' });
    }, { extra: 2 }],
  ] as const)('counts %s', (_, plant, counts) => {
    const t = tenant();
    plant(t);
    const found = compareWithDirectory(dir, t);
    expect(found).toMatchObject({ missing: 0, duplicated: 0, different: 0, extra: 0, ...counts });
    expect(isClean(found)).toBe(false);
    expect(found.examples).toHaveLength(Object.values(counts).reduce((a, b) => a + b, 0));
  });
});

import { describe, expect, it } from 'vitest';

import { normalizeDn } from './dn.js';
import { isMemberOf, memberClosure, memberValueToDn, type GroupMembers } from './member-of.js';

function groups(entries: Record<string, { dns?: string[]; uids?: string[] }>): Map<string, GroupMembers> {
  return new Map(Object.entries(entries).map(([dn, g]) => [normalizeDn(dn), { dns: (g.dns ?? []).map(normalizeDn), uids: g.uids ?? [], changeMark: `csn-${dn}` }]));
}

describe('memberClosure', () => {
  const directory = groups({
    'cn=all,ou=groups,dc=x': { dns: ['uid=a,ou=people,dc=x', 'cn=eng,ou=groups,dc=x'] },
    'cn=eng,ou=groups,dc=x': { dns: ['uid=b,ou=people,dc=x', 'cn=platform,ou=groups,dc=x'] },
    'cn=platform,ou=groups,dc=x': { dns: ['UID=C, ou=People,dc=x', 'cn=all,ou=groups,dc=x'], uids: ['dave'] },
    'cn=other,ou=groups,dc=x': { dns: ['uid=e,ou=people,dc=x'] },
  });

  it('follows nested groups, through a cycle, and includes memberUid names', () => {
    const closure = memberClosure('CN=All,ou=groups,dc=x', directory);
    expect(isMemberOf(closure, 'uid=a,ou=people,dc=x', [])).toBe(true);
    expect(isMemberOf(closure, 'uid=b,ou=people,dc=x', [])).toBe(true);
    expect(isMemberOf(closure, 'uid=c,ou=people,dc=x', [])).toBe(true);
    expect(isMemberOf(closure, 'uid=dave,ou=people,dc=x', ['Dave'])).toBe(true);
    expect(isMemberOf(closure, 'uid=e,ou=people,dc=x', ['e'])).toBe(false);
    expect([...closure.groups.keys()].sort()).toEqual(['cn=all,ou=groups,dc=x', 'cn=eng,ou=groups,dc=x', 'cn=platform,ou=groups,dc=x']);
  });

  it('starts from a nested group without climbing up', () => {
    const tree = groups({
      'cn=all,dc=x': { dns: ['uid=a,dc=x', 'cn=eng,dc=x'] },
      'cn=eng,dc=x': { dns: ['uid=b,dc=x', 'cn=platform,dc=x'] },
      'cn=platform,dc=x': { dns: ['uid=c,dc=x'] },
    });
    const closure = memberClosure('cn=eng,dc=x', tree);
    expect(isMemberOf(closure, 'uid=a,dc=x', [])).toBe(false);
    expect(isMemberOf(closure, 'uid=c,dc=x', [])).toBe(true);
  });

  it('yields nobody for an unknown group', () => {
    const closure = memberClosure('cn=missing,dc=x', directory);
    expect(closure.memberDns.size).toBe(0);
  });
});

describe('memberValueToDn', () => {
  it.each([
    ["uid=a,dc=x#'0101'B", 'uid=a,dc=x'],
    ['uid=a,dc=x', 'uid=a,dc=x'],
    ['cn=a\\#b,dc=x', 'cn=a\\#b,dc=x'],
  ])('%s -> %s', (value, dn) => {
    expect(memberValueToDn(value)).toBe(dn);
  });
});

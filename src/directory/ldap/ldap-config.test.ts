import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { escapeFilter } from 'ldapts';

import { checkFilter } from './ldap-config.js';
import { MEMBER_FILTER_MAX_BYTES, memberOfAny, scopeFilters } from './filters.js';

describe('checkFilter', () => {
  it.each(['(uid=a)', 'uid=a', '(&(uid=a)(cn=b))', '(cn=a\\28b\\29)'])('accepts %s', (filter) => {
    expect(() => checkFilter(filter, 'extraFilter')).not.toThrow();
  });
  it.each(['(&(uid=a)', '(uid=a))', '(uid=a)(cn=b)', '(uid=a', '((uid=a)', ''])('rejects %j with CONFIG_INVALID naming the key', (filter) => {
    expect(() => checkFilter(filter, 'extraFilter')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('extraFilter') }));
  });
  it('accepts any escaped value: a value cannot break out of its filter', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const filter = escapeFilter`(department=${value})`;
        return checkFilter(filter, 'extraFilter') === filter;
      }),
    );
  });
});

describe('scopeFilters', () => {
  it('uses the flavor defaults and ANDs the extra filter into users only', () => {
    const f = scopeFilters({ url: 'ldap://x', bindDn: '', bindPassword: '', baseDns: ['dc=x'], flavor: 'openldap', extraFilter: 'departmentNumber=42' });
    expect(f.users).toBe('(&(|(objectClass=inetOrgPerson)(objectClass=posixAccount))(departmentNumber=42))');
    expect(f.groups).toBe('(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))');
  });
  it('leaves memberOfGroup out of the static filters: each read narrows the users by it', () => {
    const f = scopeFilters({ url: 'ldap://x', bindDn: '', bindPassword: '', baseDns: ['dc=x'], flavor: 'ad', memberOfGroup: 'CN=Sales (EU),OU=Groups,DC=x' });
    expect(f.users).toBe('(&(objectCategory=person)(objectClass=user))');
    expect(f.groups).toBe('(objectClass=group)');
  });
  it('names direct members of the group and its nested groups, escaping each DN', () => {
    expect(memberOfAny(['CN=Sales (EU),OU=Groups,DC=x'])).toEqual(['(memberOf=CN=Sales \\28EU\\29,OU=Groups,DC=x)']);
    expect(memberOfAny(['CN=A,DC=x', 'CN=B*,DC=x'])).toEqual(['(|(memberOf=CN=A,DC=x)(memberOf=CN=B\\2a,DC=x))']);
  });
  it('splits the groups of a scope with thousands of nested groups into filters under the byte limit, each group once and in order', () => {
    const dn = fc.string({ minLength: 1, maxLength: 120 }).map((cn) => `CN=${cn},OU=Nested,DC=x`);
    fc.assert(
      fc.property(fc.array(dn, { minLength: 1, maxLength: 400 }), fc.integer({ min: 200, max: 20_000 }), (groups, maxBytes) => {
        const filters = memberOfAny(groups, maxBytes);
        const parsed = filters.flatMap((f) => {
          checkFilter(f, 'memberOfGroup');
          const parts = [...f.matchAll(/\(memberOf=((?:[^()\\]|\\[0-9a-f]{2})*)\)/g)].map((m) => m[1]!);
          // Over the limit only when one group alone is (it still gets a search of its own).
          if (Buffer.byteLength(f) > maxBytes) expect(parts).toHaveLength(1);
          return parts;
        });
        expect(parsed).toEqual(groups.map((g) => escapeFilter`${g}`));
      }),
      { numRuns: 100 },
    );
  });
  it('keeps 5,000 nested groups of realistic DNs in a few searches, each far below Samba\'s 256,000-byte request limit', () => {
    const groups = Array.from({ length: 5_000 }, (_, i) => `CN=Nested group number ${i},OU=Regional Groups,OU=Sales,DC=corp,DC=example`);
    const filters = memberOfAny(groups);
    expect(filters.length).toBeGreaterThan(1);
    expect(filters.length).toBeLessThanOrEqual(6);
    for (const f of filters) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(MEMBER_FILTER_MAX_BYTES);
  });
});

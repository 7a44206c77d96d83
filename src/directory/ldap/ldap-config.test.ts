import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { escapeFilter } from 'ldapts';

import { checkFilter } from './ldap-config.js';
import { memberOfAny, scopeFilters } from './filters.js';

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
    expect(memberOfAny(['CN=Sales (EU),OU=Groups,DC=x'])).toBe('(memberOf=CN=Sales \\28EU\\29,OU=Groups,DC=x)');
    expect(memberOfAny(['CN=A,DC=x', 'CN=B*,DC=x'])).toBe('(|(memberOf=CN=A,DC=x)(memberOf=CN=B\\2a,DC=x))');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { escapeFilter } from 'ldapts';

import { checkFilter } from './ldap-config.js';
import { scopeFilters } from './filters.js';

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
  it('asks an AD DC for nested membership with the in-chain rule, escaping the group DN', () => {
    const f = scopeFilters({ url: 'ldap://x', bindDn: '', bindPassword: '', baseDns: ['dc=x'], flavor: 'ad', memberOfGroup: 'CN=Sales (EU),OU=Groups,DC=x' });
    expect(f.users).toBe('(&(&(objectCategory=person)(objectClass=user))(memberOf:1.2.840.113556.1.4.1941:=CN=Sales \\28EU\\29,OU=Groups,DC=x))');
    expect(f.groups).toBe('(objectClass=group)');
  });
});

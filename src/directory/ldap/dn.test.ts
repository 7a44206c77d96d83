import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { dnParts, escapeDnValue, isDnWithin, normalizeDn } from './dn.js';

describe('normalizeDn', () => {
  it.each([
    ['uid=Alice,ou=People,dc=Example,dc=test', 'uid=alice,ou=people,dc=example,dc=test'],
    ['uid = alice , ou=people', 'uid=alice,ou=people'],
    ['cn=Smith\\, John,ou=people', 'cn=smith\\, john,ou=people'],
    ['cn=Smith\\2C John,ou=people', 'cn=smith\\, john,ou=people'],
    ['cn="Smith, John",ou=people', 'cn=smith\\, john,ou=people'],
    ['cn=b+uid=a,dc=x', 'cn=b+uid=a,dc=x'],
    ['uid=a+cn=b,dc=x', 'cn=b+uid=a,dc=x'],
    ['', ''],
    ['cn=a\\ ,dc=x', 'cn=a\\ ,dc=x'],
    ['cn=a\\\\ ,dc=x', 'cn=a\\\\,dc=x'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeDn(input)).toBe(expected);
  });

  const value = fc.string({ minLength: 1, maxLength: 12 });
  const dn = fc.array(fc.tuple(fc.constantFrom('cn', 'ou', 'uid', 'dc'), value), { minLength: 1, maxLength: 5 }).map((rdns) => rdns.map(([t, v]) => `${t}=${escapeDnValue(v)}`).join(','));

  it('is idempotent', () => {
    fc.assert(fc.property(dn, (d) => normalizeDn(normalizeDn(d)) === normalizeDn(d)));
  });

  it('keeps every RDN of an escaped value apart (no value can fake a separator)', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 4 }), (values) => {
        const d = values.map((v) => `cn=${escapeDnValue(v)}`).join(',');
        return dnParts(normalizeDn(d)).length === values.length && dnParts(d).length === values.length;
      }),
    );
  });
});

describe('isDnWithin', () => {
  it.each([
    ['uid=a,ou=People,dc=x', 'ou=people,dc=x', true],
    ['ou=people,dc=x', 'ou=people,dc=x', true],
    ['uid=a,ou=staff,dc=x', 'ou=people,dc=x', false],
    ['uid=a,ou=people2,dc=x', 'ou=people,dc=x', false],
    ['dc=x', 'ou=people,dc=x', false],
    ['cn=a\\,ou=people,dc=x', 'ou=people,dc=x', false],
  ])('%s within %s: %s', (dn, base, expected) => {
    expect(isDnWithin(dn, base)).toBe(expected);
  });

  it('holds for any child of any base', () => {
    const rdn = fc.tuple(fc.constantFrom('cn', 'ou', 'dc'), fc.string({ minLength: 1, maxLength: 8 })).map(([t, v]) => `${t}=${escapeDnValue(v)}`);
    fc.assert(
      fc.property(fc.array(rdn, { minLength: 1, maxLength: 3 }), fc.array(rdn, { minLength: 0, maxLength: 3 }), (base, extra) => {
        const b = base.join(',');
        return isDnWithin([...extra, b].join(','), b);
      }),
    );
  });
});

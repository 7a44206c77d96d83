import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { memberClosure, isMemberOf } from './ldap/member-of.js';
import { dnParts, escapeDnValue, isDnWithin, isUnder, normalizeDn, normalizeDnFully } from './dn.js';

const dnLike = fc.array(fc.constantFrom('uid', 'CN', ' ou ', '=', ',', ';', '+', ' ', '\\', '"', 'Ann', 'é', 'x,y', 'dc=example', '#', '<', '2C', '\\2C'), { maxLength: 16 }).map((parts) => parts.join(''));

describe('normalizeDn', () => {
  it.each([
    ['uid=Alice,ou=People,dc=Example,dc=test', 'uid=alice,ou=people,dc=example,dc=test'],
    ['UID=Ann , OU=People,dc=Example,DC=org', 'uid=ann,ou=people,dc=example,dc=org'],
    ['uid = alice , ou=people', 'uid=alice,ou=people'],
    ['cn=Smith\\, John,ou=people', 'cn=smith\\, john,ou=people'],
    ['cn=Smith\\2C John,ou=people', 'cn=smith\\, john,ou=people'],
    ['cn=Smith\\2c John,ou=people', 'cn=smith\\, john,ou=people'],
    ['cn="Smith, John",ou=people', 'cn=smith\\, john,ou=people'],
    ['cn="a,b";dc=x', 'cn=a\\,b,dc=x'],
    ['cn=b+uid=a,dc=x', 'cn=b+uid=a,dc=x'],
    ['uid=a+cn=B,dc=x', 'cn=b+uid=a,dc=x'],
    ['cn=a=b,dc=x', 'cn=a\\=b,dc=x'],
    ['cn=\\#1,dc=x', 'cn=\\#1,dc=x'],
    ['cn=\\23\\31,dc=x', 'cn=\\#1,dc=x'],
    ['cn=Ren\\C3\\A9,dc=x', 'cn=rené,dc=x'],
    ['', ''],
    ['cn=a\\ ,dc=x', 'cn=a\\ ,dc=x'],
    ['cn=a\\\\ ,dc=x', 'cn=a\\\\,dc=x'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeDn(input)).toBe(expected);
  });

  it('takes its lower-case shortcut only where the full reading gives the same answer', () => {
    const withCase = fc.array(fc.constantFrom('uid', 'CN', 'OU', ' ', '=', ',', 'ΟΔΟΣ', 'Σ', '.', 'İ', 'ß', 'Ann', '\t', ';', '+', '\\', 'dc=Example', '#', '>'), { maxLength: 16 }).map((parts) => parts.join(''));
    fc.assert(fc.property(fc.oneof(dnLike, withCase, fc.string()), (dn) => {
      expect(normalizeDn(dn)).toBe(normalizeDnFully(dn));
    }), { numRuns: 2000 });
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

/** The spellings RFC 4514 allows for one value: minimal escapes, every byte hex-escaped, quoted, other case. */
function spellings(type: string, v: string): string[] {
  const hex = [...Buffer.from(v, 'utf8')].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
  const forms = [`${type}=${escapeDnValue(v)}`, `${type}=${hex}`, `${type.toUpperCase()}=${hex.toUpperCase()}`, `${type} = ${escapeDnValue(v.toUpperCase() === v.toLowerCase() ? v : v)}`];
  if (!/["\\]/.test(v)) forms.push(`${type}="${v}"`);
  return forms;
}

describe('equivalent DN spellings (finding 8: cn=Smith\\, John vs cn=Smith\\2C John)', () => {
  // Printable values with the characters that need escaping, but no leading/trailing space (quotes keep those).
  const value = fc.string({ minLength: 1, maxLength: 10, unit: fc.constantFrom('a', 'B', 'é', ',', '+', '=', '"', '\\', '<', '#', ';', ' ', 'Σ', '1') }).filter((v) => v.trim() === v);
  const rest = fc.array(fc.tuple(fc.constantFrom('ou', 'dc'), value), { maxLength: 3 }).map((rdns) => rdns.map(([t, v]) => `${t}=${escapeDnValue(v)}`).join(','));

  it('normalize equal, and are equal in scope checks and member resolution alike', () => {
    fc.assert(
      fc.property(value, rest, fc.nat(), fc.nat(), (v, parent, i, j) => {
        const forms = spellings('cn', v).map((rdn) => (parent ? `${rdn},${parent}` : rdn));
        const a = forms[i % forms.length] as string;
        const b = forms[j % forms.length] as string;
        expect(normalizeDn(a)).toBe(normalizeDn(b));
        // Scope: each spelling lies within the other, and within its parent however that is spelled.
        expect(isDnWithin(a, b) && isDnWithin(b, a) && isUnder(a, b)).toBe(true);
        if (parent) expect(isDnWithin(a, parent.toUpperCase()) === isDnWithin(b, parent)).toBe(true);
        // Members: a group listing one spelling has the entry read under the other as a member.
        const group = 'cn=g,dc=x';
        const closure = memberClosure(group, new Map([[normalizeDn(group), { dns: [normalizeDn(a)], uids: [] }]]));
        expect(isMemberOf(closure, b, undefined)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('isDnWithin', () => {
  it.each([
    ['uid=a,ou=People,dc=x', 'ou=people,dc=x', true],
    ['uid=a,OU=People,dc=x', 'ou=people, dc=x', true],
    ['ou=people,dc=x', 'ou=people,dc=x', true],
    ['uid=a,ou=staff,dc=x', 'ou=people,dc=x', false],
    ['uid=a,ou=people2,dc=x', 'ou=people,dc=x', false],
    ['uid=a,ou=peoplex,dc=x', 'ou=people,dc=x', false],
    ['dc=x', 'ou=people,dc=x', false],
    ['cn=a\\,ou=people,dc=x', 'ou=people,dc=x', false],
    ['cn=a,ou=Sales\\2C EMEA,dc=x', 'ou=sales\\, emea,dc=x', true],
  ])('%s within %s: %s', (child, base, expected) => {
    expect(isDnWithin(child, base)).toBe(expected);
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

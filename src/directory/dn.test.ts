import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { isUnder, normalizeDn, normalizeDnFully, splitEscapedRdns, splitRdns } from './dn.js';

const dnLike = fc.array(fc.constantFrom('uid', 'CN', ' ou ', '=', ',', ';', '+', ' ', '\\', '"', 'Ann', 'é', 'x,y', 'dc=example'), { maxLength: 16 }).map((parts) => parts.join(''));

describe('DN splitting and normalization', () => {
  it('splits like the escape-aware reading, whatever the DN (the fast path for plain DNs agrees)', () => {
    fc.assert(fc.property(dnLike, (dn) => {
      expect(splitRdns(dn)).toEqual(splitEscapedRdns(dn));
    }));
  });

  it('normalizes like the RDN-by-RDN reading, whatever the DN (the lower-case shortcut agrees)', () => {
    const withCase = fc.array(fc.constantFrom('uid', 'CN', 'OU', ' ', '=', ',', 'ΟΔΟΣ', 'Σ', '.', 'İ', 'ß', 'Ann', '\t', ';', '+', '\\', 'dc=Example'), { maxLength: 16 }).map((parts) => parts.join(''));
    fc.assert(fc.property(fc.oneof(dnLike, withCase, fc.string()), (dn) => {
      expect(normalizeDn(dn)).toBe(normalizeDnFully(dn));
    }), { numRuns: 2000 });
  });

  it.each([
    ['UID=Ann , OU=People,dc=Example,DC=org', 'uid=ann,ou=people,dc=example,dc=org'],
    ['cn=B+uid=a,dc=x', 'cn=b+uid=a,dc=x'],
    ['uid=a+cn=B,dc=x', 'cn=b+uid=a,dc=x'],
    ['cn=Smith\\, John,dc=x', 'cn=smith\\, john,dc=x'],
    ['cn="a,b";dc=x', 'cn="a,b",dc=x'],
  ])('normalizes %s', (dn, normalized) => {
    expect(normalizeDn(dn)).toBe(normalized);
  });

  it('tells whether a DN lies under a base', () => {
    expect(isUnder('uid=a,OU=People,dc=x', 'ou=people, dc=x')).toBe(true);
    expect(isUnder('ou=people,dc=x', 'ou=people,dc=x')).toBe(true);
    expect(isUnder('uid=a,ou=peoplex,dc=x', 'ou=people,dc=x')).toBe(false);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeSourceDigest, parseStoredPassword } from '../passwords/index.js';
import {
  addLdif, benchPassword, deleteLdif, groupCount, groupEntry, modifyLdif, passwordChangeLdif, sshaHash, userDn, userEntry, writeDirectoryLdif, GROUP_SIZE,
} from './directory-generator.js';

const SUFFIX = 'dc=bench,dc=example,dc=test';

/** Unfolded LDIF records: attribute -> values, with base64 values decoded. */
function records(ldif: string): Array<Map<string, string[]>> {
  return ldif.split(/\n\n+/).filter((r) => r.trim()).map((record) => {
    const map = new Map<string, string[]>();
    for (const line of record.split('\n').filter(Boolean)) {
      const m = /^([A-Za-z][\w-]*)(::?) ?(.*)$/.exec(line);
      if (!m) throw new Error(`not an LDIF line: ${line}`);
      const value = m[2] === '::' ? Buffer.from(m[3]!, 'base64').toString('utf8') : m[3]!;
      map.set(m[1]!, [...(map.get(m[1]!) ?? []), value]);
    }
    return map;
  });
}

describe('sshaHash', () => {
  it('is an {SSHA} value the password domain parses and verifies', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), async (password) => {
      const source = parseStoredPassword(sshaHash(password));
      expect(source.scheme).toBe('SSHA');
      expect((await computeSourceDigest(source.scheme, source.params, password)).equals(source.digest)).toBe(true);
      expect((await computeSourceDigest(source.scheme, source.params, `${password}x`)).equals(source.digest)).toBe(false);
    }), { numRuns: 50 });
  });

  it('salts each hash', () => {
    expect(sshaHash('same')).not.toBe(sshaHash('same'));
  });
});

describe('directory LDIF', () => {
  it('writes every user and N/50 groups of 50 members that exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-gen-'));
    try {
      const file = join(dir, 'd.ldif');
      const counts = await writeDirectoryLdif(file, { suffix: SUFFIX, users: 120, passwordSample: 10 });
      expect(counts).toEqual({ users: 120, groups: 2, memberships: 100 });
      const parsed = records(readFileSync(file, 'utf8'));
      const users = parsed.filter((r) => r.get('objectClass')?.includes('inetOrgPerson'));
      const groups = parsed.filter((r) => r.get('objectClass')?.includes('groupOfNames'));
      expect(users).toHaveLength(120);
      expect(groups).toHaveLength(groupCount(120));
      const dns = new Set(users.map((u) => u.get('dn')![0]));
      expect(dns.size).toBe(120);
      for (const g of groups) {
        expect(g.get('member')).toHaveLength(GROUP_SIZE);
        for (const m of g.get('member')!) expect(dns.has(m)).toBe(true);
      }
      expect(users.filter((u) => u.get('employeeType')?.[0] === 'password-sample')).toHaveLength(10);
      for (const attr of ['cn', 'sn', 'givenName', 'displayName', 'mail', 'title', 'userPassword']) expect(users[7]!.get(attr)).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('base64-encodes non-ASCII values (RFC 2849) and keeps them intact', () => {
    const withAccents = Array.from({ length: 60 }, (_, i) => userEntry(i, { suffix: SUFFIX, passwordSample: 0 })).join('\n');
    expect(withAccents).toMatch(/^cn:: /m);
    const names = records(withAccents).flatMap((r) => r.get('cn') ?? []);
    expect(names.some((n) => /[éü]/.test(n))).toBe(true);
  });

  it("stores the user's password of the given generation", async () => {
    const entry = records(userEntry(3, { suffix: SUFFIX, passwordSample: 0 }, 2))[0]!;
    const source = parseStoredPassword(entry.get('userPassword')![0]!);
    expect((await computeSourceDigest('SSHA', source.params, benchPassword(3, 2))).equals(source.digest)).toBe(true);
  });

  it('makes change files with one record per user', () => {
    expect(records(modifyLdif([1, 2], SUFFIX, 't'))).toHaveLength(2);
    expect(records(deleteLdif([5], SUFFIX))[0]!.get('dn')).toEqual([userDn(5, SUFFIX)]);
    expect(records(addLdif([9, 10], { suffix: SUFFIX, passwordSample: 0 }))).toHaveLength(2);
    const change = records(passwordChangeLdif([4], SUFFIX, 3))[0]!;
    expect(change.get('replace')).toEqual(['userPassword']);
    expect(records(groupEntry(0, SUFFIX))[0]!.get('member')![0]).toBe(userDn(0, SUFFIX));
  });
});

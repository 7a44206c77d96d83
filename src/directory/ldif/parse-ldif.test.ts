import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError, isAppError } from '../../shared/errors.js';
import type { DirectoryEntry } from '../entry.js';
import { formatLdif } from './format-ldif.js';
import { parseLdif } from './parse-ldif.js';
import { readLdifFile } from './read-ldif-file.js';

const strip = (entries: Array<DirectoryEntry & { line: number }>): DirectoryEntry[] => entries.map(({ dn, attributes }) => ({ dn, attributes }));

describe('parseLdif', () => {
  it('reads content records with comments, folding, base64, options, CRLF and a BOM', () => {
    const text = [
      '\uFEFFversion: 1',
      '# a comment that is',
      '  folded over two lines',
      '',
      'dn: uid=emma.jansen,ou=People,dc=example,dc=org',
      'objectClass: inetOrgPerson',
      'objectClass: person',
      'cn: Emma Jan',
      ' sen',
      'CN;lang-nl: Emma',
      'sn:: SmFuc2Vu',
      'description:: w6lsw6h2ZSDigqw=',
      'mail:  emma.jansen@example.org',
      '',
      '',
      '# second entry',
      'dn:: dWlkPWpvcmlzLGRjPWV4YW1wbGUsZGM9b3Jn',
      'userCertificate;binary:: AP8=',
      'empty:',
      'constructor: x',
      '',
    ].join('\r\n');
    const { entries, errors } = parseLdif(text);
    expect(errors).toEqual([]);
    expect(entries).toEqual<Array<DirectoryEntry & { line: number }>>([
      {
        dn: 'uid=emma.jansen,ou=People,dc=example,dc=org',
        line: 5,
        attributes: {
          objectclass: ['inetOrgPerson', 'person'],
          cn: ['Emma Jansen', 'Emma'],
          sn: ['Jansen'],
          description: ['élève €'],
          mail: ['emma.jansen@example.org'],
        },
      },
      { dn: 'uid=joris,dc=example,dc=org', line: 17, attributes: { usercertificate: ['AP8='], empty: [''], constructor: ['x'] } },
    ]);
  });

  it('accepts version: 1 directly followed by a record', () => {
    const { entries, errors } = parseLdif('version: 1\ndn: cn=a\ncn: a\n');
    expect(errors).toEqual([]);
    expect(entries).toEqual([{ dn: 'cn=a', line: 2, attributes: { cn: ['a'] } }]);
  });

  it.each([
    ['dn: cn=a\ncn a\n', 2, 'no colon'],
    ['dn: cn=a\njpegPhoto:< file:///tmp/x.jpg\n', 2, 'URL'],
    ['dn: cn=a\nchangetype: modify\nreplace: cn\ncn: b\n', 2, 'changetype'],
    ['cn: a\n', 1, 'must start with "dn:"'],
    ['dn: cn=a\nsn:: !!!\n', 2, 'base64'],
    ['dn: cn=a\nbad_name: x\n', 2, 'attribute name'],
    ['dn:\ncn: a\n', 1, 'DN is empty'],
    ['version: 2\n\ndn: cn=a\n', 1, 'version'],
    ['dn: cn=a\ncn: a\ndn: cn=b\n', 3, 'second "dn:"'],
  ])('reports %j as LDIF_SYNTAX at line %i', (text, line, reason) => {
    const { errors } = parseLdif(text);
    expect(errors).toHaveLength(1);
    const [error] = errors as [AppError];
    expect(isAppError(error, 'LDIF_SYNTAX')).toBe(true);
    expect(error.message).toMatch(new RegExp(`^Line ${line}: `));
    expect(error.message).toContain(reason);
    expect(error.details?.line).toBe(line);
  });

  it('skips a malformed record and still parses the others, naming line and DN', () => {
    const text = formatLdif([
      { dn: 'cn=one,dc=example,dc=org', attributes: { cn: ['one'] } },
      { dn: 'cn=two,dc=example,dc=org', attributes: { cn: ['two'] } },
      { dn: 'cn=three,dc=example,dc=org', attributes: { cn: ['three'] } },
    ]).replace('cn: two', 'userPassword {SSHA}secret');
    const { entries, errors } = parseLdif(text);
    expect(entries.map((e) => e.dn)).toEqual(['cn=one,dc=example,dc=org', 'cn=three,dc=example,dc=org']);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.details).toEqual({ line: 7, dn: 'cn=two,dc=example,dc=org' });
    // The line may hold a secret: it is never quoted.
    expect(errors[0]?.message).not.toContain('secret');
  });

  it('reports a DN that appears twice', () => {
    const { entries, errors } = parseLdif('dn: cn=a\ncn: a\n\ndn: CN=A\ncn: b\n');
    expect(entries).toHaveLength(1);
    expect(errors[0]?.message).toBe('Line 4: the DN appears again; the first entry with it is at line 1 (entry CN=A).');
  });

  it('gives back what formatLdif printed, for arbitrary entries', () => {
    const name = fc
      .oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), fc.constantFrom('constructor', 'hasownproperty', 'valueof'))
      .filter((n) => !['dn', 'changetype', 'control', 'version'].includes(n));
    const text = fc.string({ unit: 'binary', maxLength: 120 }).filter((s) => !/\p{Cs}/u.test(s)); // lone surrogates have no UTF-8 form
    const entry = fc.record({
      dn: text.filter((s) => s.trim() !== ''),
      attributes: fc.dictionary(name, fc.array(text, { minLength: 1, maxLength: 4 }), { maxKeys: 6 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { maxLength: 6, selector: (e) => e.dn.toLowerCase() }), (entries) => {
        const parsed = parseLdif(formatLdif(entries, { header: 'generated\nby a test', version: entries.length % 2 === 0 }));
        expect(parsed.errors).toEqual([]);
        expect(strip(parsed.entries)).toEqual(entries.map((e) => ({ dn: e.dn, attributes: { ...e.attributes } })));
      }),
      { numRuns: 200 },
    );
  }, 30_000);

  it('never throws on garbage: errors are returned', () => {
    const line = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom('dn: cn=x', 'dn:: ', 'version: 1', ' ', '', '#', 'cn: a', 'a:: b', 'changetype: add', 'x:< y', '\uFEFF', '\r'),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        const result = parseLdif(lines.join(eol));
        for (const error of result.errors) {
          expect(isAppError(error, 'LDIF_SYNTAX')).toBe(true);
          expect(error.message).toMatch(/^Line \d+: /);
        }
        for (const entry of result.entries) expect(entry.line).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  }, 30_000);
});

describe('readLdifFile', () => {
  it('reads a file and refuses a missing or non-UTF-8 one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dirbridge-ldif-'));
    try {
      const good = join(dir, 'good.ldif');
      await writeFile(good, 'dn: cn=é\ncn: é\n');
      expect((await readLdifFile(good)).entries).toEqual([{ dn: 'cn=é', line: 1, attributes: { cn: ['é'] } }]);
      await expect(readLdifFile(join(dir, 'missing.ldif'))).rejects.toMatchObject({ code: 'LDIF_FILE_UNREADABLE', details: { reason: 'ENOENT' } });
      const latin1 = join(dir, 'latin1.ldif');
      await writeFile(latin1, Buffer.from('dn: cn=\xe9\n', 'latin1'));
      await expect(readLdifFile(latin1)).rejects.toMatchObject({ code: 'LDIF_FILE_UNREADABLE', details: { reason: 'not UTF-8' } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { computeSourceDigest, parseStoredPassword } from '../../passwords/schemes.js';
import { SAMPLE_FAULTS, SAMPLE_GROUPS, SAMPLE_PEOPLE, samplePassword, samplePersonDn, sampleGroupDn } from '../../../test/fixtures/sample.js';
import { readLdifFile } from './read-ldif-file.js';

const path = fileURLToPath(new URL('../../../sample/directory.ldif', import.meta.url));

describe('the bundled sample directory', () => {
  it('parses, with one LDIF error that names the malformed line', async () => {
    const { entries, errors } = await readLdifFile(path);
    const badLine = readFileSync(path, 'utf8').split('\n').indexOf('title Consultant') + 1;
    expect(badLine).toBeGreaterThan(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'LDIF_SYNTAX', details: { line: badLine, dn: `uid=${SAMPLE_FAULTS.malformedLine.key},ou=People,dc=example,dc=org` } });
    // base, two OUs, the people except the malformed one, the groups
    expect(entries).toHaveLength(3 + SAMPLE_PEOPLE.length - 1 + SAMPLE_GROUPS.length);
  });

  it('holds the documented user, the deliberate faults and the groups', async () => {
    const { entries } = await readLdifFile(path);
    const byDn = new Map(entries.map((e) => [e.dn, e.attributes]));
    const emma = byDn.get('uid=emma.jansen,ou=People,dc=example,dc=org');
    expect(emma?.mail).toEqual(['emma.jansen@example.org']);
    expect(byDn.get('uid=emma.janssen,ou=People,dc=example,dc=org')?.mail).toEqual(['emma.jansen@example.org']);
    const pieter = byDn.get('cn=Pieter Bakker,ou=People,dc=example,dc=org');
    expect(pieter?.uid).toBeUndefined();
    expect(pieter?.mail).toBeUndefined();
    expect(pieter?.sn).toEqual(['Bakker']);
    expect(byDn.get(sampleGroupDn('Engineering'))?.member).toContain(sampleGroupDn('IT Admins'));
    expect(entries.filter((e) => e.attributes.objectclass?.includes('groupOfNames'))).toHaveLength(8);
    expect(byDn.get('uid=zoe.vanderveen,ou=People,dc=example,dc=org')?.givenname).toEqual(['Zoë']);
  });

  it('stores samplePassword(uid) for every person, in the intended schemes', async () => {
    const { entries } = await readLdifFile(path);
    const byDn = new Map(entries.map((e) => [e.dn, e.attributes]));
    const schemes = new Set<string>();
    for (const person of SAMPLE_PEOPLE) {
      if (person.key === SAMPLE_FAULTS.malformedLine.key) continue;
      const [value] = byDn.get(samplePersonDn(person))?.userpassword ?? [];
      const source = parseStoredPassword(value ?? '');
      schemes.add(source.scheme);
      const digest = await computeSourceDigest(source.scheme, source.params, samplePassword(person.key));
      expect(digest.equals(source.digest), person.key).toBe(true);
    }
    expect([...schemes].sort()).toEqual(['CLEARTEXT', 'CRYPT-SHA512', 'SSHA']);
    expect(samplePassword('emma.jansen')).toBe('Sample-emma.jansen-2026!');
  });
});

/**
 * Writes sample/directory.ldif, the bundled sample directory (run once, commit the output):
 *
 *   npx tsx scripts/make-sample-ldif.ts
 *
 * Password hashes come from OpenLDAP's own `slappasswd` when it is installed ({SSHA}, and
 * {CRYPT}$6$ for one user); without it the script computes the same formats with node:crypto and
 * the sha-crypt code in src/passwords (the file then says so in its header). Each password is
 * samplePassword(uid) from test/fixtures/sample.ts, e.g. Sample-emma.jansen-2026!.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatLdif } from '../src/directory/ldif/format-ldif.js';
import type { DirectoryEntry } from '../src/directory/entry.js';
import { shaCryptChecksum } from '../src/passwords/crypt.js';
import {
  SAMPLE_BASE_DN,
  SAMPLE_FAULTS,
  SAMPLE_GROUPS,
  SAMPLE_GROUPS_DN,
  SAMPLE_PEOPLE,
  SAMPLE_PEOPLE_DN,
  samplePassword,
  samplePersonDn,
  sampleGroupDn,
} from '../test/fixtures/sample.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = resolve(root, 'sample/directory.ldif');

function hasSlappasswd(): boolean {
  try {
    execFileSync('slappasswd', ['-h', '{SSHA}', '-s', 'probe'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

const useSlappasswd = hasSlappasswd();

function sshaHash(password: string): string {
  if (useSlappasswd) return execFileSync('slappasswd', ['-h', '{SSHA}', '-s', password], { encoding: 'utf8' }).trim();
  const salt = randomBytes(8);
  return `{SSHA}${Buffer.concat([createHash('sha1').update(password).update(salt).digest(), salt]).toString('base64')}`;
}

function sha512CryptHash(password: string): string {
  if (useSlappasswd) return execFileSync('slappasswd', ['-h', '{CRYPT}', '-c', '$6$rounds=5000$%.16s', '-s', password], { encoding: 'utf8' }).trim();
  const salt = randomBytes(12).toString('base64').replaceAll('+', '.');
  return `{CRYPT}$6$rounds=5000$${salt}$${shaCryptChecksum('sha512', Buffer.from(password), salt, 5000)}`;
}

const entries: DirectoryEntry[] = [
  { dn: SAMPLE_BASE_DN, attributes: { objectClass: ['top', 'dcObject', 'organization'], dc: ['example'], o: ['Example Organisation'] } },
  { dn: SAMPLE_PEOPLE_DN, attributes: { objectClass: ['top', 'organizationalUnit'], ou: ['People'] } },
  { dn: SAMPLE_GROUPS_DN, attributes: { objectClass: ['top', 'organizationalUnit'], ou: ['Groups'] } },
];

for (const [index, person] of SAMPLE_PEOPLE.entries()) {
  const cn = `${person.givenName} ${person.sn}`;
  const password = samplePassword(person.key);
  const attributes: Record<string, string[]> = { objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'] };
  if (person.key !== SAMPLE_FAULTS.noUidNoMail.key) attributes.uid = [person.key];
  attributes.cn = [cn];
  attributes.givenName = [person.givenName];
  attributes.sn = [person.sn];
  attributes.displayName = [cn];
  if (person.key === SAMPLE_FAULTS.duplicateMail.key) attributes.mail = [`${SAMPLE_FAULTS.duplicateMail.mailOf}@example.org`];
  else if (person.key !== SAMPLE_FAULTS.noUidNoMail.key) attributes.mail = [`${person.key}@example.org`];
  attributes.employeeNumber = [String(1001 + index)];
  if (person.title) attributes.title = [person.title];
  attributes.userPassword = [
    person.key === SAMPLE_FAULTS.cleartext.key ? password : person.key === SAMPLE_FAULTS.cryptSha512.key ? sha512CryptHash(password) : sshaHash(password),
  ];
  entries.push({ dn: samplePersonDn(person), attributes });
}

const personDn = new Map(SAMPLE_PEOPLE.map((p) => [p.key, samplePersonDn(p)]));
for (const group of SAMPLE_GROUPS) {
  const member = group.members.map((m) => {
    if (m.startsWith('group:')) return sampleGroupDn(m.slice('group:'.length));
    const dn = personDn.get(m);
    if (!dn) throw new Error(`group ${group.cn}: unknown member ${m}`);
    return dn;
  });
  entries.push({ dn: sampleGroupDn(group.cn), attributes: { objectClass: ['top', 'groupOfNames'], cn: [group.cn], description: [group.description], member } });
}

const header = [
  'dirbridge sample directory: written by scripts/make-sample-ldif.ts; do not edit by hand.',
  `Passwords are Sample-<uid>-2026! (for example uid=emma.jansen: Sample-emma.jansen-2026!), hashed by ${useSlappasswd ? 'slappasswd' : 'node:crypto (slappasswd was not installed)'}.`,
  'Deliberate faults, so the first sync has something to report:',
  `- uid=${SAMPLE_FAULTS.duplicateMail.key} has the mail of uid=${SAMPLE_FAULTS.duplicateMail.mailOf} (duplicate mail)`,
  `- cn=Pieter Bakker has no uid and no mail, so no user principal name can be formed`,
  `- uid=${SAMPLE_FAULTS.malformedLine.key} has a line without a colon (LDIF syntax error; the rest still syncs)`,
  `- uid=${SAMPLE_FAULTS.cryptSha512.key} has a {CRYPT}$6$ password, uid=${SAMPLE_FAULTS.cleartext.key} a cleartext one`,
].join('\n');

// No version line: slapadd (OpenLDAP 2.5) refuses it; with its one malformed line fixed the sample
// loads into slapd (checked with slapadd against core, cosine and inetorgperson schemas).
let text = formatLdif(entries, { header, version: false });
// Break one line on purpose: "title: Consultant" loses its colon.
const broken = text.replace(/(dn: uid=milan\.vos,[^\n]*\n(?:[^\n]+\n)*?)title: Consultant\n/, '$1title Consultant\n');
if (broken === text) throw new Error('could not place the malformed line');
text = broken;

mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, text);
console.log(`wrote ${entries.length} entries to ${target}`);

/**
 * The benchmark's synthetic directory: N inetOrgPerson users with realistic attributes and an
 * {SSHA} userPassword, and N/50 groupOfNames of 50 members, as LDIF for `slapadd -q`, plus the
 * change files (modify, add, delete, password change) the delta and password figures apply
 * online. {SSHA} is computed here in Node (sha1(password + 8-byte salt) + salt, base64): forking
 * `slappasswd` 100,000 times would take minutes and measure nothing of interest.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const GROUP_SIZE = 50;

const GIVEN = ['Anna', 'Bram', 'Chloé', 'Daan', 'Eva', 'Finn', 'Greet', 'Hugo', 'Iris', 'Jan', 'Kim', 'Lars', 'Mila', 'Noah', 'Olga', 'Piet', 'Quinn', 'Roos', 'Sem', 'Tess', 'Umar', 'Vera', 'Wout', 'Xena', 'Yara', 'Zeno'];
const FAMILY = ['de Vries', 'Jansen', 'Bakker', 'Visser', 'Smit', 'Meijer', 'Mulder', 'de Boer', 'Bos', 'Vos', 'Peters', 'Hendriks', 'van Dijk', 'Dekker', 'Brouwer', 'de Wit', "O'Neil", 'Müller', 'García', 'Nguyen'];
const TITLES = ['Engineer', 'Analyst', 'Manager', 'Consultant', 'Designer', 'Accountant', 'Nurse', 'Teacher', 'Technician', 'Officer'];
const CITIES = ['Amsterdam', 'Rotterdam', 'Utrecht', 'Gent', 'Antwerpen', 'Eindhoven', 'Groningen', 'Brussel'];
const DEPARTMENTS = ['Finance', 'Sales', 'Research', 'Operations', 'Support', 'Legal', 'HR', 'IT'];

export interface DirectoryShape {
  suffix: string;
  /** Users are numbered 0..users-1 (and upwards for users added later). */
  users: number;
  /** Users 0..passwordSample-1 carry `employeeType: password-sample`, the scope of the password figures. */
  passwordSample: number;
}

export const PEOPLE_OU = 'people';
export const GROUPS_OU = 'groups';
export const PASSWORD_SAMPLE_FILTER = '(employeeType=password-sample)';

export function uidOf(i: number): string {
  return `u${String(i).padStart(7, '0')}`;
}

export function userDn(i: number, suffix: string): string {
  return `uid=${uidOf(i)},ou=${PEOPLE_OU},${suffix}`;
}

export function groupDn(g: number, suffix: string): string {
  return `cn=team-${String(g).padStart(5, '0')},ou=${GROUPS_OU},${suffix}`;
}

/** The synthetic user's password in its `generation` (1 at load, +1 per change). Test data only. */
export function benchPassword(i: number, generation: number): string {
  return `Bench-${uidOf(i)}-pw-${generation}`;
}

export function mailOf(i: number, suffix: string): string {
  return `${uidOf(i)}@${domainOf(suffix)}`;
}

function domainOf(suffix: string): string {
  const parts = suffix.split(',').map((p) => p.trim()).filter((p) => /^dc=/i.test(p)).map((p) => p.slice(3));
  return parts.length > 0 ? parts.join('.') : 'example.test';
}

/** RFC 2307 {SSHA}: base64(sha1(password || salt) || salt), an 8-byte random salt. */
export function sshaHash(password: string, salt: Buffer = randomBytes(8)): string {
  const digest = createHash('sha1').update(password, 'utf8').update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** LDIF value: base64 (`attr:: ...`) when it is not a safe string (RFC 2849), e.g. with non-ASCII. */
function attr(name: string, value: string): string {
  return /^[\x01-\x09\x0b\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b\x0c\x0e-\x7f]*$/.test(value)
    ? `${name}: ${value}`
    : `${name}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
}

function pick<T>(list: readonly T[], i: number, salt: number): T {
  return list[(i * 7919 + salt * 104729) % list.length] as T;
}

export function userEntry(i: number, shape: Pick<DirectoryShape, 'suffix' | 'passwordSample'>, generation = 1): string {
  const given = pick(GIVEN, i, 1);
  const family = pick(FAMILY, i, 2);
  const lines = [
    `dn: ${userDn(i, shape.suffix)}`,
    'objectClass: inetOrgPerson',
    `uid: ${uidOf(i)}`,
    attr('cn', `${given} ${family} ${i}`),
    attr('sn', family),
    attr('givenName', given),
    attr('displayName', `${given} ${family} (${uidOf(i)})`),
    `mail: ${mailOf(i, shape.suffix)}`,
    `title: ${pick(TITLES, i, 3)}`,
    `departmentNumber: ${pick(DEPARTMENTS, i, 4)}`,
    attr('l', pick(CITIES, i, 5)),
    `telephoneNumber: +31 20 ${String(1_000_000 + (i % 9_000_000)).slice(-7)}`,
    `employeeNumber: ${100000 + i}`,
    `employeeType: ${i < shape.passwordSample ? 'password-sample' : 'staff'}`,
    `userPassword: ${sshaHash(benchPassword(i, generation))}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function groupEntry(g: number, suffix: string): string {
  const members: string[] = [];
  for (let k = 0; k < GROUP_SIZE; k++) members.push(`member: ${userDn(g * GROUP_SIZE + k, suffix)}`);
  return `dn: ${groupDn(g, suffix)}\nobjectClass: groupOfNames\ncn: team-${String(g).padStart(5, '0')}\ndescription: Team ${g}\n${members.join('\n')}\n`;
}

export function groupCount(users: number): number {
  return Math.floor(users / GROUP_SIZE);
}

/** Writes the whole directory (OUs, users, groups) as LDIF without holding it in memory. */
export async function writeDirectoryLdif(file: string, shape: DirectoryShape): Promise<{ users: number; groups: number; memberships: number }> {
  const out = createWriteStream(file);
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`dn: ou=${PEOPLE_OU},${shape.suffix}\nobjectClass: organizationalUnit\nou: ${PEOPLE_OU}\n\n`);
  await write(`dn: ou=${GROUPS_OU},${shape.suffix}\nobjectClass: organizationalUnit\nou: ${GROUPS_OU}\n\n`);
  for (let i = 0; i < shape.users; i++) await write(`${userEntry(i, shape)}\n`);
  const groups = groupCount(shape.users);
  for (let g = 0; g < groups; g++) await write(`${groupEntry(g, shape.suffix)}\n`);
  out.end();
  await once(out, 'finish');
  return { users: shape.users, groups, memberships: groups * GROUP_SIZE };
}

/** ldapmodify input that renames the display name of each user (a change the tenant must see). */
export function modifyLdif(indices: readonly number[], suffix: string, tag: string): string {
  return indices.map((i) => `dn: ${userDn(i, suffix)}\nchangetype: modify\nreplace: displayName\n${attr('displayName', `Changed ${tag} ${uidOf(i)}`)}\n`).join('\n');
}

export function addLdif(indices: readonly number[], shape: Pick<DirectoryShape, 'suffix' | 'passwordSample'>): string {
  return indices.map((i) => userEntry(i, shape)).join('\n');
}

export function deleteLdif(indices: readonly number[], suffix: string): string {
  return indices.map((i) => `dn: ${userDn(i, suffix)}\nchangetype: delete\n`).join('\n');
}

export function passwordChangeLdif(indices: readonly number[], suffix: string, generation: number): string {
  return indices.map((i) => `dn: ${userDn(i, suffix)}\nchangetype: modify\nreplace: userPassword\nuserPassword: ${sshaHash(benchPassword(i, generation))}\n`).join('\n');
}

// Writes test/fixtures/password-vectors-389ds.json: password hashes made by 389 Directory Server's
// own code (`pwdhash -D <instance config>`, which loads the instance's password storage plugins),
// so src/passwords is checked against what a real 389-DS / FreeIPA stores, as
// make-password-vectors.sh does for OpenLDAP and the other tools.
//
// Needs Debian's 389-ds-base (apt-get install -y 389-ds-base); creates and removes a throwaway
// instance (test/support/dirsrv.ts). Run from the repository root:
//   npx tsx scripts/make-389ds-password-vectors.ts
import { writeFileSync } from 'node:fs';
import { startDirsrv } from '../test/support/dirsrv.js';

// The storage schemes of 389-DS 2.3 that a directory may hold; PBKDF2-SHA512 is its default.
const SCHEMES = ['PBKDF2-SHA512', 'PBKDF2-SHA256', 'PBKDF2-SHA1', 'PBKDF2_SHA256', 'SSHA512', 'SSHA384', 'SSHA256', 'SSHA', 'SHA512', 'SHA', 'SMD5', 'CRYPT-SHA512', 'CRYPT-SHA256', 'CRYPT-MD5'];
const PASSWORDS = ['Sommer2026!', 'Wachtwoord-é€'];

/** The scheme dirbridge's parser names a value by. */
function schemeOf(value: string): string {
  const [, name = '', rest = ''] = /^\{([^}]+)\}(.*)$/.exec(value) ?? [];
  if (name.toUpperCase() !== 'CRYPT') return name.toUpperCase();
  return rest.startsWith('$6$') ? 'CRYPT-SHA512' : rest.startsWith('$5$') ? 'CRYPT-SHA256' : rest.startsWith('$1$') ? 'CRYPT-MD5' : 'CRYPT';
}

const server = await startDirsrv();
try {
  const version = 'pwdhash (389-ds-base 2.3)';
  const vectors = PASSWORDS.flatMap((password) =>
    SCHEMES.map((scheme) => {
      const value = server.hash(scheme, password);
      return { scheme: schemeOf(value), tool: `${version} -s ${scheme}`, attribute: 'userPassword', password, value };
    }),
  );
  writeFileSync(new URL('../test/fixtures/password-vectors-389ds.json', import.meta.url), `${JSON.stringify(vectors, null, 1)}\n`);
  console.log(`wrote ${vectors.length} vectors to test/fixtures/password-vectors-389ds.json`);
} finally {
  await server.stop();
}

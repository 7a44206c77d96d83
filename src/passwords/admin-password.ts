/**
 * Admin account passwords: scrypt with strong parameters in a self-describing string,
 * `$scrypt$ln=17,r=8,p=1$<salt>$<hash>` (unpadded base64), so the parameters can be raised later
 * without breaking stored hashes.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { decodeBase64 } from './encoding.js';

export interface AdminScryptParams {
  ln: number;
  r: number;
  p: number;
}

const DEFAULT_PARAMS: AdminScryptParams = { ln: 17, r: 8, p: 1 };
const KEY_LENGTH = 32;

function run(password: string, salt: Buffer, params: AdminScryptParams, keyLength: number): Promise<Buffer> {
  const N = 2 ** params.ln;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 32 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

/** `params` is for tests only; production uses ln=17 (128 MiB, about a third of a second). */
export async function hashAdminPassword(password: string, params: AdminScryptParams = DEFAULT_PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const hash = await run(password, salt, params, KEY_LENGTH);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

/** False for a wrong password and for anything that is not a string hashAdminPassword wrote. */
export async function verifyAdminPassword(password: string, encoded: string): Promise<boolean> {
  const match = /^\$scrypt\$ln=([0-9]{1,2}),r=([0-9]{1,2}),p=([0-9]{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(encoded);
  if (!match) return false;
  const params = { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  // Bounds keep a corrupt row from allocating gigabytes.
  if (params.ln < 10 || params.ln > 20 || params.r < 1 || params.r > 16 || params.p < 1 || params.p > 4) return false;
  const salt = decodeBase64(match[4] ?? '');
  const expected = decodeBase64(match[5] ?? '');
  if (!salt || !expected || expected.length < 16) return false;
  const actual = await run(password, salt, params, expected.length);
  return timingSafeEqual(actual, expected);
}

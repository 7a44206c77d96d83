/**
 * md5-crypt ($1$) and sha-crypt ($5$, $6$) as glibc's crypt(3) computes them.
 *
 * Why our own code: Node's crypto has the hashes but not these constructions, and no single
 * well-kept npm package covers all three. The algorithms are short and fully specified
 * (md5-crypt: Poul-Henning Kamp's FreeBSD implementation; sha-crypt: Ulrich Drepper,
 * https://www.akkadia.org/drepper/SHA-crypt.txt). test/fixtures/password-vectors.json, written by
 * slappasswd, openssl passwd and mkpasswd, checks them against the real tools.
 */
import { createHash } from 'node:crypto';
import { CRYPT64 } from './encoding.js';

function to64(value: number, length: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < length; i++) {
    out += CRYPT64[v & 0x3f];
    v >>>= 6;
  }
  return out;
}

/** Index -1 stands for a zero byte. */
function encodeGroups(bytes: Buffer, groups: ReadonlyArray<readonly [number, number, number, number]>): string {
  let out = '';
  for (const [a, b, c, length] of groups) {
    out += to64(((bytes[a] ?? 0) << 16) | ((bytes[b] ?? 0) << 8) | (bytes[c] ?? 0), length);
  }
  return out;
}

/** Returns the 22-character checksum of md5-crypt for `salt` (at most 8 characters are used). */
export function md5CryptChecksum(password: Buffer, saltText: string): string {
  const salt = Buffer.from(saltText.slice(0, 8), 'utf8');
  const magic = Buffer.from('$1$');
  const alternate = createHash('md5').update(password).update(salt).update(password).digest();
  const ctx = createHash('md5').update(password).update(magic).update(salt);
  for (let left = password.length; left > 0; left -= 16) ctx.update(alternate.subarray(0, Math.min(16, left)));
  for (let i = password.length; i > 0; i >>= 1) ctx.update(i & 1 ? Buffer.of(0) : password.subarray(0, 1));
  let final = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const round = createHash('md5');
    round.update(i & 1 ? password : final);
    if (i % 3) round.update(salt);
    if (i % 7) round.update(password);
    round.update(i & 1 ? final : password);
    final = round.digest();
  }
  return encodeGroups(final, [
    [0, 6, 12, 4], [1, 7, 13, 4], [2, 8, 14, 4], [3, 9, 15, 4], [4, 10, 5, 4], [-1, -1, 11, 2],
  ]);
}

export const SHA_CRYPT_DEFAULT_ROUNDS = 5000;
export const SHA_CRYPT_MIN_ROUNDS = 1000;
export const SHA_CRYPT_MAX_ROUNDS = 999_999_999;

const SHA256_GROUPS: ReadonlyArray<readonly [number, number, number, number]> = [
  [0, 10, 20, 4], [21, 1, 11, 4], [12, 22, 2, 4], [3, 13, 23, 4], [24, 4, 14, 4], [15, 25, 5, 4],
  [6, 16, 26, 4], [27, 7, 17, 4], [18, 28, 8, 4], [9, 19, 29, 4], [-1, 31, 30, 3],
];
const SHA512_GROUPS: ReadonlyArray<readonly [number, number, number, number]> = [
  [0, 21, 42, 4], [22, 43, 1, 4], [44, 2, 23, 4], [3, 24, 45, 4], [25, 46, 4, 4], [47, 5, 26, 4],
  [6, 27, 48, 4], [28, 49, 7, 4], [50, 8, 29, 4], [9, 30, 51, 4], [31, 52, 10, 4], [53, 11, 32, 4],
  [12, 33, 54, 4], [34, 55, 13, 4], [56, 14, 35, 4], [15, 36, 57, 4], [37, 58, 16, 4], [59, 17, 38, 4],
  [18, 39, 60, 4], [40, 61, 19, 4], [62, 20, 41, 4], [-1, -1, 63, 2],
];

function repeatTo(source: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += source.length) source.copy(out, i, 0, Math.min(source.length, length - i));
  return out;
}

/** Returns the checksum part of sha-crypt ($5$ with 'sha256', $6$ with 'sha512'). */
export function shaCryptChecksum(algorithm: 'sha256' | 'sha512', password: Buffer, saltText: string, rounds: number): string {
  const hashLength = algorithm === 'sha256' ? 32 : 64;
  const salt = Buffer.from(saltText, 'utf8').subarray(0, 16);
  const h = () => createHash(algorithm);

  const b = h().update(password).update(salt).update(password).digest();
  const a = h().update(password).update(salt);
  let left = password.length;
  for (; left > hashLength; left -= hashLength) a.update(b);
  a.update(b.subarray(0, left));
  for (let n = password.length; n > 0; n >>= 1) a.update(n & 1 ? b : password);
  let c = a.digest();

  const dp = h();
  for (let i = 0; i < password.length; i++) dp.update(password);
  const p = repeatTo(dp.digest(), password.length);
  const ds = h();
  for (let i = 0; i < 16 + (c[0] ?? 0); i++) ds.update(salt);
  const s = repeatTo(ds.digest(), salt.length);

  for (let i = 0; i < rounds; i++) {
    const round = h();
    round.update(i & 1 ? p : c);
    if (i % 3) round.update(s);
    if (i % 7) round.update(p);
    round.update(i & 1 ? c : p);
    c = round.digest();
  }
  return encodeGroups(c, algorithm === 'sha256' ? SHA256_GROUPS : SHA512_GROUPS);
}

/**
 * Source digest -> cloud verifier (scrypt with a per-user random salt), and the sign-in check.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { AppError } from '../shared/errors.js';
import { assertWithinCostBounds } from './cost-bounds.js';
import { decodeBase64 } from './encoding.js';
import { computeSourceDigest, type SourceHash } from './schemes.js';
import type { KdfParams, PasswordVerifier } from './verifier-model.js';

const SALT_BYTES = 16;

function scryptAsync(secret: Buffer, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** True when the parameters are in a range scrypt accepts and that will not exhaust memory. */
export function isValidKdfParams(kdf: KdfParams): boolean {
  return (
    Number.isInteger(kdf.log2N) && kdf.log2N >= 1 && kdf.log2N <= 22 &&
    Number.isInteger(kdf.r) && kdf.r >= 1 && kdf.r <= 32 &&
    Number.isInteger(kdf.p) && kdf.p >= 1 && kdf.p <= 16 &&
    Number.isInteger(kdf.keyLength) && kdf.keyLength >= 16 && kdf.keyLength <= 128
  );
}

function scryptOptions(kdf: KdfParams): ScryptOptions {
  const N = 2 ** kdf.log2N;
  // Node refuses anything above maxmem (32 MiB by default); scrypt needs about 128 * N * r bytes.
  return { N, r: kdf.r, p: kdf.p, maxmem: 256 * N * kdf.r + 32 * 1024 * 1024 };
}

export async function deriveVerifier(source: SourceHash, kdf: KdfParams): Promise<PasswordVerifier> {
  if (!isValidKdfParams(kdf)) {
    throw new AppError('CONFIG_INVALID', { message: 'The password KDF parameters are out of range.', details: { kdf } });
  }
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(source.digest, salt, kdf.keyLength, scryptOptions(kdf));
  return {
    scheme: source.scheme,
    schemeParams: { ...source.params },
    kdf: 'scrypt',
    kdfParams: { log2N: kdf.log2N, r: kdf.r, p: kdf.p, keyLength: kdf.keyLength },
    salt: salt.toString('base64'),
    hash: hash.toString('base64'),
  };
}

async function matches(password: string, verifier: PasswordVerifier): Promise<boolean> {
  if (verifier.kdf !== 'scrypt' || !isValidKdfParams(verifier.kdfParams)) return false;
  const salt = decodeBase64(verifier.salt);
  const expected = decodeBase64(verifier.hash);
  if (!salt || !expected || expected.length !== verifier.kdfParams.keyLength) return false;
  let digest: Buffer;
  try {
    digest = await computeSourceDigest(verifier.scheme, verifier.schemeParams, password);
  } catch {
    // An unknown scheme or broken parameters can never verify; the sync already reported it.
    return false;
  }
  const actual = await scryptAsync(digest, salt, expected.length, scryptOptions(verifier.kdfParams));
  return timingSafeEqual(actual, expected);
}

/**
 * Why the tenant must refuse a verifier an agent sent, or null: it must be derived with exactly
 * the tenant's KDF parameters (an agent cannot choose what every sign-in costs) and its source
 * scheme must be within the cost bounds.
 */
export function verifierProblem(verifier: PasswordVerifier, expected: KdfParams): string | null {
  const kdf = verifier.kdfParams;
  if (verifier.kdf !== 'scrypt' || kdf.log2N !== expected.log2N || kdf.r !== expected.r || kdf.p !== expected.p || kdf.keyLength !== expected.keyLength) {
    return `the verifier uses ${verifier.kdf} ${JSON.stringify(kdf)}, the tenant's parameters are scrypt ${JSON.stringify(expected)}`;
  }
  try {
    assertWithinCostBounds(verifier.scheme, verifier.schemeParams);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return null;
}

/** True when the password matches any of the user's verifiers (one per stored value). */
export async function checkPassword(password: string, verifiers: readonly PasswordVerifier[]): Promise<boolean> {
  for (const verifier of verifiers) {
    if (await matches(password, verifier)) return true;
  }
  return false;
}


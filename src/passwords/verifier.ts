/**
 * Source digest -> cloud verifier (scrypt or Argon2id with a per-user random salt), and the
 * sign-in check.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';
import { argon2id } from 'hash-wasm';
import { AppError } from '../shared/errors.js';
import { assertWithinCostBounds } from './cost-bounds.js';
import { decodeBase64 } from './encoding.js';
import { computeSourceDigest, type SourceHash } from './schemes.js';
import { isArgon2id, sameKdfParams, type KdfParams, type PasswordVerifier, type ScryptParams } from './verifier-model.js';

const SALT_BYTES = 16;

function scryptAsync(secret: Buffer, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  // In a pool worker (derive-pool.ts) the KDF runs on the worker's own thread: the async form
  // queues on libuv's threadpool, 4 threads per process by default and shared by every worker,
  // which held a pool sized to a 16-core machine to 4 KDFs at a time (issue 14).
  if (!isMainThread) {
    try {
      return Promise.resolve(scryptSync(secret, salt, keyLength, options));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** True when the parameters are in a range the KDF accepts and that will not exhaust memory. */
export function isValidKdfParams(kdf: KdfParams): boolean {
  if (isArgon2id(kdf)) {
    return (
      Number.isInteger(kdf.memoryKib) && kdf.memoryKib >= 8 * kdf.parallelism && kdf.memoryKib <= 262_144 &&
      Number.isInteger(kdf.passes) && kdf.passes >= 1 && kdf.passes <= 10 &&
      Number.isInteger(kdf.parallelism) && kdf.parallelism >= 1 && kdf.parallelism <= 4 &&
      Number.isInteger(kdf.keyLength) && kdf.keyLength >= 16 && kdf.keyLength <= 128
    );
  }
  return (
    Number.isInteger(kdf.log2N) && kdf.log2N >= 1 && kdf.log2N <= 22 &&
    Number.isInteger(kdf.r) && kdf.r >= 1 && kdf.r <= 32 &&
    Number.isInteger(kdf.p) && kdf.p >= 1 && kdf.p <= 16 &&
    Number.isInteger(kdf.keyLength) && kdf.keyLength >= 16 && kdf.keyLength <= 128
  );
}

function scryptOptions(kdf: ScryptParams): ScryptOptions {
  const N = 2 ** kdf.log2N;
  // Node refuses anything above maxmem (32 MiB by default); scrypt needs about 128 * N * r bytes.
  return { N, r: kdf.r, p: kdf.p, maxmem: 256 * N * kdf.r + 32 * 1024 * 1024 };
}

export async function deriveVerifier(source: SourceHash, kdf: KdfParams): Promise<PasswordVerifier> {
  if (!isValidKdfParams(kdf)) {
    throw new AppError('CONFIG_INVALID', { message: 'The password KDF parameters are out of range.', details: { kdf } });
  }
  const salt = randomBytes(SALT_BYTES);
  const hash = await runKdf(source.digest, salt, kdf, kdf.keyLength);
  return {
    scheme: source.scheme,
    schemeParams: { ...source.params },
    kdf: isArgon2id(kdf) ? 'argon2id' : 'scrypt',
    kdfParams: isArgon2id(kdf)
      ? { algorithm: 'argon2id', memoryKib: kdf.memoryKib, passes: kdf.passes, parallelism: kdf.parallelism, keyLength: kdf.keyLength }
      : { log2N: kdf.log2N, r: kdf.r, p: kdf.p, keyLength: kdf.keyLength },
    salt: salt.toString('base64'),
    hash: hash.toString('base64'),
  };
}

async function runKdf(digest: Buffer, salt: Buffer, kdf: KdfParams, keyLength: number): Promise<Buffer> {
  if (!isArgon2id(kdf)) return scryptAsync(digest, salt, keyLength, scryptOptions(kdf));
  const out = await argon2id({ password: digest, salt, parallelism: kdf.parallelism, iterations: kdf.passes, memorySize: kdf.memoryKib, hashLength: keyLength, outputType: 'binary' });
  return Buffer.from(out);
}

async function matches(password: string, verifier: PasswordVerifier): Promise<boolean> {
  if (verifier.kdf !== (isArgon2id(verifier.kdfParams) ? 'argon2id' : 'scrypt') || !isValidKdfParams(verifier.kdfParams)) return false;
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
  const actual = await runKdf(digest, salt, verifier.kdfParams, expected.length);
  return timingSafeEqual(actual, expected);
}

/**
 * Why the tenant must refuse a verifier an agent sent, or null: it must be derived with exactly
 * the tenant's KDF parameters (an agent cannot choose what every sign-in costs) and its source
 * scheme must be within the cost bounds.
 */
export function verifierProblem(verifier: PasswordVerifier, expected: KdfParams): string | null {
  const kdf = verifier.kdfParams;
  if (verifier.kdf !== (isArgon2id(kdf) ? 'argon2id' : 'scrypt') || !sameKdfParams(kdf, expected)) {
    return `the verifier uses ${verifier.kdf} ${JSON.stringify(kdf)}, the tenant's parameters are ${JSON.stringify(expected)}`;
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


/**
 * The cloud verifier the tenant stores for a user: a slow, salted KDF over the directory's
 * *source digest*. The tenant never receives the digest itself; at sign-in it recomputes the
 * digest from the typed password and `schemeParams`, then the KDF, and compares in constant time.
 */

/** scrypt cost parameters (N = 2^log2N). Verifiers from before Argon2id carry no `algorithm`. */
export interface ScryptParams {
  log2N: number;
  r: number;
  p: number;
  keyLength: number;
}

/** Argon2id (RFC 9106) through hash-wasm. */
export interface Argon2idParams {
  algorithm: 'argon2id';
  memoryKib: number;
  passes: number;
  parallelism: number;
  keyLength: number;
}

export type KdfParams = ScryptParams | Argon2idParams;

export function isArgon2id(kdf: KdfParams): kdf is Argon2idParams {
  return 'algorithm' in kdf && kdf.algorithm === 'argon2id';
}

export interface PasswordVerifier {
  /** Source scheme, upper-case as written in the directory without braces: SSHA, SSHA512, CRYPT-SHA512, PBKDF2-SHA256, ARGON2, NT, CLEARTEXT, ... */
  scheme: string;
  /** Public parameters of the source scheme (its salt in base64, rounds, cost...). Never the digest. */
  schemeParams: Record<string, string | number>;
  kdf: 'scrypt' | 'argon2id';
  kdfParams: KdfParams;
  /** base64 */
  salt: string;
  /** base64 */
  hash: string;
}

/**
 * The vetted parameter sets a tenant chooses from (docs/passwords.md has each one's cost).
 * - `scrypt-n14`: the default; far above Entra ID's PBKDF2 x 1,000, below OWASP's current minimum.
 * - `scrypt-n17`: OWASP's minimum for scrypt (N=2^17, r=8, p=1).
 * - `argon2id-m19-t2`: OWASP's first choice (m=19 MiB, t=2, p=1).
 */
export const KDF_PRESETS = {
  'scrypt-n14': { log2N: 14, r: 8, p: 1, keyLength: 32 },
  'scrypt-n17': { log2N: 17, r: 8, p: 1, keyLength: 32 },
  'argon2id-m19-t2': { algorithm: 'argon2id', memoryKib: 19_456, passes: 2, parallelism: 1, keyLength: 32 },
} as const satisfies Record<string, KdfParams>;

export type KdfPreset = keyof typeof KDF_PRESETS;
export const KDF_PRESET_NAMES = Object.keys(KDF_PRESETS) as KdfPreset[];

export const DEFAULT_KDF_PARAMS: KdfParams = { ...KDF_PRESETS['scrypt-n14'] };

/** The same parameters: what the tenant demands of every verifier an agent sends. */
export function sameKdfParams(a: KdfParams, b: KdfParams): boolean {
  if (isArgon2id(a) || isArgon2id(b)) {
    return isArgon2id(a) && isArgon2id(b) && a.memoryKib === b.memoryKib && a.passes === b.passes && a.parallelism === b.parallelism && a.keyLength === b.keyLength;
  }
  return a.log2N === b.log2N && a.r === b.r && a.p === b.p && a.keyLength === b.keyLength;
}

/** The preset these parameters are, or null for a custom scrypt set. */
export function kdfPresetOf(kdf: KdfParams): KdfPreset | null {
  return KDF_PRESET_NAMES.find((name) => sameKdfParams(KDF_PRESETS[name], kdf)) ?? null;
}

/** A stable description of the parameters for the agent's fingerprints (unchanged for scrypt, so no re-derivation on upgrade). */
export function kdfFingerprint(kdf: KdfParams): Array<string | number> {
  return isArgon2id(kdf) ? ['argon2id', kdf.memoryKib, kdf.passes, kdf.parallelism, kdf.keyLength] : [kdf.log2N, kdf.r, kdf.p, kdf.keyLength];
}

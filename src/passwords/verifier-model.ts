/**
 * The cloud verifier the tenant stores for a user: a slow, salted KDF over the directory's
 * *source digest*. The tenant never receives the digest itself; at sign-in it recomputes the
 * digest from the typed password and `schemeParams`, then the KDF, and compares in constant time.
 */
export interface KdfParams {
  /** scrypt cost parameters (N = 2^log2N). */
  log2N: number;
  r: number;
  p: number;
  keyLength: number;
}

export interface PasswordVerifier {
  /** Source scheme, upper-case as written in the directory without braces: SSHA, SSHA512, CRYPT-SHA512, PBKDF2-SHA256, ARGON2, NT, CLEARTEXT, ... */
  scheme: string;
  /** Public parameters of the source scheme (its salt in base64, rounds, cost...). Never the digest. */
  schemeParams: Record<string, string | number>;
  kdf: 'scrypt';
  kdfParams: KdfParams;
  /** base64 */
  salt: string;
  /** base64 */
  hash: string;
}

export const DEFAULT_KDF_PARAMS: KdfParams = { log2N: 14, r: 8, p: 1, keyLength: 32 };

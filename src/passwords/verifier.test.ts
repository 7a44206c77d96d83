import { describe, expect, it } from 'vitest';
import { isAppError } from '../shared/errors.js';
import { parseStoredPasswords } from './stored-passwords.js';
import { parseStoredPassword } from './schemes.js';
import { checkPassword, deriveVerifier, sourceFingerprint } from './verifier.js';
import type { KdfParams } from './verifier-model.js';

const FAST_KDF: KdfParams = { log2N: 10, r: 8, p: 1, keyLength: 32 };
// slappasswd -h {SSHA} -s secret / -h {SHA} -s other
const SSHA_SECRET = '{SSHA}XcxiLpHyssBiz3Y5HHJ4pLfthhGuqshe';
const SHA_SECRET = '{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=';

describe('deriveVerifier', () => {
  it('uses a fresh salt each time and never carries the digest', async () => {
    const source = parseStoredPassword(SSHA_SECRET);
    const a = await deriveVerifier(source, FAST_KDF);
    const b = await deriveVerifier(source, FAST_KDF);
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
    expect(Buffer.from(a.salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(a.hash, 'base64')).toHaveLength(32);
    expect(JSON.stringify(a)).not.toContain(source.digest.toString('base64'));
    expect(a).toMatchObject({ scheme: 'SSHA', kdf: 'scrypt', kdfParams: FAST_KDF });
  });

  it('refuses KDF parameters out of range', async () => {
    await expect(deriveVerifier(parseStoredPassword(SHA_SECRET), { ...FAST_KDF, log2N: 40 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

describe('checkPassword', () => {
  it('accepts the password of any one verifier (multi-valued userPassword)', async () => {
    const parsed = parseStoredPasswords([SSHA_SECRET, '{CRYPT}$1$MX3OW/lh$yhDHTPWzCNmvoF0NNxae41', '{UNKNOWN}x']);
    expect(parsed.sources.map((s) => s.scheme)).toEqual(['SSHA', 'CRYPT-MD5']);
    expect(parsed.errors).toHaveLength(1);
    expect(isAppError(parsed.errors[0], 'PASSWORD_SCHEME_UNSUPPORTED')).toBe(true);
    expect(parsed.cleartext).toBe(false);
    const verifiers = await Promise.all(parsed.sources.map((s) => deriveVerifier(s, FAST_KDF)));
    expect(await checkPassword('secret', verifiers)).toBe(true);
    expect(await checkPassword('secret', verifiers.slice(1))).toBe(true);
    expect(await checkPassword('Secret', verifiers)).toBe(false);
    expect(await checkPassword('secret', [])).toBe(false);
  });

  it('says false, not an error, for an unknown scheme, broken params or a tampered verifier', async () => {
    const verifier = await deriveVerifier(parseStoredPassword(SHA_SECRET), FAST_KDF);
    expect(await checkPassword('secret', [{ ...verifier, scheme: 'NOPE' }])).toBe(false);
    expect(await checkPassword('secret', [{ ...verifier, scheme: 'SSHA' }])).toBe(false);
    expect(await checkPassword('secret', [{ ...verifier, hash: 'AAAA' }])).toBe(false);
    expect(await checkPassword('secret', [{ ...verifier, kdfParams: { ...FAST_KDF, log2N: 99 } }])).toBe(false);
    expect(await checkPassword('secret', [{ ...verifier, kdfParams: { ...FAST_KDF, log2N: 11 } }])).toBe(false);
    expect(await checkPassword('secret', [verifier])).toBe(true);
  });

  it('flags cleartext values', () => {
    expect(parseStoredPasswords(['plain', SHA_SECRET]).cleartext).toBe(true);
  });
});

describe('sourceFingerprint', () => {
  it('is keyed, stable and changes with the value', () => {
    const key = Buffer.alloc(32, 1);
    const a = sourceFingerprint(key, SSHA_SECRET);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(sourceFingerprint(key, SSHA_SECRET)).toBe(a);
    expect(sourceFingerprint(key, SHA_SECRET)).not.toBe(a);
    expect(sourceFingerprint(Buffer.alloc(32, 2), SSHA_SECRET)).not.toBe(a);
    expect(a).not.toContain(SSHA_SECRET);
  });
});

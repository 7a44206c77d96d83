import { describe, expect, it } from 'vitest';
import { isAppError } from '../shared/errors.js';
import { parseStoredPassword } from './schemes.js';
import { createHash } from 'node:crypto';
import { checkPassword, deriveVerifier, verifierProblem } from './verifier.js';
import { KDF_PRESET_NAMES, KDF_PRESETS, kdfFingerprint, kdfPresetOf, type KdfParams } from './verifier-model.js';

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
    const sources = [SSHA_SECRET, '{CRYPT}$1$MX3OW/lh$yhDHTPWzCNmvoF0NNxae41'].map((v) => parseStoredPassword(v));
    expect(sources.map((s) => s.scheme)).toEqual(['SSHA', 'CRYPT-MD5']);
    let unsupported: unknown;
    try { parseStoredPassword('{UNKNOWN}x'); } catch (error) { unsupported = error; }
    expect(isAppError(unsupported, 'PASSWORD_SCHEME_UNSUPPORTED')).toBe(true);
    const verifiers = await Promise.all(sources.map((s) => deriveVerifier(s, FAST_KDF)));
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
    expect(parseStoredPassword('plain').scheme).toBe('CLEARTEXT');
  });
});

describe('KDF parameter sets', () => {
  it.each(KDF_PRESET_NAMES)('%s derives a verifier that checks the right password only', async (name) => {
    const source = parseStoredPassword('{SSHA}' + Buffer.concat([createHash('sha1').update('Preset-pw-1').update('salt5678').digest(), Buffer.from('salt5678')]).toString('base64'));
    const verifier = await deriveVerifier(source, KDF_PRESETS[name]);
    expect(kdfPresetOf(verifier.kdfParams)).toBe(name);
    expect(verifierProblem(verifier, KDF_PRESETS[name])).toBeNull();
    expect(verifierProblem(verifier, name === 'scrypt-n14' ? KDF_PRESETS['scrypt-n17'] : KDF_PRESETS['scrypt-n14'])).toMatch(/parameters/);
    expect(await checkPassword('Preset-pw-1', [verifier])).toBe(true);
    expect(await checkPassword('Preset-pw-2', [verifier])).toBe(false);
  }, 60_000);

  it('keeps the agent fingerprint of scrypt parameters as before Argon2id existed', () => {
    expect(kdfFingerprint({ log2N: 14, r: 8, p: 1, keyLength: 32 })).toEqual([14, 8, 1, 32]);
    expect(kdfFingerprint(KDF_PRESETS['argon2id-m19-t2'])).toEqual(['argon2id', 19_456, 2, 1, 32]);
  });
});

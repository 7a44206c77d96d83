import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashAdminPassword, verifyAdminPassword } from './admin-password.js';

const TEST_PARAMS = { ln: 10, r: 8, p: 1 };

describe('admin passwords', () => {
  it('uses ln=17 by default and verifies', { timeout: 30_000 }, async () => {
    const encoded = await hashAdminPassword('Beheer-wachtwoord-1');
    expect(encoded).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await verifyAdminPassword('Beheer-wachtwoord-1', encoded)).toBe(true);
    expect(await verifyAdminPassword('beheer-wachtwoord-1', encoded)).toBe(false);
  });

  it('salts each hash', async () => {
    expect(await hashAdminPassword('x', TEST_PARAMS)).not.toBe(await hashAdminPassword('x', TEST_PARAMS));
  });

  it('treats composed and decomposed accents as the same password', async () => {
    const encoded = await hashAdminPassword('Caf\u00e9', TEST_PARAMS);
    expect(await verifyAdminPassword('Cafe\u0301', encoded)).toBe(true);
  });

  it.each(['', 'plain', '$scrypt$ln=40,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '$scrypt$ln=10,r=8,p=1$AAAA$AAAA'])('refuses %j', async (encoded) => {
    expect(await verifyAdminPassword('x', encoded)).toBe(false);
  });

  it('round-trips any password', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), async (password, other) => {
        const encoded = await hashAdminPassword(password, TEST_PARAMS);
        expect(await verifyAdminPassword(password, encoded)).toBe(true);
        if (other.normalize('NFC') !== password.normalize('NFC')) expect(await verifyAdminPassword(other, encoded)).toBe(false);
      }),
      { numRuns: 15 },
    );
  }, 30_000);
});

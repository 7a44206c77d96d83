import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decryptReplicatedSecret, ntHashFromUnicodePwd, removeRidDesLayer, ridDesKeys, SecretLayerError } from './secrets.js';
import { rc4 } from './rc4.js';

/** The DC's side of MS-DRSR 4.1.10.6.16 EncryptValuesIfNecessary, written out for the tests. */
function encryptLikeTheDc(sessionKey: Buffer, salt: Buffer, data: Buffer): Buffer {
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32(data) >>> 0);
  const key = createHash('md5').update(sessionKey).update(salt).digest();
  return Buffer.concat([salt, rc4(key, Buffer.concat([crc, data]))]);
}

describe('secret layers', () => {
  it('derives the DES keys from a RID as impacket does (MS-SAMR 2.2.11.1.3)', () => {
    // impacket.examples.secretsdump.CryptoCommon().deriveKey(1103), run with Debian's python3-impacket.
    const [k1, k2] = ridDesKeys(1103);
    expect(k1.toString('hex')).toBe('4e82000004781000');
    expect(k2.toString('hex')).toBe('0026c08000023c08');
  });

  it('removes the DES layer of a hash that impacket encrypted for RID 1103', () => {
    expect(removeRidDesLayer(Buffer.from('402ed5537921d3180c37307beaf61f81', 'hex'), 1103).toString('hex')).toBe('362ce3a29d9a4f1c3b8d0d5e7d2a1b44');
  });

  it('removes the session-key layer and checks its CRC32', () => {
    const sessionKey = Buffer.alloc(16, 7);
    const value = encryptLikeTheDc(sessionKey, Buffer.alloc(16, 9), Buffer.from('402ed5537921d3180c37307beaf61f81', 'hex'));
    expect(ntHashFromUnicodePwd(sessionKey, value, 1103).toString('hex')).toBe('362ce3a29d9a4f1c3b8d0d5e7d2a1b44');
    expect(() => decryptReplicatedSecret(Buffer.alloc(16, 8), value)).toThrow(SecretLayerError);
  });

  it('rejects any short, corrupt or random value with a SecretLayerError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 0, max: 0xffffffff }), (bytes, rid) => {
      try {
        ntHashFromUnicodePwd(Buffer.alloc(16, 1), Buffer.from(bytes), rid);
      } catch (error) {
        expect(error).toBeInstanceOf(SecretLayerError);
      }
    }), { numRuns: 2000 });
  });
});

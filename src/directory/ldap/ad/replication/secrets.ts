/**
 * The layers around a replicated secret attribute.
 *
 * 1. MS-DRSR 4.1.10.6.17 (DecryptValuesIfNecessary): 16-byte salt, then RC4 with
 *    MD5(session key ‖ salt) over a CRC32 of the cleartext followed by the cleartext.
 * 2. For unicodePwd, ntPwdHistory, dBCSPwd and lmPwdHistory, a DES layer keyed from the object's
 *    RID (MS-SAMR 2.2.11.1.3 "Encrypting a 16-Byte Value Using a 4-Byte Key").
 */
import { createDecipheriv, createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { rc4 } from './rc4.js';

export class SecretLayerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretLayerError';
  }
}

const SALT_LENGTH = 16;
const CRC_LENGTH = 4;

/** Removes layer 1. A checksum mismatch means a wrong session key or a corrupt value. */
export function decryptReplicatedSecret(sessionKey: Buffer, value: Buffer): Buffer {
  if (value.length < SALT_LENGTH + CRC_LENGTH) throw new SecretLayerError(`an encrypted attribute value needs at least ${SALT_LENGTH + CRC_LENGTH} bytes, got ${value.length}`);
  const key = createHash('md5').update(sessionKey).update(value.subarray(0, SALT_LENGTH)).digest();
  const plain = rc4(key, value.subarray(SALT_LENGTH));
  const data = plain.subarray(CRC_LENGTH);
  if ((crc32(data) >>> 0) !== plain.readUInt32LE(0)) throw new SecretLayerError('the decrypted value fails its CRC32 check (wrong session key or corrupt value)');
  return Buffer.from(data);
}

/** MS-SAMR 2.2.11.1.2: seven key bytes spread over eight, the low bit of each left for parity. */
export function expandDesKey(key7: Uint8Array): Buffer {
  const k = key7;
  const out = Buffer.from([
    k[0]! >> 1,
    ((k[0]! & 0x01) << 6) | (k[1]! >> 2),
    ((k[1]! & 0x03) << 5) | (k[2]! >> 3),
    ((k[2]! & 0x07) << 4) | (k[3]! >> 4),
    ((k[3]! & 0x0f) << 3) | (k[4]! >> 5),
    ((k[4]! & 0x1f) << 2) | (k[5]! >> 6),
    ((k[5]! & 0x3f) << 1) | (k[6]! >> 7),
    k[6]! & 0x7f,
  ]);
  for (let i = 0; i < 8; i++) out[i] = (out[i]! << 1) & 0xfe;
  return out;
}

/** MS-SAMR 2.2.11.1.3: the two DES keys derived from a RID (little-endian bytes I0..I3). */
export function ridDesKeys(rid: number): [Buffer, Buffer] {
  const i = Buffer.alloc(4);
  i.writeUInt32LE(rid >>> 0);
  return [
    expandDesKey(Buffer.from([i[0]!, i[1]!, i[2]!, i[3]!, i[0]!, i[1]!, i[2]!])),
    expandDesKey(Buffer.from([i[3]!, i[0]!, i[1]!, i[2]!, i[3]!, i[0]!, i[1]!])),
  ];
}

/** Single DES in ECB: OpenSSL 3 keeps `des-ecb` in its legacy provider, but two-key triple DES with K1 = K2 is the same cipher. */
function desEcbDecrypt(key8: Buffer, block: Buffer): Buffer {
  const cipher = createDecipheriv('des-ede-ecb', Buffer.concat([key8, key8]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(block), cipher.final()]);
}

/** Removes layer 2 from a 16-byte value (an NT or LM hash). */
export function removeRidDesLayer(value: Buffer, rid: number): Buffer {
  if (value.length !== 16) throw new SecretLayerError(`a RID-encrypted hash is 16 bytes, got ${value.length}`);
  const [k1, k2] = ridDesKeys(rid);
  return Buffer.concat([desEcbDecrypt(k1, value.subarray(0, 8)), desEcbDecrypt(k2, value.subarray(8, 16))]);
}

/** The NT hash from a replicated unicodePwd value. */
export function ntHashFromUnicodePwd(sessionKey: Buffer, value: Buffer, rid: number): Buffer {
  return removeRidDesLayer(decryptReplicatedSecret(sessionKey, value), rid);
}

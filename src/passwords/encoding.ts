/**
 * Strict decoders for the encodings password hashes use. Node's Buffer.from(s, 'base64') skips
 * characters it does not know, which would turn a corrupt hash into a wrong but "valid" digest.
 * Each decoder returns undefined for anything not in canonical form.
 */

const BASE64 = /^[A-Za-z0-9+/]*$/;

/** Standard base64, with or without `=` padding; the encoding must be canonical. */
export function decodeBase64(text: string): Buffer | undefined {
  const unpadded = text.replace(/={1,2}$/, '');
  if (!BASE64.test(unpadded) || unpadded.length % 4 === 1) return undefined;
  if (text.length !== unpadded.length && text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(unpadded, 'base64');
  if (bytes.toString('base64').replace(/=+$/, '') !== unpadded) return undefined;
  return bytes;
}

/**
 * The "adapted base64" of passlib that OpenLDAP's pw-pbkdf2 (contrib/slapd-modules/passwd/pbkdf2)
 * writes: `.` instead of `+`, no padding. (389-DS's pwdchan plugin reads it, but writes standard base64.)
 */
export function decodeAdaptedBase64(text: string): Buffer | undefined {
  if (text.includes('+') || text.includes('=')) return undefined;
  return decodeBase64(text.replaceAll('.', '+'));
}

export function encodeAdaptedBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '').replaceAll('+', '.');
}

/** The crypt(3) alphabet used by md5-crypt and sha-crypt output. */
export const CRYPT64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** bcrypt's own alphabet (same characters, different order). */
const BCRYPT64 = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Decodes bcrypt's 22-character salt to its 16 bytes (the last 4 bits are padding). */
export function decodeBcryptBase64(text: string, byteLength: number): Buffer | undefined {
  const out = Buffer.alloc(byteLength);
  let bits = 0;
  let acc = 0;
  let index = 0;
  for (const char of text) {
    const value = BCRYPT64.indexOf(char);
    if (value < 0) return undefined;
    acc = (acc << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (index < byteLength) out[index++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  return index === byteLength ? out : undefined;
}

export function encodeBcryptBase64(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += BCRYPT64[(acc >> bits) & 0x3f];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += BCRYPT64[(acc << (6 - bits)) & 0x3f];
  return out;
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

export function decodeHex(text: string): Buffer | undefined {
  return HEX.test(text) ? Buffer.from(text, 'hex') : undefined;
}

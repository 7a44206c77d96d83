/**
 * RC4 (ARCFOUR), which NTLM sealing (MS-NLMP 3.4.3) and the DRSUAPI secret layer (MS-DRSR
 * 4.1.10.6.17) use. Node 20's OpenSSL 3 only offers it behind --openssl-legacy-provider, which
 * dirbridge does not ask its users to turn on; the cipher is a few lines.
 */
export class Rc4 {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  constructor(key: Uint8Array) {
    if (key.length === 0 || key.length > 256) throw new RangeError('RC4 key must be 1-256 bytes');
    for (let k = 0; k < 256; k++) this.s[k] = k;
    let j = 0;
    for (let k = 0; k < 256; k++) {
      j = (j + this.s[k]! + key[k % key.length]!) & 0xff;
      const t = this.s[k]!;
      this.s[k] = this.s[j]!;
      this.s[j] = t;
    }
  }

  /** Encrypts or decrypts (the same operation), continuing the key stream. */
  update(data: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(data.length);
    const s = this.s;
    let { i, j } = this;
    for (let k = 0; k < data.length; k++) {
      i = (i + 1) & 0xff;
      j = (j + s[i]!) & 0xff;
      const t = s[i]!;
      s[i] = s[j]!;
      s[j] = t;
      out[k] = data[k]! ^ s[(s[i]! + s[j]!) & 0xff]!;
    }
    this.i = i;
    this.j = j;
    return out;
  }
}

/** One-shot RC4 with a fresh key. */
export function rc4(key: Uint8Array, data: Uint8Array): Buffer {
  return new Rc4(key).update(data);
}

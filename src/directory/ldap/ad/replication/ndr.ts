/**
 * NDR 2.0 (transfer syntax 8a885d04-1ceb-11c9-9fe8-08002b104860), little-endian, 32-bit pointers:
 * the subset MS-DRSR and the endpoint mapper use. C706 chapter 14 (NDR):
 * https://pubs.opengroup.org/onlinepubs/9629399/chap14.htm
 *
 * Every read checks the remaining length first and throws a RangeError (`NdrError`) on truncated
 * or inconsistent input; counts are capped by the bytes left, so a hostile length cannot make a
 * reader allocate or loop beyond the message it was given.
 */

export class NdrError extends RangeError {
  constructor(message: string) {
    super(`NDR: ${message}`);
    this.name = 'NdrError';
  }
}

export class NdrReader {
  private offset = 0;

  constructor(private readonly buf: Buffer) {}

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private need(n: number, what: string): void {
    if (n < 0 || this.offset + n > this.buf.length) throw new NdrError(`${what} needs ${n} bytes at offset ${this.offset}, ${this.remaining} left`);
  }

  align(n: number): void {
    const pad = (n - (this.offset % n)) % n;
    this.need(pad, 'alignment');
    this.offset += pad;
  }

  u8(): number {
    this.need(1, 'u8');
    return this.buf.readUInt8(this.offset++);
  }

  u16(): number {
    this.align(2);
    this.need(2, 'u16');
    const v = this.buf.readUInt16LE(this.offset);
    this.offset += 2;
    return v;
  }

  u32(): number {
    this.align(4);
    this.need(4, 'u32');
    const v = this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  u64(): bigint {
    this.align(8);
    this.need(8, 'u64');
    const v = this.buf.readBigUInt64LE(this.offset);
    this.offset += 8;
    return v;
  }

  bytes(n: number, what = 'bytes'): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  /** A GUID's 16 bytes as stored (MS-DTYP 2.3.4.2), aligned to 4. */
  guid(): Buffer {
    this.align(4);
    return Buffer.from(this.bytes(16, 'GUID'));
  }

  /** A pointer's referent id: 0 means null. */
  pointer(): number {
    return this.u32();
  }

  /**
   * A conformance count (max_count) whose elements take at least `minElementSize` bytes each:
   * a count the rest of the message cannot hold is rejected before anything is allocated.
   */
  count(minElementSize: number, what: string): number {
    const n = this.u32();
    if (n * Math.max(1, minElementSize) > this.remaining) throw new NdrError(`${what}: count ${n} exceeds the ${this.remaining} bytes left`);
    return n;
  }

  /** A uni-dimensional conformant byte array: max_count then the bytes. */
  conformantBytes(what: string): Buffer {
    const n = this.count(1, what);
    return Buffer.from(this.bytes(n, what));
  }

  /** The rest must be empty (no trailing garbage after a complete message). */
  end(what: string): void {
    if (this.remaining !== 0) throw new NdrError(`${what}: ${this.remaining} unexpected bytes at the end`);
  }
}

export class NdrWriter {
  private chunks: Buffer[] = [];
  private length = 0;
  private nextReferent = 0x20000;

  get position(): number {
    return this.length;
  }

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    if (pad) this.push(Buffer.alloc(pad));
  }

  u8(v: number): void {
    this.push(Buffer.from([v & 0xff]));
  }

  u16(v: number): void {
    this.align(2);
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    this.push(b);
  }

  u32(v: number): void {
    this.align(4);
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    this.push(b);
  }

  u64(v: bigint): void {
    this.align(8);
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, v));
    this.push(b);
  }

  bytes(b: Uint8Array): void {
    this.push(Buffer.from(b));
  }

  guid(g: Buffer): void {
    if (g.length !== 16) throw new NdrError('a GUID is 16 bytes');
    this.align(4);
    this.push(Buffer.from(g));
  }

  /** A unique/full pointer's referent id (0 for null). */
  pointer(present: boolean): void {
    this.u32(present ? this.nextReferent : 0);
    if (present) this.nextReferent += 4;
  }

  conformantBytes(b: Uint8Array): void {
    this.u32(b.length);
    this.bytes(b);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

/** The 16 wire bytes of a GUID given as text (MS-DTYP 2.3.4.3: first three fields little-endian). */
export function guidBytes(text: string): Buffer {
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(text);
  if (!m) throw new NdrError(`not a GUID: ${text}`);
  const le = (h: string): Buffer => Buffer.from(h, 'hex').reverse();
  return Buffer.concat([le(m[1]!), le(m[2]!), le(m[3]!), Buffer.from(m[4]!, 'hex'), Buffer.from(m[5]!, 'hex')]);
}

export const NULL_GUID = Buffer.alloc(16);

/**
 * A strict reader of the BER subset LDAP uses (RFC 4511 section 5.1: definite lengths only, and
 * single-octet tags). Every length is checked against the element that holds it before anything
 * is read, so a crafted length ends in a BerError, never in a read past the buffer or a loop that
 * does not advance: each element read moves the offset forward by at least its two header octets.
 *
 * Why not ldapts' BerReader: it returns null (offset unmoved) on a length past the buffer, and a
 * decoder looping "while offset < end" then spins forever on 30 bytes from a hostile server.
 */

/** Thrown on any malformed BER; the connection layer turns it into DIR_PROTOCOL_ERROR. */
export class BerError extends Error {
  override readonly name = 'BerError';
}

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  octetString: 0x04,
  enumerated: 0x0a,
  sequence: 0x30,
  set: 0x31,
} as const;

/**
 * A position in a message, bounded by `end`. The element methods read one header, check it, and
 * leave `offset` on the value's first octet (`enter`) or past the element (the rest).
 */
export class BerCursor {
  constructor(
    readonly buffer: Buffer,
    public offset = 0,
    public end = buffer.length,
  ) {
    if (end > buffer.length || offset < 0 || offset > end) throw new BerError('BER bounds outside the buffer');
  }

  get atEnd(): boolean {
    return this.offset >= this.end;
  }

  /** The next element's tag, or -1 at the end. */
  peek(): number {
    return this.offset < this.end ? (this.buffer[this.offset] as number) : -1;
  }

  /** Reads a header; returns the value's end. `offset` is left on the value's first octet. */
  header(expectedTag?: number): number {
    const { buffer, end } = this;
    let at = this.offset;
    if (at + 2 > end) throw new BerError(`BER element truncated at offset ${at}`);
    const tag = buffer[at] as number;
    if (expectedTag !== undefined && tag !== expectedTag) throw new BerError(`BER tag 0x${tag.toString(16)} where 0x${expectedTag.toString(16)} was expected at offset ${at}`);
    // High tag numbers (0x1f) are not used by LDAP.
    if ((tag & 0x1f) === 0x1f) throw new BerError(`Multi-octet BER tag at offset ${at}`);
    const first = buffer[at + 1] as number;
    at += 2;
    let length = first;
    if (first & 0x80) {
      const count = first & 0x7f;
      // 0x80 is the indefinite form, which LDAP forbids; more than 4 octets is beyond any message we accept.
      if (count === 0 || count > 4) throw new BerError(`Unsupported BER length form 0x${first.toString(16)} at offset ${at - 1}`);
      if (at + count > end) throw new BerError(`BER length truncated at offset ${at}`);
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + (buffer[at + i] as number);
      at += count;
    }
    if (length > end - at) throw new BerError(`BER length ${length} at offset ${this.offset} runs past its container (${end - at} octets left)`);
    this.offset = at;
    return at + length;
  }

  /** Enters a constructed element: returns a cursor over its contents and moves past it. */
  enter(expectedTag?: number): BerCursor {
    const valueEnd = this.header(expectedTag);
    const inner = new BerCursor(this.buffer, this.offset, valueEnd);
    this.offset = valueEnd;
    return inner;
  }

  /** Skips one element of any tag; returns its tag. */
  skip(): number {
    const tag = this.peek();
    this.offset = this.header();
    return tag;
  }

  /** The bounds of a primitive value, moving past it. */
  span(expectedTag: number): { start: number; stop: number } {
    const stop = this.header(expectedTag);
    const start = this.offset;
    this.offset = stop;
    return { start, stop };
  }

  octets(expectedTag: number = TAG.octetString): Buffer {
    const { start, stop } = this.span(expectedTag);
    return this.buffer.subarray(start, stop);
  }

  string(expectedTag: number = TAG.octetString): string {
    const { start, stop } = this.span(expectedTag);
    return this.buffer.toString('utf8', start, stop);
  }

  /** INTEGER or ENUMERATED within 32 bits (message ids, result codes: RFC 4511 uses 0..2^31-1). */
  integer(expectedTag: number = TAG.integer): number {
    const { start, stop } = this.span(expectedTag);
    const size = stop - start;
    if (size < 1 || size > 4) throw new BerError(`BER integer of ${size} octets at offset ${start}`);
    // Two's complement: a leading 1 bit means negative.
    return (this.buffer[start] as number) & 0x80 ? this.buffer.readIntBE(start, size) : this.buffer.readUIntBE(start, size);
  }

  boolean(): boolean {
    const { start, stop } = this.span(TAG.boolean);
    if (stop - start !== 1) throw new BerError(`BER boolean of ${stop - start} octets at offset ${start}`);
    return this.buffer[start] !== 0;
  }
}

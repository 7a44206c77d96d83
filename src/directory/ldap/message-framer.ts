/**
 * Splits an LDAP byte stream into complete LDAPMessages (RFC 4511 section 4.1.1: each is one BER
 * SEQUENCE with a definite length).
 *
 * Linear buffering: received chunks are kept as they are and joined once per message (a message
 * inside one chunk is a zero-copy slice), so a 50 MB entry arriving in 64 KB chunks costs one copy,
 * not the 800-odd re-concatenations of the whole buffer it cost before. A message longer than
 * `maxMessageBytes` is refused as soon as its header is read, before its bytes are buffered.
 */
import { BerError } from './ber.js';

/** Default limit of one LDAP message: far above a 100,000-member group, far below memory trouble. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

const SEQUENCE = 0x30;
/** Tag, the length's first octet, and at most four length octets. */
const MAX_HEADER = 6;

/**
 * The total length (header + content) of the message starting in `head`, or -1 when `head` does not
 * hold the whole header yet. Throws BerError on a message that is not an LDAPMessage header or too long.
 */
export function messageLength(head: Buffer, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES): number {
  if (head.length < 1) return -1;
  if (head[0] !== SEQUENCE) throw new BerError(`An LDAP message starts with 0x30, not 0x${(head[0] as number).toString(16)}`);
  if (head.length < 2) return -1;
  const first = head[1] as number;
  let headerLength = 2;
  let contentLength = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new BerError(`Unsupported BER length form 0x${first.toString(16)} in an LDAP message header`);
    if (head.length < 2 + count) return -1;
    contentLength = 0;
    for (let i = 0; i < count; i++) contentLength = contentLength * 256 + (head[2 + i] as number);
    headerLength = 2 + count;
  }
  const total = headerLength + contentLength;
  if (total > maxMessageBytes) throw new BerError(`An LDAP message of ${total} bytes exceeds the limit of ${maxMessageBytes} bytes`);
  return total;
}

export class MessageFramer {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  /** Length of the message being received, once its header is known. */
  private expected = -1;

  constructor(private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

  /** Bytes received and not yet part of a returned message. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Adds received bytes; returns the messages they complete. Throws BerError on a malformed stream. */
  push(data: Buffer): Buffer[] {
    if (data.length > 0) {
      this.chunks.push(data);
      this.buffered += data.length;
    }
    const messages: Buffer[] = [];
    for (;;) {
      if (this.expected < 0) {
        if (this.buffered === 0) break;
        this.expected = messageLength(this.head(), this.maxMessageBytes);
        if (this.expected < 0) break;
      }
      if (this.buffered < this.expected) break;
      messages.push(this.take(this.expected));
      this.expected = -1;
    }
    return messages;
  }

  /** The first bytes buffered, enough for a header (joins at most MAX_HEADER bytes). */
  private head(): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= MAX_HEADER || this.chunks.length === 1) return first;
    const parts: Buffer[] = [];
    let size = 0;
    for (const chunk of this.chunks) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= MAX_HEADER) break;
    }
    return Buffer.concat(parts, Math.min(size, MAX_HEADER));
  }

  /** Removes and returns the first `length` buffered bytes. */
  private take(length: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= length) {
      const message = first.subarray(0, length);
      if (first.length === length) this.chunks.shift();
      else this.chunks[0] = first.subarray(length);
      this.buffered -= length;
      return message;
    }
    const message = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const chunk = this.chunks[0] as Buffer;
      const needed = length - filled;
      if (chunk.length <= needed) {
        chunk.copy(message, filled);
        filled += chunk.length;
        this.chunks.shift();
      } else {
        chunk.copy(message, filled, 0, needed);
        this.chunks[0] = chunk.subarray(needed);
        filled += needed;
      }
    }
    this.buffered -= length;
    return message;
  }
}

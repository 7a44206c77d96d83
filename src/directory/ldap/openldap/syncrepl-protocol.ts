/**
 * The parts of LDAP and RFC 4533 (Content Synchronization) that the syncrepl watch needs.
 *
 * Why our own: ldapts rejects IntermediateResponse messages (0x79), which RFC 4533 uses for its
 * Sync Info messages, and does not expose per-entry response controls (Sync State). So the watch
 * frames and decodes responses itself with ldapts' BerReader, and writes requests with ldapts'
 * message classes plus the Sync Request control below.
 * https://www.rfc-editor.org/rfc/rfc4533
 */
import { Ber, BerReader, BerWriter, Control } from 'ldapts';

export const SYNC_REQUEST_OID = '1.3.6.1.4.1.4203.1.9.1.1';
export const SYNC_STATE_OID = '1.3.6.1.4.1.4203.1.9.1.2';
export const SYNC_DONE_OID = '1.3.6.1.4.1.4203.1.9.1.3';
export const SYNC_INFO_OID = '1.3.6.1.4.1.4203.1.9.1.4';
/** RFC 4533 section 3.1: the server asks for a fresh start (the cookie is too old). */
export const E_SYNC_REFRESH_REQUIRED = 4096;

export type SyncMode = 'refreshOnly' | 'refreshAndPersist';

/** syncRequestValue ::= SEQUENCE { mode ENUMERATED, cookie syncCookie OPTIONAL, reloadHint BOOLEAN DEFAULT FALSE } */
export class SyncRequestControl extends Control {
  constructor(
    private readonly mode: SyncMode,
    private readonly cookie?: Buffer,
  ) {
    super(SYNC_REQUEST_OID, { critical: true });
  }

  protected override writeControl(writer: BerWriter): void {
    const value = new BerWriter();
    value.startSequence();
    value.writeEnumeration(this.mode === 'refreshOnly' ? 1 : 3);
    if (this.cookie && this.cookie.length > 0) value.writeBuffer(this.cookie, Ber.OctetString);
    value.endSequence();
    writer.writeBuffer(value.buffer, Ber.OctetString);
  }
}

export type SyncState = 'present' | 'add' | 'modify' | 'delete';
const SYNC_STATES: SyncState[] = ['present', 'add', 'modify', 'delete'];

export interface ResponseControl {
  type: string;
  value: Buffer;
}

export type LdapResponse =
  | { kind: 'bind'; messageId: number; resultCode: number; diagnostic: string }
  | { kind: 'extended'; messageId: number; resultCode: number; diagnostic: string }
  | { kind: 'entry'; messageId: number; dn: string; state?: SyncState; uuid?: string; cookie?: Buffer }
  | { kind: 'reference'; messageId: number }
  | { kind: 'done'; messageId: number; resultCode: number; diagnostic: string; cookie?: Buffer; refreshDeletes?: boolean }
  | { kind: 'intermediate'; messageId: number; info?: SyncInfo }
  | { kind: 'other'; messageId: number; op: number };

export type SyncInfo =
  | { type: 'newcookie'; cookie: Buffer }
  | { type: 'refreshDelete' | 'refreshPresent'; cookie?: Buffer; refreshDone: boolean }
  | { type: 'syncIdSet'; cookie?: Buffer; refreshDeletes: boolean; uuids: Buffer[] };

/** Length of the first complete BER element in `buffer`, or -1 when more bytes are needed. */
export function completeMessageLength(buffer: Buffer): number {
  if (buffer.length < 2) return -1;
  const first = buffer[1] as number;
  let headerLength = 2;
  let contentLength = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new Error('Unsupported BER length encoding from the server');
    if (buffer.length < 2 + count) return -1;
    contentLength = 0;
    for (let i = 0; i < count; i++) contentLength = contentLength * 256 + (buffer[2 + i] as number);
    headerLength = 2 + count;
  }
  return buffer.length >= headerLength + contentLength ? headerLength + contentLength : -1;
}

/** Splits a byte stream into LDAP messages. */
export class MessageFramer {
  private pending: Buffer = Buffer.alloc(0);

  push(data: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    const messages: Buffer[] = [];
    for (;;) {
      const length = completeMessageLength(this.pending);
      if (length < 0) break;
      messages.push(this.pending.subarray(0, length));
      this.pending = this.pending.subarray(length);
    }
    return messages;
  }
}

function readResult(reader: BerReader): { resultCode: number; diagnostic: string } {
  const resultCode = reader.readEnumeration() ?? 0;
  reader.readString(); // matchedDN
  const diagnostic = reader.readString() ?? '';
  return { resultCode, diagnostic };
}

function readControls(reader: BerReader, end: number): ResponseControl[] {
  const controls: ResponseControl[] = [];
  if (reader.offset >= end || reader.peek() !== 0xa0) return controls;
  reader.readSequence(0xa0);
  const controlsEnd = reader.offset + reader.length;
  while (reader.offset < controlsEnd) {
    reader.readSequence();
    const controlEnd = reader.offset + reader.length;
    const type = reader.readString() ?? '';
    if (reader.offset < controlEnd && reader.peek() === Ber.Boolean) reader.readBoolean();
    const value = reader.offset < controlEnd ? (reader.readString(Ber.OctetString, true) ?? Buffer.alloc(0)) : Buffer.alloc(0);
    reader.offset = controlEnd;
    controls.push({ type, value });
  }
  return controls;
}

/** A syncUUID (16 octets) in the text form of the entryUUID attribute (RFC 4530): 8-4-4-4-12 lower-case hex. */
export function formatUuid(octets: Buffer): string {
  const hex = octets.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** syncStateValue ::= SEQUENCE { state ENUMERATED, entryUUID syncUUID, cookie syncCookie OPTIONAL } */
function decodeSyncState(value: Buffer): { state?: SyncState; uuid?: string; cookie?: Buffer } {
  const reader = new BerReader(value);
  reader.readSequence();
  const end = reader.offset + reader.length;
  const state = SYNC_STATES[reader.readEnumeration() ?? -1];
  const uuid = reader.readString(Ber.OctetString, true);
  const cookie = reader.offset < end ? (reader.readString(Ber.OctetString, true) ?? undefined) : undefined;
  return { state, ...(uuid && uuid.length === 16 ? { uuid: formatUuid(uuid) } : {}), cookie };
}

/** syncDoneValue ::= SEQUENCE { cookie syncCookie OPTIONAL, refreshDeletes BOOLEAN DEFAULT FALSE } */
function decodeSyncDone(value: Buffer): { cookie?: Buffer; refreshDeletes: boolean } {
  const reader = new BerReader(value);
  reader.readSequence();
  const end = reader.offset + reader.length;
  const cookie = reader.offset < end && reader.peek() === Ber.OctetString ? (reader.readString(Ber.OctetString, true) ?? undefined) : undefined;
  const refreshDeletes = reader.offset < end && reader.peek() === Ber.Boolean ? (reader.readBoolean() ?? false) : false;
  return { cookie, refreshDeletes };
}

/** syncInfoValue ::= CHOICE { newcookie [0], refreshDelete [1], refreshPresent [2], syncIdSet [3] } */
export function decodeSyncInfo(value: Buffer): SyncInfo | undefined {
  const reader = new BerReader(value);
  const tag = reader.peek();
  if (tag === 0x80) return { type: 'newcookie', cookie: reader.readString(0x80, true) ?? Buffer.alloc(0) };
  if (tag !== 0xa1 && tag !== 0xa2 && tag !== 0xa3) return undefined;
  reader.readSequence(tag);
  const end = reader.offset + reader.length;
  const cookie = reader.offset < end && reader.peek() === Ber.OctetString ? (reader.readString(Ber.OctetString, true) ?? undefined) : undefined;
  if (tag === 0xa3) {
    const refreshDeletes = reader.offset < end && reader.peek() === Ber.Boolean ? (reader.readBoolean() ?? false) : false;
    const uuids: Buffer[] = [];
    if (reader.offset < end) {
      reader.readSequence(0x31);
      const setEnd = reader.offset + reader.length;
      while (reader.offset < setEnd) uuids.push(reader.readString(Ber.OctetString, true) ?? Buffer.alloc(0));
    }
    return { type: 'syncIdSet', cookie, refreshDeletes, uuids };
  }
  const refreshDone = reader.offset < end && reader.peek() === Ber.Boolean ? (reader.readBoolean() ?? true) : true;
  return { type: tag === 0xa1 ? 'refreshDelete' : 'refreshPresent', cookie, refreshDone };
}

/** Decodes one complete LDAPMessage (RFC 4511 section 4.1.1). */
export function decodeResponse(message: Buffer): LdapResponse {
  const reader = new BerReader(message);
  reader.readSequence(0x30);
  const end = reader.offset + reader.length;
  const messageId = reader.readInt() ?? 0;
  const op = reader.readSequence();
  if (op === null) throw new Error('Truncated LDAP message');
  const opEnd = reader.offset + reader.length;
  switch (op) {
    case 0x61: {
      const result = readResult(reader);
      return { kind: 'bind', messageId, ...result };
    }
    case 0x78: {
      const result = readResult(reader);
      return { kind: 'extended', messageId, ...result };
    }
    case 0x64: {
      const dn = reader.readString() ?? '';
      reader.offset = opEnd;
      const state = readControls(reader, end).find((c) => c.type === SYNC_STATE_OID);
      return { kind: 'entry', messageId, dn, ...(state ? decodeSyncState(state.value) : {}) };
    }
    case 0x73:
      return { kind: 'reference', messageId };
    case 0x65: {
      const result = readResult(reader);
      reader.offset = opEnd;
      const done = readControls(reader, end).find((c) => c.type === SYNC_DONE_OID);
      return { kind: 'done', messageId, ...result, ...(done ? decodeSyncDone(done.value) : {}) };
    }
    case 0x79: {
      let name = '';
      let value: Buffer | undefined;
      if (reader.offset < opEnd && reader.peek() === 0x80) name = reader.readString(0x80) ?? '';
      if (reader.offset < opEnd && reader.peek() === 0x81) value = reader.readString(0x81, true) ?? undefined;
      return { kind: 'intermediate', messageId, info: name === SYNC_INFO_OID && value ? decodeSyncInfo(value) : undefined };
    }
    default:
      return { kind: 'other', messageId, op };
  }
}

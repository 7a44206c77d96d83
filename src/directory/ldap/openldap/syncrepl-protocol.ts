/**
 * The parts of LDAP and RFC 4533 (Content Synchronization) that the syncrepl watch needs.
 *
 * Why our own: ldapts rejects IntermediateResponse messages (0x79), which RFC 4533 uses for its
 * Sync Info messages, and does not expose per-entry response controls (Sync State). So the watch
 * frames (message-framer.ts) and decodes responses itself with a strict BER reader (ber.ts), and
 * writes requests with ldapts' message classes plus the Sync Request control below.
 * https://www.rfc-editor.org/rfc/rfc4533
 */
import { Ber, BerWriter, Control } from 'ldapts';

import { BerCursor, TAG } from '../ber.js';

const CONTROLS = 0xa0;

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

function readResult(op: BerCursor): { resultCode: number; diagnostic: string } {
  const resultCode = op.integer(TAG.enumerated);
  op.skip(); // matchedDN
  const diagnostic = op.string();
  return { resultCode, diagnostic };
}

/** Controls ::= [0] SEQUENCE OF Control; Control ::= SEQUENCE { controlType, criticality BOOLEAN DEFAULT FALSE, controlValue OCTET STRING OPTIONAL } */
export function readControls(message: BerCursor): ResponseControl[] {
  const controls: ResponseControl[] = [];
  if (message.peek() !== CONTROLS) return controls;
  const list = message.enter(CONTROLS);
  while (!list.atEnd) {
    const control = list.enter(TAG.sequence);
    const type = control.string();
    if (control.peek() === TAG.boolean) control.boolean();
    const value = control.atEnd ? Buffer.alloc(0) : control.octets();
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
export function decodeSyncState(value: Buffer): { state?: SyncState; uuid?: string; cookie?: Buffer } {
  const sequence = new BerCursor(value).enter(TAG.sequence);
  const state = SYNC_STATES[sequence.integer(TAG.enumerated)];
  const uuid = sequence.octets();
  const cookie = sequence.atEnd ? undefined : sequence.octets();
  return { state, ...(uuid.length === 16 ? { uuid: formatUuid(uuid) } : {}), cookie };
}

/** syncDoneValue ::= SEQUENCE { cookie syncCookie OPTIONAL, refreshDeletes BOOLEAN DEFAULT FALSE } */
export function decodeSyncDone(value: Buffer): { cookie?: Buffer; refreshDeletes: boolean } {
  const sequence = new BerCursor(value).enter(TAG.sequence);
  const cookie = sequence.peek() === TAG.octetString ? sequence.octets() : undefined;
  const refreshDeletes = sequence.peek() === TAG.boolean ? sequence.boolean() : false;
  return { cookie, refreshDeletes };
}

/** syncInfoValue ::= CHOICE { newcookie [0], refreshDelete [1], refreshPresent [2], syncIdSet [3] } */
export function decodeSyncInfo(value: Buffer): SyncInfo | undefined {
  const reader = new BerCursor(value);
  const tag = reader.peek();
  if (tag === 0x80) return { type: 'newcookie', cookie: reader.octets(0x80) };
  if (tag !== 0xa1 && tag !== 0xa2 && tag !== 0xa3) return undefined;
  const choice = reader.enter(tag);
  const cookie = choice.peek() === TAG.octetString ? choice.octets() : undefined;
  if (tag === 0xa3) {
    const refreshDeletes = choice.peek() === TAG.boolean ? choice.boolean() : false;
    const uuids: Buffer[] = [];
    const set = choice.enter(TAG.set);
    while (!set.atEnd) uuids.push(set.octets());
    return { type: 'syncIdSet', cookie, refreshDeletes, uuids };
  }
  const refreshDone = choice.peek() === TAG.boolean ? choice.boolean() : true;
  return { type: tag === 0xa1 ? 'refreshDelete' : 'refreshPresent', cookie, refreshDone };
}

/** The messageID of an LDAPMessage, and a cursor on its protocolOp. Throws BerError. */
export function openMessage(message: Buffer): { messageId: number; body: BerCursor } {
  const body = new BerCursor(message).enter(TAG.sequence);
  const messageId = body.integer();
  return { messageId, body };
}

/** Decodes one complete LDAPMessage (RFC 4511 section 4.1.1). Throws BerError when it is malformed. */
export function decodeResponse(message: Buffer): LdapResponse {
  const { messageId, body } = openMessage(message);
  const opTag = body.peek();
  const op = body.enter();
  switch (opTag) {
    case 0x61:
      return { kind: 'bind', messageId, ...readResult(op) };
    case 0x78:
      return { kind: 'extended', messageId, ...readResult(op) };
    case 0x64: {
      const dn = op.string();
      const state = readControls(body).find((c) => c.type === SYNC_STATE_OID);
      return { kind: 'entry', messageId, dn, ...(state ? decodeSyncState(state.value) : {}) };
    }
    case 0x73:
      return { kind: 'reference', messageId };
    case 0x65: {
      const result = readResult(op);
      const done = readControls(body).find((c) => c.type === SYNC_DONE_OID);
      return { kind: 'done', messageId, ...result, ...(done ? decodeSyncDone(done.value) : {}) };
    }
    case 0x79: {
      const name = op.peek() === 0x80 ? op.string(0x80) : '';
      const value = op.peek() === 0x81 ? op.octets(0x81) : undefined;
      return { kind: 'intermediate', messageId, info: name === SYNC_INFO_OID && value ? decodeSyncInfo(value) : undefined };
    }
    default:
      return { kind: 'other', messageId, op: opTag };
  }
}

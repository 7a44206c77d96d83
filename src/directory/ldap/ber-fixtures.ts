/** LDAP response messages as a server sends them, for tests of the decoders (RFC 4511 section 4.5.2). */
import { BerWriter } from 'ldapts';

import type { DirectoryEntry } from '../entry.js';
import { openMessage, SYNC_DONE_OID, SYNC_INFO_OID, SYNC_STATE_OID } from './openldap/syncrepl-protocol.js';
import { AttributeNames, decodeEntry, type PagedSearch } from './paged-search.js';

export function searchEntryMessage(dn: string, attributes: Array<[string, Buffer[]]>, messageId = 5): Buffer {
  const w = new BerWriter();
  w.startSequence();
  w.writeInt(messageId);
  w.startSequence(0x64);
  w.writeString(dn);
  w.startSequence();
  for (const [name, values] of attributes) {
    w.startSequence();
    w.writeString(name);
    w.startSequence(0x31);
    for (const v of values) w.writeBuffer(v, 0x04);
    w.endSequence();
    w.endSequence();
  }
  w.endSequence();
  w.endSequence();
  w.endSequence();
  return w.buffer;
}

/** Decodes a message made by searchEntryMessage the way a paged search does. */
export function decodeEntryMessage(message: Buffer, options: Pick<PagedSearch, 'drop' | 'binary'> = {}, names = new AttributeNames()): DirectoryEntry {
  const { body } = openMessage(message);
  return decodeEntry(message, body.enter(0x64), options, names);
}

/** LDAPMessage ::= SEQUENCE { messageID, protocolOp, controls [0] OPTIONAL } with the op written by `body`. */
export function ldapMessage(messageId: number, op: number, body: (w: BerWriter) => void, controls?: Array<{ type: string; value?: Buffer }>): Buffer {
  const w = new BerWriter();
  w.startSequence();
  w.writeInt(messageId);
  w.startSequence(op);
  body(w);
  w.endSequence();
  if (controls) {
    w.startSequence(0xa0);
    for (const control of controls) {
      w.startSequence();
      w.writeString(control.type);
      if (control.value) w.writeBuffer(control.value, 0x04);
      w.endSequence();
    }
    w.endSequence();
  }
  w.endSequence();
  return w.buffer;
}

function result(w: BerWriter, resultCode: number, diagnostic = ''): void {
  w.writeEnumeration(resultCode);
  w.writeString('');
  w.writeString(diagnostic);
}

export function bindResponseMessage(messageId: number, resultCode = 0): Buffer {
  return ldapMessage(messageId, 0x61, (w) => result(w, resultCode));
}

export function extendedResponseMessage(messageId: number, resultCode = 0): Buffer {
  return ldapMessage(messageId, 0x78, (w) => result(w, resultCode));
}

/** SearchResultDone, with the Paged Results control carrying `cookie` when given (more pages follow). */
export function searchDoneMessage(messageId: number, options: { resultCode?: number; pagedCookie?: Buffer; syncDone?: { cookie?: Buffer; refreshDeletes?: boolean } } = {}): Buffer {
  const controls: Array<{ type: string; value?: Buffer }> = [];
  if (options.pagedCookie) {
    const value = new BerWriter();
    value.startSequence();
    value.writeInt(0);
    value.writeBuffer(options.pagedCookie, 0x04);
    value.endSequence();
    controls.push({ type: '1.2.840.113556.1.4.319', value: value.buffer });
  }
  if (options.syncDone) {
    const value = new BerWriter();
    value.startSequence();
    if (options.syncDone.cookie) value.writeBuffer(options.syncDone.cookie, 0x04);
    if (options.syncDone.refreshDeletes) value.writeBoolean(true);
    value.endSequence();
    controls.push({ type: SYNC_DONE_OID, value: value.buffer });
  }
  return ldapMessage(messageId, 0x65, (w) => result(w, options.resultCode ?? 0), controls.length > 0 ? controls : undefined);
}

/** A SearchResultEntry with its RFC 4533 Sync State control (state: 0 present, 1 add, 2 modify, 3 delete). */
export function syncStateEntryMessage(messageId: number, dn: string, state: number, uuid: Buffer, cookie?: Buffer): Buffer {
  const value = new BerWriter();
  value.startSequence();
  value.writeEnumeration(state);
  value.writeBuffer(uuid, 0x04);
  if (cookie) value.writeBuffer(cookie, 0x04);
  value.endSequence();
  return ldapMessage(
    messageId,
    0x64,
    (w) => {
      w.writeString(dn);
      w.startSequence();
      w.endSequence();
    },
    [{ type: SYNC_STATE_OID, value: value.buffer }],
  );
}

/** An IntermediateResponse carrying a Sync Info value (RFC 4533 section 2.5). */
export function syncInfoMessage(messageId: number, value: Buffer): Buffer {
  return ldapMessage(messageId, 0x79, (w) => {
    w.writeString(SYNC_INFO_OID, 0x80);
    w.writeBuffer(value, 0x81);
  });
}

/** syncIdSet [3] { cookie, refreshDeletes, syncUUIDs SET OF } */
export function syncIdSetValue(uuids: Buffer[], options: { cookie?: Buffer; refreshDeletes?: boolean } = {}): Buffer {
  const w = new BerWriter();
  w.startSequence(0xa3);
  if (options.cookie) w.writeBuffer(options.cookie, 0x04);
  if (options.refreshDeletes) w.writeBoolean(true);
  w.startSequence(0x31);
  for (const uuid of uuids) w.writeBuffer(uuid, 0x04);
  w.endSequence();
  w.endSequence();
  return w.buffer;
}

/** refreshPresent [2] / refreshDelete [1] { cookie, refreshDone } */
export function refreshDoneValue(phase: 'present' | 'delete', cookie?: Buffer): Buffer {
  const w = new BerWriter();
  w.startSequence(phase === 'present' ? 0xa2 : 0xa1);
  if (cookie) w.writeBuffer(cookie, 0x04);
  w.writeBoolean(true);
  w.endSequence();
  return w.buffer;
}

import { Ber, BerWriter, FilterParser, SearchRequest } from 'ldapts';
import { describe, expect, it } from 'vitest';

import { messageLength } from '../message-framer.js';
import { decodeResponse, formatUuid, SYNC_DONE_OID, SYNC_INFO_OID, SYNC_STATE_OID, SyncRequestControl } from './syncrepl-protocol.js';

const uuid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

function message(messageId: number, op: number, body: (w: BerWriter) => void, controls?: (w: BerWriter) => void): Buffer {
  const w = new BerWriter();
  w.startSequence();
  w.writeInt(messageId);
  w.startSequence(op);
  body(w);
  w.endSequence();
  if (controls) {
    w.startSequence(0xa0);
    controls(w);
    w.endSequence();
  }
  w.endSequence();
  return w.buffer;
}

function syncStateEntry(dn: string, state: number, cookie?: string): Buffer {
  return message(
    7,
    0x64,
    (w) => {
      w.writeString(dn);
      w.startSequence();
      w.startSequence();
      w.writeString('cn');
      w.startSequence(0x31);
      w.writeString('x');
      w.endSequence();
      w.endSequence();
      w.endSequence();
    },
    (w) => {
      const value = new BerWriter();
      value.startSequence();
      value.writeEnumeration(state);
      value.writeBuffer(uuid, Ber.OctetString);
      if (cookie) value.writeString(cookie);
      value.endSequence();
      w.startSequence();
      w.writeString(SYNC_STATE_OID);
      w.writeBuffer(value.buffer, Ber.OctetString);
      w.endSequence();
    },
  );
}

function syncInfo(value: Buffer): Buffer {
  return message(7, 0x79, (w) => {
    w.writeString(SYNC_INFO_OID, 0x80);
    w.writeBuffer(value, 0x81);
  });
}

describe('RFC 4533 decoding', () => {
  it('reads a search entry with its Sync State control', () => {
    expect(decodeResponse(syncStateEntry('uid=a,dc=x', 2, 'rid=000,csn=1'))).toEqual({ kind: 'entry', messageId: 7, dn: 'uid=a,dc=x', state: 'modify', uuid: formatUuid(uuid), cookie: Buffer.from('rid=000,csn=1') });
    expect(decodeResponse(syncStateEntry('uid=a,dc=x', 3))).toMatchObject({ state: 'delete', cookie: undefined });
  });

  it('reads Sync Info messages: newcookie, refreshPresent and syncIdSet', () => {
    const newcookie = new BerWriter();
    newcookie.writeString('rid=000,csn=2', 0x80);
    expect(decodeResponse(syncInfo(newcookie.buffer))).toMatchObject({ kind: 'intermediate', info: { type: 'newcookie', cookie: Buffer.from('rid=000,csn=2') } });

    const present = new BerWriter();
    present.startSequence(0xa2);
    present.writeString('c');
    present.endSequence();
    expect(decodeResponse(syncInfo(present.buffer))).toMatchObject({ info: { type: 'refreshPresent', refreshDone: true, cookie: Buffer.from('c') } });

    const idSet = new BerWriter();
    idSet.startSequence(0xa3);
    idSet.writeBoolean(true);
    idSet.startSequence(0x31);
    idSet.writeBuffer(uuid, Ber.OctetString);
    idSet.writeBuffer(uuid, Ber.OctetString);
    idSet.endSequence();
    idSet.endSequence();
    expect(decodeResponse(syncInfo(idSet.buffer))).toMatchObject({ info: { type: 'syncIdSet', refreshDeletes: true, uuids: [uuid, uuid] } });
  });

  it('reads a search result done with its result code', () => {
    const done = message(7, 0x65, (w) => {
      w.writeEnumeration(4096);
      w.writeString('');
      w.writeString('refresh required');
    });
    expect(decodeResponse(done)).toMatchObject({ kind: 'done', resultCode: 4096, diagnostic: 'refresh required' });
  });

  it.each([
    [true, true],
    [false, false],
    [undefined, false],
  ])('reads the Sync Done control of a refreshOnly search (refreshDeletes %s)', (written, read) => {
    const value = new BerWriter();
    value.startSequence();
    value.writeString('rid=000,csn=3');
    if (written !== undefined) value.writeBoolean(written);
    value.endSequence();
    const done = message(
      7,
      0x65,
      (w) => {
        w.writeEnumeration(0);
        w.writeString('');
        w.writeString('');
      },
      (w) => {
        w.startSequence();
        w.writeString(SYNC_DONE_OID);
        w.writeBuffer(value.buffer, Ber.OctetString);
        w.endSequence();
      },
    );
    expect(decodeResponse(done)).toMatchObject({ kind: 'done', resultCode: 0, cookie: Buffer.from('rid=000,csn=3'), refreshDeletes: read });
  });

  it('formats a syncUUID as the entryUUID attribute does', () => {
    expect(formatUuid(Buffer.from('58cefb187f0e10419fb3178dcd9a72cf', 'hex'))).toBe('58cefb18-7f0e-1041-9fb3-178dcd9a72cf');
  });

  it('writes the Sync Request control into a search request', () => {
    const request = new SearchRequest({ messageId: 3, baseDN: 'dc=x', filter: FilterParser.parseString('(objectClass=*)'), controls: [new SyncRequestControl('refreshAndPersist', Buffer.from('rid=000,csn=1'))] });
    const bytes = request.write();
    expect(bytes.includes(Buffer.from('1.3.6.1.4.1.4203.1.9.1.1'))).toBe(true);
    expect(bytes.includes(Buffer.from('rid=000,csn=1'))).toBe(true);
    expect(messageLength(bytes)).toBe(bytes.length);
  });
});

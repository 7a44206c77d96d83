/**
 * A replication conversation recorded from a real Samba AD DC (scripts/record-drsr-fixtures.ts):
 * the sealed PDUs unseal with the session key and verify their signatures in order, the stubs
 * decode, and the NT hashes inside equal MD4 of the users' passwords (hash-wasm, computed here).
 * Every reader is then fed truncated, overlong, mutated and random input: an NdrError (or the
 * module's own error), never another exception, never a hang.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { md4 } from 'hash-wasm';
import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_OIDS, parseDrsBindReply, parseGetNCChangesReply, ridOf } from './drsuapi.js';
import { parseEptMapResponse, decodeTower } from './epm.js';
import { NdrError } from './ndr.js';
import { SealingDirection } from './ntlm.js';
import { PrefixTableError } from './prefix-table.js';
import { openResponse, RpcProtocolError } from './rpc-connection.js';
import { parseBindAck, PTYPE, readHeader, splitAuth } from './rpc-pdu.js';
import { ntHashFromUnicodePwd } from './secrets.js';
import { objectGuidToString } from '../object-guid.js';

interface Conversation {
  users: Array<{ name: string; password: string }>;
  sessionKey: string;
  eptMap: string;
  drsBind: string;
  getNCChanges: string[];
  receivedPdus: string[];
}

const recorded = JSON.parse(readFileSync(new URL('../../../../../test/fixtures/ad-drsr/conversation.json', import.meta.url), 'utf8')) as Conversation;
const b64 = (s: string) => Buffer.from(s, 'base64');
const sessionKey = b64(recorded.sessionKey);
const pages = recorded.getNCChanges.map(b64);

function expectOnly(errors: Array<new (...args: never[]) => Error>, run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!errors.some((E) => error instanceof E)) throw error;
  }
}

describe('a recorded DRSUAPI conversation', () => {
  it('unseals every received response in order and verifies its signature', () => {
    const server = new SealingDirection(sessionKey, 'server-to-client');
    const pdus = recorded.receivedPdus.map(b64);
    expect(readHeader(pdus[0]!).type).toBe(PTYPE.bindAck);
    const stubs: Buffer[] = [];
    let current: Buffer[] = [];
    for (const pdu of pdus.slice(1)) {
      const header = readHeader(pdu);
      current.push(openResponse(server, pdu, header));
      if (header.flags & 0x02) {
        stubs.push(Buffer.concat(current));
        current = [];
      }
    }
    expect(stubs[0]).toEqual(b64(recorded.drsBind));
    expect(stubs.slice(1)).toEqual(pages);
  });

  it('refuses a response whose sealed body was changed in transit', () => {
    const server = new SealingDirection(sessionKey, 'server-to-client');
    const pdus = recorded.receivedPdus.map(b64);
    const tampered = Buffer.from(pdus[1]!);
    tampered[40]! ^= 0x01;
    expect(() => openResponse(server, tampered, readHeader(tampered))).toThrow(RpcProtocolError);
  });

  it('decodes the bind and the replication pages; the NT hashes equal MD4 of the passwords', async () => {
    expect(parseEptMapResponse(b64(recorded.eptMap))[0]).toBeGreaterThan(1024);
    expect(parseDrsBindReply(b64(recorded.drsBind)).status).toBe(0);
    const replies = pages.map(parseGetNCChangesReply);
    expect(replies.map((r) => r.moreData)).toEqual([...replies.slice(1).map(() => true), false]);
    expect(replies.at(-1)!.usnvecTo.highObjUpdate).toBeGreaterThan(0n);
    const hashes = new Map<string, string>();
    for (const object of replies.flatMap((r) => r.objects)) {
      const value = object.attributes.get(ATTRIBUTE_OIDS.unicodePwd)?.[0];
      if (!value) continue;
      expect(objectGuidToString(object.name.guid)).toMatch(/^[0-9a-f-]{36}$/);
      const cn = /^CN=([^,]+)/.exec(object.name.dn)![1]!;
      hashes.set(cn, ntHashFromUnicodePwd(sessionKey, value, ridOf(object.name.sid)!).toString('hex'));
    }
    for (const user of recorded.users) {
      expect(hashes.get(user.name)).toBe(await md4(Buffer.from(user.password, 'utf16le')));
    }
  });
});

describe('readers fed hostile input', () => {
  const readers: Array<[string, Buffer, (b: Buffer) => unknown]> = [
    ['GetNCChanges reply', pages[0]!, parseGetNCChangesReply],
    ['GetNCChanges reply (last page)', pages.at(-1)!, parseGetNCChangesReply],
    ['DRSBind reply', b64(recorded.drsBind), parseDrsBindReply],
    ['ept_map reply', b64(recorded.eptMap), parseEptMapResponse],
    ['tower', Buffer.from('0500', 'hex'), decodeTower],
  ];

  it.each(readers)('%s: every truncation is an NdrError', (_name, good, read) => {
    for (let n = 0; n < good.length; n += Math.max(1, Math.floor(good.length / 600))) {
      expect(() => read(good.subarray(0, n))).toThrow(NdrError);
    }
  });

  it.each(readers)('%s: trailing bytes, flipped bytes and random input give a result or an NdrError', (_name, good, read) => {
    expectOnly([NdrError, PrefixTableError], () => read(Buffer.concat([good, Buffer.alloc(4)])));
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), (flips) => {
      const mutated = Buffer.from(good);
      for (const [at, value] of flips) if (mutated.length) mutated[at % mutated.length] = value;
      expectOnly([NdrError, PrefixTableError], () => read(mutated));
    }), { numRuns: 500 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
      expectOnly([NdrError, PrefixTableError], () => read(Buffer.from(bytes)));
    }), { numRuns: 500 });
  });

  it('PDU header and bind_ack readers: any bytes give a result or an NdrError', () => {
    const bindAck = b64(recorded.receivedPdus[0]!);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, keepHeader) => {
      const input = keepHeader ? Buffer.concat([bindAck.subarray(0, 16), Buffer.from(bytes)]) : Buffer.from(bytes);
      if (keepHeader && input.length >= 16) input.writeUInt16LE(input.length, 8);
      expectOnly([NdrError], () => {
        const header = readHeader(input);
        splitAuth(input, header, 16);
        parseBindAck(input, header);
      });
    }), { numRuns: 2000 });
    expect(parseBindAck(bindAck, readHeader(bindAck)).authToken?.subarray(0, 8).toString('latin1')).toBe('NTLMSSP\0');
  });
});

/**
 * Every decoder of server bytes, fed truncated, overlong, "negative" (all-ones) lengths and random
 * input: each either decodes or throws a BerError, and does so in bounded time. Any other outcome
 * (a RangeError from reading past a buffer, a loop that never ends) is a bug: the server is untrusted.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';

import { BerCursor, BerError } from './ber.js';
import {
  bindResponseMessage,
  decodeEntryMessage,
  refreshDoneValue,
  searchDoneMessage,
  searchEntryMessage,
  syncIdSetValue,
  syncInfoMessage,
  syncStateEntryMessage,
} from './ber-fixtures.js';
import { DEFAULT_MAX_MESSAGE_BYTES, MessageFramer } from './message-framer.js';
import { decodeSyncDone, decodeSyncInfo, decodeSyncState, decodeResponse, openMessage, readControls } from './openldap/syncrepl-protocol.js';
import { decodeDone } from './paged-search.js';

const uuid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

/**
 * Runs `decode`; true when it returned or threw a BerError within `limitMs`. One decode of these few
 * hundred bytes takes microseconds: the limit only catches a blow-up, and is generous because CI
 * runs test files in parallel on a small shared machine.
 */
function endsCleanly(decode: () => unknown, limitMs = 5_000): boolean {
  const started = performance.now();
  try {
    decode();
  } catch (error) {
    if (!(error instanceof BerError)) throw error;
  }
  const took = performance.now() - started;
  if (took > limitMs) throw new Error(`decoding took ${took.toFixed(1)} ms`);
  return true;
}

const decoders: Array<[string, (bytes: Buffer) => unknown]> = [
  ['decodeResponse (any LDAP message, RFC 4533 controls)', (bytes) => decodeResponse(bytes)],
  ['decodeEntryMessage (a paged search entry)', (bytes) => decodeEntryMessage(bytes, { binary: { objectguid: (b) => b.toString('hex') } })],
  ['decodeDone (paged results cookie)', (bytes) => decodeDone(openMessage(bytes).body)],
  ['readControls', (bytes) => readControls(new BerCursor(bytes))],
  ['decodeSyncInfo', (bytes) => decodeSyncInfo(bytes)],
  ['decodeSyncState', (bytes) => decodeSyncState(bytes)],
  ['decodeSyncDone', (bytes) => decodeSyncDone(bytes)],
  ['MessageFramer', (bytes) => new MessageFramer(1024).push(bytes)],
];

/** Valid messages and values of every kind the decoders read, to mutate. */
const samples: Buffer[] = [
  searchEntryMessage('uid=a,ou=people,dc=example,dc=org', [
    ['uid', [Buffer.from('a')]],
    ['objectGUID', [uuid]],
    ['cn', [Buffer.from('Ann'), Buffer.from('Anna')]],
  ]),
  searchDoneMessage(5, { pagedCookie: Buffer.from('next-page') }),
  searchDoneMessage(5, { syncDone: { cookie: Buffer.from('rid=000,csn=1'), refreshDeletes: true } }),
  syncStateEntryMessage(5, 'uid=a,dc=x', 1, uuid, Buffer.from('cookie')),
  syncInfoMessage(5, syncIdSetValue([uuid, uuid], { cookie: Buffer.from('c'), refreshDeletes: true })),
  syncInfoMessage(5, refreshDoneValue('present', Buffer.from('c'))),
  bindResponseMessage(1, 49),
  syncIdSetValue([uuid], { refreshDeletes: true }),
];

const sample = fc.constantFrom(...samples);

describe('decoder fuzzing', () => {
  it.each(decoders)('%s: every truncation of a valid message ends cleanly', (_name, decode) => {
    for (const bytes of samples) {
      for (let cut = 0; cut < bytes.length; cut++) expect(endsCleanly(() => decode(bytes.subarray(0, cut)))).toBe(true);
    }
  });

  it.each(decoders)('%s: a length rewritten to overlong, all-ones ("negative") or zero ends cleanly', (_name, decode) => {
    fc.assert(
      fc.property(sample, fc.nat(), fc.constantFrom([0x84, 0xff, 0xff, 0xff, 0xff], [0x84, 0x7f, 0xff, 0xff, 0xff], [0x81, 0xff], [0x80], [0x85, 1, 0, 0, 0, 0], [0x7f], [0x00]), (bytes, at, length) => {
        // Replace the length octet(s) after some tag with the crafted ones.
        const position = 1 + (at % (bytes.length - 1));
        const mutated = Buffer.concat([bytes.subarray(0, position), Buffer.from(length), bytes.subarray(position + 1)]);
        return endsCleanly(() => decode(mutated));
      }),
      { numRuns: 300 },
    );
  });

  it.each(decoders)('%s: random bytes, and valid messages with random bytes flipped, end cleanly', (_name, decode) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => endsCleanly(() => decode(Buffer.from(bytes)))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(sample, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (bytes, flips) => {
        const mutated = Buffer.from(bytes);
        for (const [at, value] of flips) mutated[at % mutated.length] = value;
        return endsCleanly(() => decode(mutated));
      }),
      { numRuns: 300 },
    );
  });

  it('the 30-byte entry that made the old decoder loop forever is refused at once', () => {
    // An attribute name whose length is 2^31-1 (0x84 7fffffff) inside an 11-byte attribute.
    const entry = Buffer.from('301c020105641704003013301104847fffffff3109040161040162040163', 'hex');
    expect(entry).toHaveLength(30);
    expect(() => decodeEntryMessage(entry)).toThrow(BerError);
  });
});

describe('MessageFramer limits', () => {
  it('refuses a message over the limit from its header alone, before buffering it', () => {
    const framer = new MessageFramer(1000);
    expect(() => framer.push(Buffer.from([0x30, 0x84, 0x00, 0x00, 0x10, 0x00]))).toThrow(/exceeds the limit of 1000 bytes/);
    // The default accepts a 4 GiB announcement nowhere near.
    expect(() => new MessageFramer().push(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]))).toThrow(BerError);
    expect(DEFAULT_MAX_MESSAGE_BYTES).toBe(64 * 1024 * 1024);
  });

  it('refuses a stream that does not start an LDAPMessage, and the indefinite length form', () => {
    expect(() => new MessageFramer().push(Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).toThrow(BerError);
    expect(() => new MessageFramer().push(Buffer.from([0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00]))).toThrow(/length form/);
  });

  it('reassembles messages however the stream is cut, holding only what is not yet a message', () => {
    const messages = [syncStateEntryMessage(7, 'uid=a,dc=x', 1, uuid), searchEntryMessage(`uid=${'b'.repeat(300)},dc=x`, [['cn', [Buffer.alloc(70_000, 0x61)]]]), searchDoneMessage(7)];
    const stream = Buffer.concat(messages);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        const framer = new MessageFramer();
        const out: Buffer[] = [];
        let from = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          out.push(...framer.push(stream.subarray(from, cut)));
          from = cut;
        }
        out.push(...framer.push(stream.subarray(from)));
        return out.length === 3 && out.every((m, i) => m.equals(messages[i] as Buffer)) && framer.pendingBytes === 0;
      }),
    );
  });

  it('buffers linearly: a large message in small chunks is copied once, not once per chunk', () => {
    const big = searchEntryMessage('uid=big,dc=x', [['member', Array.from({ length: 20_000 }, (_, i) => Buffer.from(`uid=user${i},ou=people,dc=example,dc=org`))]]);
    // Every way the framer could copy bytes, counted (not timed: CI is a loaded, shared machine).
    let copied = 0;
    const concat = Buffer.concat;
    const copy = Buffer.prototype.copy;
    const set = Uint8Array.prototype.set;
    const spies = [
      vi.spyOn(Buffer, 'concat').mockImplementation((list, totalLength) => { const joined = concat.call(Buffer, list, totalLength); copied += joined.length; return joined; }),
      vi.spyOn(Buffer.prototype, 'copy').mockImplementation(function (this: Buffer, ...args: unknown[]) { const n = (copy as (...a: unknown[]) => number).apply(this, args); copied += n; return n; }),
      vi.spyOn(Uint8Array.prototype, 'set').mockImplementation(function (this: Uint8Array, source: ArrayLike<number>, offset?: number) { copied += source.length; set.call(this, source, offset); }),
    ];
    const framer = new MessageFramer();
    let got = 0;
    const started = performance.now();
    try {
      for (let at = 0; at < big.length; at += 1024) got += framer.push(big.subarray(at, at + 1024)).length;
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    const took = performance.now() - started;
    expect(got).toBe(1);
    // ~900 KB in 1 KB chunks: re-concatenating the whole buffer per chunk would copy ~400 MB. Once
    // the message, plus at most a header's few bytes joined per chunk boundary it straddled.
    console.log(`${big.length} bytes in ${Math.ceil(big.length / 1024)} chunks: ${copied} bytes copied in ${took.toFixed(1)} ms`);
    expect(copied).toBeGreaterThanOrEqual(big.length);
    expect(copied).toBeLessThanOrEqual(big.length + 64);
  });
});

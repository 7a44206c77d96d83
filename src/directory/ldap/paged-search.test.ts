import fc from 'fast-check';
import { BerWriter } from 'ldapts';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { DirectoryEntry } from '../entry.js';
import { decodeEntryMessage as decode, searchEntryMessage as entryMessage } from './ber-fixtures.js';
import { AttributeNames, pagedSearch } from './paged-search.js';
import type { StreamConnection } from './stream-connection.js';

const isUtf8 = (b: Buffer) => {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
};

describe('decodeEntry (paged search)', () => {
  it('gives every value back: text as text, bytes that are not UTF-8 as base64; names lower-cased', () => {
    const value = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => Buffer.from(s, 'utf8')), fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a)));
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.uniqueArray(fc.tuple(name, fc.array(value, { minLength: 1, maxLength: 4 })), { maxLength: 8, selector: ([n]) => n.toLowerCase() }), (dn, attributes) => {
        const entry = decode(entryMessage(dn, attributes));
        expect(entry.dn).toBe(dn);
        const expected: Record<string, string[]> = {};
        for (const [n, values] of attributes) expected[n.toLowerCase()] = values.map((v) => (isUtf8(v) ? v.toString('utf8') : v.toString('base64')));
        expect(entry.attributes).toEqual(expected);
      }),
    );
  });

  it('leaves out dropped attributes, converts binary ones, and skips a value the converter refuses', () => {
    const guid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const message = entryMessage('CN=x,DC=corp', [
      ['userPassword', [Buffer.from('{SSHA}secret-hash')]],
      ['objectGUID', [guid, Buffer.alloc(15)]],
      ['cn', [Buffer.from('x')]],
      ['member', []],
    ]);
    const entry = decode(message, {
      drop: new Set(['userpassword']),
      binary: { objectguid: (b) => { if (b.length !== 16) throw new Error('not a GUID'); return b.toString('hex'); } },
    });
    expect(entry.attributes).toEqual({ objectguid: [guid.toString('hex')], cn: ['x'] });
  });

  it('decodes the names of many entries through one cache exactly as each entry alone', () => {
    // Names that differ in case, in one byte, in length, or only beyond ASCII, in any order.
    const name = fc.constantFrom('cn', 'CN', 'cN', 'mail', 'mailx', 'maiL', 'uid', 'uiD', 'ﬁle', 'FİLE', '名前', 'a', 'b', 'aa', 'objectClass');
    const entry = fc.uniqueArray(name, { maxLength: 6, selector: (n) => n.toLowerCase() }).map((names) => names.map((n): [string, Buffer[]] => [n, [Buffer.from(n)]]));
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 20 }), (entries) => {
        const shared = new AttributeNames();
        for (const attributes of entries) {
          const message = entryMessage('cn=x', attributes);
          expect(decode(message, {}, shared)).toEqual(decode(message));
        }
      }),
    );
  });

  it('stops remembering names after a thousand, and still decodes every one', () => {
    const names = new AttributeNames();
    for (let i = 0; i < 1500; i++) {
      const attribute = `Attr${i}`;
      expect(decode(entryMessage('cn=x', [[attribute, [Buffer.from('v')]]]), {}, names).attributes).toEqual({ [attribute.toLowerCase()]: ['v'] });
    }
    expect(names.remembered).toBe(1000);
    expect(decode(entryMessage('cn=x', [['ATTR7', [Buffer.from('v')]], ['attr1499', [Buffer.from('w')]]]), {}, names).attributes).toEqual({ attr7: ['v'], attr1499: ['w'] });
    expect(names.remembered).toBe(1000);
  });
});

/** SearchResultDone, success, no paged-results control: the last page. */
function doneMessage(messageId: number): Buffer {
  const w = new BerWriter();
  w.startSequence();
  w.writeInt(messageId);
  w.startSequence(0x65);
  w.writeEnumeration(0);
  w.writeString('');
  w.writeString('');
  w.endSequence();
  w.endSequence();
  return w.buffer;
}

/** A connection whose server answers a search with `script`: after each delay, an entry, or the end. */
function scriptedConnection(script: Array<{ afterMs: number; message: 'entry' | 'done' }>): StreamConnection {
  const fake = {
    url: 'ldap://127.0.0.1:1',
    nextMessageId: () => 7,
    forget: () => undefined,
    send: (_request: unknown, onMessage: (message: Buffer | null) => void) => {
      let at = 0;
      for (const step of script) {
        at += step.afterMs;
        setTimeout(() => onMessage(step.message === 'entry' ? entryMessage(`uid=u${at},dc=x`, [['uid', [Buffer.from(`u${at}`)]]], 7) : doneMessage(7)), at);
      }
    },
  };
  return fake as unknown as StreamConnection;
}

describe('pagedSearch idle timeout', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const read = async (connection: StreamConnection): Promise<DirectoryEntry[]> => {
    const entries: DirectoryEntry[] = [];
    for await (const page of pagedSearch(connection, { base: 'dc=x', filter: '(objectClass=*)', attributes: ['uid'], pageSize: 10, idleTimeoutMs: 1000 })) entries.push(...page);
    return entries;
  };

  it('lets a search run for longer than the timeout while the server keeps answering', async () => {
    vi.useFakeTimers();
    const entries = read(scriptedConnection([...Array.from({ length: 8 }, () => ({ afterMs: 900, message: 'entry' as const })), { afterMs: 900, message: 'done' }]));
    await vi.advanceTimersByTimeAsync(9000);
    expect((await entries).map((e) => e.dn)).toHaveLength(8);
  });

  it('fails once the server has said nothing for the whole timeout, counted from its last message', async () => {
    vi.useFakeTimers();
    const outcome = read(scriptedConnection([{ afterMs: 700, message: 'entry' }, { afterMs: 5000, message: 'done' }])).then(() => 'done', (error: Error) => error.message);
    await vi.advanceTimersByTimeAsync(1650);
    expect(await Promise.race([outcome, Promise.resolve('still waiting')])).toBe('still waiting');
    await vi.advanceTimersByTimeAsync(100);
    expect(await outcome).toBe('no answer to a page of the search of dc=x within 1000 ms');
  });
});

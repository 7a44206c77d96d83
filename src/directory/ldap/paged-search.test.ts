import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { decodeEntryMessage as decode, searchEntryMessage as entryMessage } from './ber-fixtures.js';
import { AttributeNames } from './paged-search.js';

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

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOid, encodeOid, makeAttid, oidFromAttid, PrefixTableError, type PrefixEntry } from './prefix-table.js';

describe('prefix table (MS-DRSR 5.16.4)', () => {
  it('encodes OIDs in BER', () => {
    expect(encodeOid('1.2.840.113556.1.4.90').toString('hex')).toBe('2a864886f71401045a');
    expect(decodeOid(Buffer.from('2a864886f71401048112', 'hex'))).toBe('1.2.840.113556.1.4.146');
  });

  it('maps attributes to ATTRTYPs and back, as AD does for its own table (prefix 9 = 1.2.840.113556.1.4)', () => {
    const ad: PrefixEntry[] = Array.from({ length: 9 }, (_, i) => ({ ndx: i, prefix: Buffer.from([0x55, 0x04, i]) }));
    ad.push({ ndx: 9, prefix: Buffer.from('2a864886f7140104', 'hex') });
    // unicodePwd is 0x9005A and objectSid 0x90092 on every AD DC (MS-ADA3).
    expect(makeAttid(ad, '1.2.840.113556.1.4.90')).toBe(0x9005a);
    expect(makeAttid(ad, '1.2.840.113556.1.4.146')).toBe(0x90092);
    expect(oidFromAttid(ad, 0x9005a)).toBe('1.2.840.113556.1.4.90');
    expect(oidFromAttid(ad, 0x90092)).toBe('1.2.840.113556.1.4.146');
    expect(oidFromAttid(ad, 0x7f0001)).toBeNull();
  });

  it('round-trips any OID through a table', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 16383 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 39 }), (arcs, second) => {
      const oid = ['1', String(second), ...arcs.map(String)].join('.');
      const table: PrefixEntry[] = [];
      expect(oidFromAttid(table, makeAttid(table, oid))).toBe(oid);
    }));
  });

  it('answers any bytes with an OID or a PrefixTableError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      try {
        expect(decodeOid(Buffer.from(bytes))).toMatch(/^\d+(\.\d+)+$/);
      } catch (error) {
        expect(error).toBeInstanceOf(PrefixTableError);
      }
    }), { numRuns: 3000 });
  });
});

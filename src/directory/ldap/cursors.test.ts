import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { decodeDsCursor, encodeDsCursor, maxTimestamp } from './389ds/timestamp-cursor.js';
import { changePosition, decodeUsnCursor, encodeUsnCursor } from './ad/usn-cursor.js';
import { csnVector, decodeCsnCursor, encodeCsnCursor, isAheadOf, isNewerThan, lowestCsn, maxCsn } from './openldap/csn-cursor.js';

describe('CSN cursor (one CSN per server id)', () => {
  const csn = '20261125184856.123456Z#000000#000#000000';
  const sid1 = '20261125184856.100000Z#000000#001#000000';
  const sid2Older = '20261125180000.000000Z#000000#002#000000';
  it('round-trips, and reads a one-CSN cursor of an older dirbridge as a vector of its sid', () => {
    expect(decodeCsnCursor(encodeCsnCursor(csn))).toEqual(new Map([['000', csn]]));
    expect(decodeCsnCursor(encodeCsnCursor(''))).toEqual(new Map());
    const vector = csnVector(sid1, sid2Older);
    expect(encodeCsnCursor(vector)).toBe(`openldap:csn:${sid1};${sid2Older}`);
    expect(decodeCsnCursor(encodeCsnCursor(vector))).toEqual(vector);
  });
  it.each(['', 'csn', 'openldap:csn:yesterday', 'ad:usn:12:', `openldap:csn:${csn}x`, `openldap:csn:${csn};${csn}`, `openldap:csn:${csn};`])('rejects %j', (cursor) => {
    expect(decodeCsnCursor(cursor)).toBeNull();
  });
  it('keeps the highest CSN per sid', () => {
    expect(csnVector('20261125184856.123456Z#000000#001#000000', '20261125184856.123457Z#000000#000#000000', '20261125184856.000000Z#000000#001#000000', undefined, 'junk')).toEqual(
      new Map([
        ['001', '20261125184856.123456Z#000000#001#000000'],
        ['000', '20261125184856.123457Z#000000#000#000000'],
      ]),
    );
    expect(maxCsn()).toBe('');
  });
  it('counts a change of another sid as new when it is newer than that sid, even if older than every other sid (finding 9)', () => {
    const vector = csnVector(sid1, sid2Older);
    const replicatedLate = '20261125183000.000000Z#000000#002#000000';
    expect(replicatedLate < sid1).toBe(true);
    expect(isNewerThan(vector, replicatedLate)).toBe(true);
    expect(isNewerThan(vector, sid2Older)).toBe(false);
    expect(isNewerThan(vector, '20261125184856.000000Z#000000#001#000000')).toBe(false);
    expect(isNewerThan(vector, '20200101000000.000000Z#000000#003#000000')).toBe(true);
    expect(lowestCsn(vector)).toBe(sid2Older);
    expect(isAheadOf(vector, csnVector(sid1))).toBe(false);
    expect(isAheadOf(vector, csnVector('20261125170000.000000Z#000000#002#000000'))).toBe(true);
  });
});

describe('USN cursor', () => {
  it('round-trips any DC name and USN', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 63n }), fc.string(), (usn, dsServiceName) => {
        const decoded = decodeUsnCursor(encodeUsnCursor({ usn, dsServiceName }));
        return decoded !== null && decoded.usn === usn && decoded.dsServiceName === dsServiceName;
      }),
    );
  });
  it('rejects an OpenLDAP cursor', () => {
    expect(decodeUsnCursor('openldap:csn:')).toBeNull();
  });
  it('round-trips the time of the read, reads a cursor without one, and compares without it', () => {
    const at = Date.UTC(2026, 11, 2);
    expect(decodeUsnCursor(encodeUsnCursor({ usn: 42n, dsServiceName: 'CN=NTDS Settings,CN=DC1', at }))).toEqual({ usn: 42n, dsServiceName: 'CN=NTDS Settings,CN=DC1', at });
    expect(decodeUsnCursor(encodeUsnCursor({ usn: 42n, dsServiceName: 'x' }))).toEqual({ usn: 42n, dsServiceName: 'x' });
    expect(changePosition(encodeUsnCursor({ usn: 42n, dsServiceName: 'x', at }))).toBe(changePosition(encodeUsnCursor({ usn: 42n, dsServiceName: 'x', at: at + 5 })));
    expect(changePosition(encodeUsnCursor({ usn: 42n, dsServiceName: 'x', at }))).not.toBe(changePosition(encodeUsnCursor({ usn: 43n, dsServiceName: 'x', at })));
  });
});

describe('389-DS cursor', () => {
  it('round-trips a watermark and any cookies', () => {
    fc.assert(
      fc.property(fc.constantFrom('', '20261128003734Z'), fc.dictionary(fc.string(), fc.string()), (since, cookies) => {
        expect(decodeDsCursor(encodeDsCursor({ since, cookies }))).toEqual({ since, cookies });
      }),
    );
  });
  it.each(['', '389ds:ts:', '389ds:ts:2026:e30', '389ds:ts:20261128003734Z:W10', '389ds:ts:20261128003734Z:!!', 'openldap:csn:'])('rejects %j', (cursor) => {
    expect(decodeDsCursor(cursor)).toBeNull();
  });
  it('orders generalized times and ignores anything else', () => {
    expect(maxTimestamp('20261128003734Z', '20261128003735Z', undefined, '2026112800373Z', 'junk')).toBe('20261128003735Z');
  });
});

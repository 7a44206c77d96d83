import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { decodeDsCursor, encodeDsCursor, maxTimestamp } from './389ds/timestamp-cursor.js';
import { decodeUsnCursor, encodeUsnCursor } from './ad/usn-cursor.js';
import { decodeCsnCursor, encodeCsnCursor, maxCsn } from './openldap/csn-cursor.js';

describe('CSN cursor', () => {
  const csn = '20261125184856.123456Z#000000#000#000000';
  it('round-trips', () => {
    expect(decodeCsnCursor(encodeCsnCursor(csn))).toBe(csn);
    expect(decodeCsnCursor(encodeCsnCursor(''))).toBe('');
  });
  it.each(['', 'csn', 'openldap:csn:yesterday', 'ad:usn:12:', `openldap:csn:${csn}x`])('rejects %j', (cursor) => {
    expect(decodeCsnCursor(cursor)).toBeNull();
  });
  it('orders CSNs in time order, whatever the server id', () => {
    expect(maxCsn('20261125184856.123456Z#000000#001#000000', '20261125184856.123457Z#000000#000#000000', undefined, 'junk')).toBe('20261125184856.123457Z#000000#000#000000');
    expect(maxCsn()).toBe('');
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

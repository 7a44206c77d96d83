/**
 * The delta cursor of an OpenLDAP source: the highest entryCSN already exported.
 *
 * A CSN (change sequence number) reads `YYYYmmddHHMMSS.uuuuuuZ#count#sid#mod`, e.g.
 * `20261125184856.123456Z#000000#000#000000`: fixed width, so CSNs order lexically in time order
 * (https://www.openldap.org/doc/admin25/replication.html, draft-ietf-ldup-model CSN). An empty CSN
 * means "from the beginning".
 */
const PREFIX = 'openldap:csn:';
const CSN = /^\d{14}\.\d{6}Z#[0-9a-f]{6}#[0-9a-f]{3}#[0-9a-f]{6}$/i;

export function isCsn(value: string): boolean {
  return CSN.test(value);
}

export function encodeCsnCursor(csn: string): string {
  return `${PREFIX}${csn}`;
}

/** The CSN of a cursor, '' for "from the beginning", or null when the cursor is not ours or malformed. */
export function decodeCsnCursor(cursor: string): string | null {
  if (!cursor.startsWith(PREFIX)) return null;
  const csn = cursor.slice(PREFIX.length);
  return csn === '' || isCsn(csn) ? csn : null;
}

export function maxCsn(...values: Array<string | undefined>): string {
  return values.reduce<string>((max, v) => (v !== undefined && isCsn(v) && v > max ? v : max), '');
}

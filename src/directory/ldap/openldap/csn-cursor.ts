/**
 * The delta cursor of an OpenLDAP source: for each server id, the highest entryCSN already
 * exported (a CSN vector, as contextCSN itself and the syncrepl cookie keep it).
 *
 * A CSN (change sequence number) reads `YYYYmmddHHMMSS.uuuuuuZ#count#sid#mod`, e.g.
 * `20261125184856.123456Z#000000#000#000000`: fixed width, so the CSNs of one server order
 * lexically in time order (https://www.openldap.org/doc/admin25/replication.html,
 * draft-ietf-ldup-model CSN). With several providers (multi-provider / mirror mode) each writes
 * CSNs with its own sid and contextCSN holds one value per sid. One CSN for all of them is not
 * enough: a change made on provider 2 at 10:00 may reach the provider we read only after it wrote
 * its own change at 10:05, and "everything after 10:05" would skip it forever. So the cursor keeps
 * one CSN per sid, and a change is new when it is newer than the CSN of its own sid.
 *
 * Cursor text: `openldap:csn:` then the CSNs, one per sid, in sid order, joined by `;` (the form of
 * slapd's own cookie, `csn=A;B`). An empty list means "from the beginning"; a cursor written by an
 * older dirbridge (one CSN) reads as a vector with that one sid.
 */
const PREFIX = 'openldap:csn:';
const CSN = /^\d{14}\.\d{6}Z#[0-9a-f]{6}#[0-9a-f]{3}#[0-9a-f]{6}$/i;

/** Server id -> the highest CSN of that server. */
export type CsnVector = ReadonlyMap<string, string>;

export function isCsn(value: string): boolean {
  return CSN.test(value);
}

/** The server id of a CSN (its third field, lower-cased), or null for something that is not a CSN. */
export function csnSid(csn: string): string | null {
  return isCsn(csn) ? (csn.split('#')[2] as string).toLowerCase() : null;
}

/** The per-sid highest of any CSNs (and vectors); values that are not CSNs are ignored. */
export function csnVector(...values: Array<string | undefined | CsnVector>): Map<string, string> {
  const vector = new Map<string, string>();
  const add = (csn: string | undefined): void => {
    const sid = csn === undefined ? null : csnSid(csn);
    if (sid === null || csn === undefined) return;
    const known = vector.get(sid);
    if (known === undefined || csn > known) vector.set(sid, csn);
  };
  for (const value of values) {
    if (typeof value === 'string' || value === undefined) add(value);
    else for (const csn of value.values()) add(csn);
  }
  return vector;
}

/** Whether `csn` is a change the vector has not covered: newer than its own sid's CSN (any CSN of a sid not in it). */
export function isNewerThan(vector: CsnVector, csn: string | undefined): boolean {
  const sid = csn === undefined ? null : csnSid(csn);
  if (sid === null || csn === undefined) return false;
  const known = vector.get(sid);
  return known === undefined || csn > known;
}

/** Whether some sid of `since` is ahead of the same sid in `server` (a restored or different server). */
export function isAheadOf(since: CsnVector, server: CsnVector): boolean {
  for (const [sid, csn] of since) {
    const current = server.get(sid);
    if (current !== undefined && csn > current) return true;
  }
  return false;
}

/** The lowest CSN of the vector: a `(entryCSN>=...)` filter from it reads everything any sid still needs. */
export function lowestCsn(vector: CsnVector): string {
  let lowest = '';
  for (const csn of vector.values()) if (lowest === '' || csn < lowest) lowest = csn;
  return lowest;
}

/** The vector in slapd's cookie form: `A;B` in sid order. */
export function csnList(vector: CsnVector): string {
  return [...vector.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, csn]) => csn)
    .join(';');
}

export function encodeCsnCursor(vector: CsnVector | string): string {
  return `${PREFIX}${typeof vector === 'string' ? vector : csnList(vector)}`;
}

/** The vector of a cursor (empty for "from the beginning"), or null when the cursor is not ours or malformed. */
export function decodeCsnCursor(cursor: string): Map<string, string> | null {
  if (!cursor.startsWith(PREFIX)) return null;
  const text = cursor.slice(PREFIX.length);
  if (text === '') return new Map();
  const csns = text.split(';');
  if (!csns.every(isCsn)) return null;
  const vector = csnVector(...csns);
  // Two CSNs of one sid: not a cursor we wrote.
  return vector.size === csns.length ? vector : null;
}

export function maxCsn(...values: Array<string | undefined>): string {
  return values.reduce<string>((max, v) => (v !== undefined && isCsn(v) && v > max ? v : max), '');
}

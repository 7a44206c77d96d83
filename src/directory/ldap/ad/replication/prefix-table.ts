/**
 * ATTRTYP <-> OID through a prefix table (MS-DRSR 5.16.4 "ATTRTYP-to-OID Conversion"): an
 * ATTRTYP's upper 16 bits index a table of BER-encoded OID prefixes, its lower 16 bits encode the
 * last arc. The client sends its own table with the partial attribute set; the DC answers with its
 * table, by which the reply's ATTRTYPs are read.
 */

export interface PrefixEntry {
  ndx: number;
  /** BER-encoded OID prefix (ITU-T X.690 8.19), without tag and length. */
  prefix: Buffer;
}

export class PrefixTableError extends RangeError {
  constructor(message: string) {
    super(`prefix table: ${message}`);
    this.name = 'PrefixTableError';
  }
}

/** BER content octets of a dotted OID (X.690 8.19). */
export function encodeOid(oid: string): Buffer {
  const arcs = oid.split('.').map((a) => {
    if (!/^[0-9]{1,9}$/.test(a)) throw new PrefixTableError(`not an OID: ${oid}`);
    return Number(a);
  });
  if (arcs.length < 2 || arcs[0]! > 2) throw new PrefixTableError(`not an OID: ${oid}`);
  const out: number[] = [];
  const push = (v: number): void => {
    const bytes = [v & 0x7f];
    for (v = Math.floor(v / 128); v > 0; v = Math.floor(v / 128)) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  };
  push(arcs[0]! * 40 + arcs[1]!);
  for (const arc of arcs.slice(2)) push(arc);
  return Buffer.from(out);
}

/** Dotted OID from BER content octets. */
export function decodeOid(ber: Buffer): string {
  if (ber.length === 0) throw new PrefixTableError('empty OID');
  const arcs: number[] = [];
  let value = 0;
  let digits = 0;
  for (const byte of ber) {
    if (digits === 0 && byte === 0x80) throw new PrefixTableError('OID arc with a leading 0x80');
    value = value * 128 + (byte & 0x7f);
    if (++digits > 5) throw new PrefixTableError('OID arc too long');
    if (!(byte & 0x80)) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
      digits = 0;
    }
  }
  if (digits !== 0) throw new PrefixTableError('OID ends inside an arc');
  return arcs.join('.');
}

/** MakeAttid: adds the OID's prefix to `table` when missing, returns its ATTRTYP. */
export function makeAttid(table: PrefixEntry[], oid: string): number {
  const last = Number(oid.slice(oid.lastIndexOf('.') + 1));
  const ber = encodeOid(oid);
  const prefix = ber.subarray(0, ber.length - (last < 128 ? 1 : 2));
  let entry = table.find((e) => e.prefix.equals(prefix));
  if (!entry) {
    entry = { ndx: table.length, prefix: Buffer.from(prefix) };
    table.push(entry);
  }
  const lower = (last % 16384) + (last >= 16384 ? 32768 : 0);
  return ((entry.ndx << 16) | lower) >>> 0;
}

/** OidFromAttid: null when the table has no entry for the ATTRTYP's upper word. */
export function oidFromAttid(table: readonly PrefixEntry[], attid: number): string | null {
  const upper = attid >>> 16;
  let lower = attid & 0xffff;
  const entry = table.find((e) => e.ndx === upper);
  if (!entry) return null;
  let tail: number[];
  if (lower < 128) tail = [lower];
  else {
    if (lower >= 32768) lower -= 32768;
    tail = [((Math.floor(lower / 128)) % 128) + 128, lower % 128];
  }
  return decodeOid(Buffer.concat([entry.prefix, Buffer.from(tail)]));
}

/**
 * The schemaInfo entry Samba requires at the end of a client's prefix table when it sends a
 * partial attribute set (0xFF, a 4-byte revision and a 16-byte schema GUID; zeros are accepted),
 * else GetNCChanges fails with WERROR_INVALID_PARAMETER (notes/active-directory.md). Its index
 * must be 0 (Samba, dsdb/schema/schema_prefixmap.c: the entry is told by its 0xFF and position).
 */
export function schemaInfoEntry(): PrefixEntry {
  return { ndx: 0, prefix: Buffer.concat([Buffer.from([0xff]), Buffer.alloc(20)]) };
}

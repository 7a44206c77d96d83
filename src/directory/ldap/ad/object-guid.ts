/**
 * Active Directory binary identifiers in their canonical text forms.
 *
 * objectGUID is a 16-byte GUID whose first three fields are stored little-endian (the "mixed
 * endian" layout of the Windows GUID struct), so the bytes 00 11 22 33 44 55 66 77 88 99 ... read as
 * {33221100-5544-7766-8899-...}. See MS-DTYP 2.3.4 GUID:
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-dtyp/49e490b8-f972-45d6-a3a4-99f924998d97
 */

export function objectGuidToString(buf: Uint8Array): string {
  if (buf.length !== 16) throw new RangeError(`objectGUID must be 16 bytes, got ${buf.length}`);
  const hex = (from: number, to: number, reverse: boolean): string => {
    const part = Array.from(buf.subarray(from, to));
    if (reverse) part.reverse();
    return part.map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

/** The inverse of objectGuidToString: the 16 bytes AD stores (e.g. for an `(objectGUID=\xx...)` filter). */
export function objectGuidFromString(text: string): Buffer {
  const match = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i.exec(text.trim());
  if (!match) throw new RangeError(`not a GUID: ${text}`);
  const [, a, b, c, d, e] = match as unknown as [string, string, string, string, string, string];
  const le = (h: string): Buffer => Buffer.from(h, 'hex').reverse();
  return Buffer.concat([le(a), le(b), le(c), Buffer.from(d, 'hex'), Buffer.from(e, 'hex')]);
}

/**
 * objectSid in its S-R-I-S-S... form. Layout (MS-DTYP 2.4.2.2 SID packet representation):
 * revision (1 byte), sub-authority count (1), identifier authority (6, big-endian),
 * sub-authorities (4 bytes each, little-endian).
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-dtyp/f992ad60-0fe4-4b87-9fed-beb478836861
 */
export function objectSidToString(buf: Uint8Array): string {
  if (buf.length < 8) throw new RangeError(`objectSid too short: ${buf.length} bytes`);
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const revision = view.readUInt8(0);
  const count = view.readUInt8(1);
  if (buf.length !== 8 + 4 * count) throw new RangeError(`objectSid length ${buf.length} does not match ${count} sub-authorities`);
  const authority = view.readUIntBE(2, 6);
  const subs: number[] = [];
  for (let i = 0; i < count; i++) subs.push(view.readUInt32LE(8 + 4 * i));
  return ['S', revision, authority, ...subs].join('-');
}

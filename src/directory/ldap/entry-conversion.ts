/**
 * ldapts search entries -> DirectoryEntry: lower-case attribute names, string values. ldapts keys
 * attributes by the case the server used and gives a Buffer where a value is not UTF-8 (or was
 * asked for as binary); binary values are turned into text here, by a per-attribute converter
 * (objectGUID -> GUID string) or else as base64.
 */
import type { Entry } from 'ldapts';

import type { DirectoryEntry } from '../entry.js';

export type BinaryConverter = (value: Buffer) => string;

/** Attributes that carry password material: they never ride along on an objects read. */
export const PASSWORD_ATTRIBUTES = ['userpassword', 'sambantpassword', 'sambalmpassword', 'unicodepwd', 'supplementalcredentials'];

export function toDirectoryEntry(raw: Entry, binary: Record<string, BinaryConverter> = {}, drop: ReadonlySet<string> | readonly string[] = []): DirectoryEntry {
  const dropped = drop instanceof Set ? drop : new Set(drop);
  const attributes: Record<string, string[]> = {};
  // A hot path (every entry of a full sync): plain loops, no intermediate arrays.
  for (const key in raw) {
    if (key === 'dn') continue;
    const name = key.toLowerCase();
    if (dropped.has(name)) continue;
    const value = raw[key] as Entry[string];
    const values = Array.isArray(value) ? value : [value];
    // ldapts gives an empty list for a requested attribute the entry does not have.
    if (values.length === 0) continue;
    const convert = binary[name];
    const out = attributes[name] ?? (attributes[name] = []);
    for (const v of values) {
      if (!convert) {
        out.push(Buffer.isBuffer(v) ? v.toString('base64') : v);
        continue;
      }
      try {
        out.push(convert(Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8')));
      } catch {
        // A malformed value (a 15-byte GUID) is left out: the mapping then reports the entry as
        // missing that attribute, and the rest of the page goes on.
      }
    }
    if (out.length === 0) delete attributes[name];
  }
  return { dn: raw.dn, attributes };
}

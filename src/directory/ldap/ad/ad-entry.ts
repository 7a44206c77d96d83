/**
 * Active Directory entries as dirbridge reads them: which attributes are binary and how they become
 * text, and which entries are tombstones.
 */
import type { Entry } from 'ldapts';

import type { DirectoryEntry } from '../../entry.js';
import { toDirectoryEntry, type BinaryConverter } from '../entry-conversion.js';
import { objectGuidToString, objectSidToString } from './object-guid.js';

export const AD_BINARY_ATTRIBUTES: Record<string, BinaryConverter> = {
  objectguid: objectGuidToString,
  objectsid: objectSidToString,
};

/**
 * Names to pass to ldapts as `explicitBufferAttributes`: ldapts compares them with the server's
 * spelling case-sensitively, and a GUID that happens to be valid UTF-8 would otherwise arrive as a
 * (lossy) string.
 */
export const AD_EXPLICIT_BUFFER_ATTRIBUTES = ['objectGUID', 'objectguid', 'OBJECTGUID', 'objectSid', 'objectsid', 'OBJECTSID'];

export function toAdDirectoryEntry(raw: Entry, drop: ReadonlySet<string> | readonly string[] = []): DirectoryEntry {
  return toDirectoryEntry(raw, AD_BINARY_ATTRIBUTES, drop);
}

/** A deleted object (tombstone), as returned with the Show Deleted control (MS-ADTS 3.1.1.5.5). */
export function isDeletedObject(entry: DirectoryEntry): boolean {
  return entry.attributes['isdeleted']?.[0]?.toUpperCase() === 'TRUE';
}

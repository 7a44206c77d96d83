/**
 * Active Directory entries as dirbridge reads them: which attributes are binary and how they become
 * text, and which entries are tombstones.
 */
import type { DirectoryEntry } from '../../entry.js';
import type { BinaryConverter } from '../entry-conversion.js';
import { objectGuidToString, objectSidToString } from './object-guid.js';

export const AD_BINARY_ATTRIBUTES: Record<string, BinaryConverter> = {
  objectguid: objectGuidToString,
  objectsid: objectSidToString,
};

/** A deleted object (tombstone), as returned with the Show Deleted control (MS-ADTS 3.1.1.5.5). */
export function isDeletedObject(entry: DirectoryEntry): boolean {
  return entry.attributes['isdeleted']?.[0]?.toUpperCase() === 'TRUE';
}

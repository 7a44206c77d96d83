/** LDAP response messages as a server sends them, for tests of the decoders (RFC 4511 section 4.5.2). */
import { BerReader, BerWriter } from 'ldapts';

import type { DirectoryEntry } from '../entry.js';
import { AttributeNames, decodeEntry, type PagedSearch } from './paged-search.js';

export function searchEntryMessage(dn: string, attributes: Array<[string, Buffer[]]>, messageId = 5): Buffer {
  const w = new BerWriter();
  w.startSequence();
  w.writeInt(messageId);
  w.startSequence(0x64);
  w.writeString(dn);
  w.startSequence();
  for (const [name, values] of attributes) {
    w.startSequence();
    w.writeString(name);
    w.startSequence(0x31);
    for (const v of values) w.writeBuffer(v, 0x04);
    w.endSequence();
    w.endSequence();
  }
  w.endSequence();
  w.endSequence();
  w.endSequence();
  return w.buffer;
}

/** Decodes a message made by searchEntryMessage the way a paged search does. */
export function decodeEntryMessage(message: Buffer, options: Pick<PagedSearch, 'drop' | 'binary'> = {}, names = new AttributeNames()): DirectoryEntry {
  const reader = new BerReader(message);
  reader.readSequence(0x30);
  reader.readInt();
  reader.readSequence(0x64);
  return decodeEntry(message, reader, options, names);
}

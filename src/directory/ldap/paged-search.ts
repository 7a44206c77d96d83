/**
 * A paged search (RFC 2696 Simple Paged Results) on a StreamConnection, yielding each page of
 * entries as it arrives, decoded straight from the received bytes into DirectoryEntry form
 * (lower-case attribute names, string values). Why not ldapts' search: stream-connection.ts.
 *
 * Values are UTF-8 text, except that attributes in `binary` (AD's objectGUID, objectSid) go
 * through their converter, and a value that is not valid UTF-8 comes out as base64 (as ldapts
 * hands such a value over as a Buffer, which toDirectoryEntry turns into base64).
 */
import { Ber, BerReader, FilterParser, PagedResultsControl, SearchRequest, StatusCodeParser } from 'ldapts';

import type { DirectoryEntry } from '../entry.js';
import type { BinaryConverter } from './entry-conversion.js';
import type { StreamConnection } from './stream-connection.js';

const SEARCH_RESULT_ENTRY = 0x64;
const SEARCH_RESULT_DONE = 0x65;
const SEARCH_RESULT_REFERENCE = 0x73;
const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319';
const CONTROLS = 0xa0;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export interface PagedSearch {
  base: string;
  filter: string;
  attributes: string[];
  pageSize: number;
  /** Lower-case attribute names left out of the entries (password material, ldapts' '*' quirk). */
  drop?: ReadonlySet<string>;
  /** Lower-case attribute name -> converter of its raw values (binary attributes). */
  binary?: Readonly<Record<string, BinaryConverter>>;
  /** No message for this long fails the search (a server that stopped answering). */
  idleTimeoutMs: number;
}

/** Yields the entries page by page; a failed result throws ldapts' error for its result code. */
export async function* pagedSearch(connection: StreamConnection, search: PagedSearch): AsyncGenerator<DirectoryEntry[]> {
  const filter = FilterParser.parseString(search.filter);
  const names = new AttributeNames();
  let cookie: Buffer | undefined;
  do {
    const page = await searchPage(connection, search, filter, cookie, names);
    cookie = page.cookie;
    if (page.entries.length > 0) yield page.entries;
  } while (cookie);
}

function searchPage(connection: StreamConnection, search: PagedSearch, filter: ReturnType<typeof FilterParser.parseString>, cookie: Buffer | undefined, names: AttributeNames): Promise<{ entries: DirectoryEntry[]; cookie: Buffer | undefined }> {
  const messageId = connection.nextMessageId();
  const request = new SearchRequest({
    messageId,
    baseDN: search.base,
    scope: 'sub',
    filter,
    attributes: search.attributes,
    // No server time limit: large reads take long (ldapts would send 10 s).
    timeLimit: 0,
    controls: [new PagedResultsControl({ value: { size: search.pageSize, ...(cookie ? { cookie } : {}) } })],
  });
  return new Promise((resolve, reject) => {
    const entries: DirectoryEntry[] = [];
    // One timer per silence, not one per message: each message only notes the time, and the
    // timer, when it fires, waits again for what is left (100,000 timers less per 100,000 entries).
    let lastMessageAt = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const watch = (delayMs: number): void => {
      timer = setTimeout(() => {
        const silentMs = Date.now() - lastMessageAt;
        if (silentMs < search.idleTimeoutMs) {
          watch(search.idleTimeoutMs - silentMs);
          return;
        }
        connection.forget(messageId);
        reject(new Error(`Connection timeout: no answer from ${connection.url} for ${search.idleTimeoutMs} ms`));
      }, delayMs);
    };
    const settle = (): void => {
      clearTimeout(timer);
      connection.forget(messageId);
    };
    watch(search.idleTimeoutMs);
    connection.send(request, (message) => {
      if (message === null) {
        settle();
        reject(new Error(`Connection closed during a search of ${search.base}`));
        return;
      }
      lastMessageAt = Date.now();
      try {
        const reader = new BerReader(message);
        reader.readSequence(0x30);
        reader.readInt();
        const op = reader.peek();
        if (op === SEARCH_RESULT_ENTRY) {
          reader.readSequence(SEARCH_RESULT_ENTRY);
          entries.push(decodeEntry(message, reader, search, names));
        } else if (op === SEARCH_RESULT_DONE) {
          settle();
          const done = decodeDone(reader);
          if (done.resultCode !== 0) reject(StatusCodeParser.parse({ status: done.resultCode, errorMessage: done.diagnostic } as Parameters<typeof StatusCodeParser.parse>[0]));
          else resolve({ entries, cookie: done.cookie });
        } else if (op !== SEARCH_RESULT_REFERENCE) {
          // Continuation references are not followed (the bases are on this server); anything else is unexpected.
          throw new Error(`Unexpected LDAP message 0x${(op ?? 0).toString(16)} in a search`);
        }
      } catch (error) {
        settle();
        reject(error);
      }
    });
  });
}

/**
 * The lower-case attribute names met in a search, found again by their bytes. A directory's
 * entries repeat the same twenty-odd names: decoding and lower-casing each one again cost more
 * than the lookup (two million names in a 100,000-user read). Holds at most LIMIT names, so a
 * server sending ever new names cannot make it grow.
 */
export class AttributeNames {
  private static readonly LIMIT = 1000;
  private readonly byHash = new Map<number, Array<{ bytes: Buffer; name: string }>>();
  private size = 0;

  /** How many names it holds (at most LIMIT). */
  get remembered(): number {
    return this.size;
  }

  read(message: Buffer, start: number, stop: number): string {
    let hash = stop - start;
    for (let i = start; i < stop; i++) hash = (Math.imul(hash, 31) + (message[i] as number)) | 0;
    const bucket = this.byHash.get(hash);
    if (bucket) {
      for (const known of bucket) if (sameBytes(known.bytes, message, start, stop)) return known.name;
    }
    const name = message.toString('utf8', start, stop).toLowerCase();
    if (this.size < AttributeNames.LIMIT) {
      // A copy: the cache must not keep the whole received message alive.
      const known = { bytes: Buffer.from(message.subarray(start, stop)), name };
      if (bucket) bucket.push(known);
      else this.byHash.set(hash, [known]);
      this.size++;
    }
    return name;
  }
}

function sameBytes(bytes: Buffer, message: Buffer, start: number, stop: number): boolean {
  if (bytes.length !== stop - start) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== message[start + i]) return false;
  return true;
}

/** SearchResultEntry ::= [APPLICATION 4] SEQUENCE { objectName LDAPDN, attributes PartialAttributeList } */
export function decodeEntry(message: Buffer, reader: BerReader, search: Pick<PagedSearch, 'drop' | 'binary'>, names = new AttributeNames()): DirectoryEntry {
  const dn = reader.readString() ?? '';
  const attributes: Record<string, string[]> = {};
  reader.readSequence();
  const end = reader.offset + reader.length;
  while (reader.offset < end) {
    reader.readSequence();
    reader.offset += 1; // the OCTET STRING tag of the name
    const nameStart = reader.readLength() as number;
    const nameStop = nameStart + reader.length;
    reader.offset = nameStop;
    const name = names.read(message, nameStart, nameStop);
    reader.readSequence(0x31);
    const setEnd = reader.offset + reader.length;
    const skip = search.drop?.has(name) ?? false;
    const convert = search.binary?.[name];
    const values: string[] = [];
    while (reader.offset < setEnd) {
      reader.offset += 1; // the OCTET STRING tag
      const start = reader.readLength() as number;
      const stop = start + reader.length;
      reader.offset = stop;
      if (skip) continue;
      if (convert) {
        try {
          values.push(convert(message.subarray(start, stop)));
        } catch {
          // A malformed value (a 15-byte GUID) is left out; the mapping reports the attribute missing.
        }
        continue;
      }
      values.push(utf8OrBase64(message, start, stop));
    }
    if (values.length > 0) (attributes[name] ??= []).push(...values);
  }
  return { dn, attributes };
}

function utf8OrBase64(message: Buffer, start: number, stop: number): string {
  const text = message.toString('utf8', start, stop);
  // Invalid UTF-8 decodes to U+FFFD; only then is the strict check worth its cost.
  if (!text.includes('\uFFFD')) return text;
  try {
    return strictUtf8.decode(message.subarray(start, stop));
  } catch {
    return message.toString('base64', start, stop);
  }
}

/** SearchResultDone with the Paged Results response control: realSearchControlValue ::= SEQUENCE { size INTEGER, cookie OCTET STRING } */
function decodeDone(reader: BerReader): { resultCode: number; diagnostic: string; cookie: Buffer | undefined } {
  reader.readSequence(SEARCH_RESULT_DONE);
  const opEnd = reader.offset + reader.length;
  const resultCode = reader.readEnumeration() ?? 0;
  reader.readString(); // matchedDN
  const diagnostic = reader.readString() ?? '';
  reader.offset = opEnd;
  let cookie: Buffer | undefined;
  if (reader.remain > 0 && reader.peek() === CONTROLS) {
    reader.readSequence(CONTROLS);
    const controlsEnd = reader.offset + reader.length;
    while (reader.offset < controlsEnd) {
      reader.readSequence();
      const controlEnd = reader.offset + reader.length;
      const type = reader.readString();
      if (reader.offset < controlEnd && reader.peek() === Ber.Boolean) reader.readBoolean();
      if (type === PAGED_RESULTS_OID && reader.offset < controlEnd) {
        const value = new BerReader(reader.readString(Ber.OctetString, true) ?? Buffer.alloc(0));
        value.readSequence();
        value.readInt();
        const next = value.readString(Ber.OctetString, true);
        cookie = next && next.length > 0 ? Buffer.from(next) : undefined;
      }
      reader.offset = controlEnd;
    }
  }
  return { resultCode, diagnostic, cookie };
}

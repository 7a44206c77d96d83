/**
 * A paged search (RFC 2696 Simple Paged Results) on a StreamConnection, yielding each page of
 * entries as it arrives, decoded straight from the received bytes into DirectoryEntry form
 * (lower-case attribute names, string values). Why not ldapts' search: stream-connection.ts.
 *
 * Values are UTF-8 text, except that attributes in `binary` (AD's objectGUID, objectSid) go
 * through their converter, and a value that is not valid UTF-8 comes out as base64 (as ldapts
 * hands such a value over as a Buffer, which toDirectoryEntry turns into base64).
 */
import { FilterParser, PagedResultsControl, SearchRequest, StatusCodeParser, type Control } from 'ldapts';

import type { DirectoryEntry } from '../entry.js';
import { BerCursor, BerError, TAG } from './ber.js';
import type { BinaryConverter } from './entry-conversion.js';
import { LdapTimeoutError } from './ldap-errors.js';
import { openMessage, readControls } from './openldap/syncrepl-protocol.js';
import type { StreamConnection } from './stream-connection.js';

const SEARCH_RESULT_ENTRY = 0x64;
const SEARCH_RESULT_DONE = 0x65;
const SEARCH_RESULT_REFERENCE = 0x73;
const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319';
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
  /** Further request controls (AD's show-deleted control), sent beside the paged results control. */
  controls?: Control[];
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
    controls: [new PagedResultsControl({ value: { size: search.pageSize, ...(cookie ? { cookie } : {}) } }), ...(search.controls ?? [])],
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
        reject(new LdapTimeoutError(`a page of the search of ${search.base}`, search.idleTimeoutMs));
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
        // The connection's own reason when it has one: a malformed message, a timeout.
        reject(connection.closedError(`a search of ${search.base}`));
        return;
      }
      lastMessageAt = Date.now();
      try {
        const { body } = openMessage(message);
        const op = body.peek();
        if (op === SEARCH_RESULT_ENTRY) {
          entries.push(decodeEntry(message, body.enter(SEARCH_RESULT_ENTRY), search, names));
        } else if (op === SEARCH_RESULT_DONE) {
          settle();
          const done = decodeDone(body);
          if (done.resultCode !== 0) reject(StatusCodeParser.parse({ status: done.resultCode, errorMessage: done.diagnostic } as Parameters<typeof StatusCodeParser.parse>[0]));
          else resolve({ entries, cookie: done.cookie });
        } else if (op !== SEARCH_RESULT_REFERENCE) {
          // Continuation references are not followed (the bases are on this server); anything else is unexpected.
          throw new BerError(`Unexpected LDAP message 0x${op.toString(16)} in a search`);
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

/**
 * SearchResultEntry ::= [APPLICATION 4] SEQUENCE { objectName LDAPDN, attributes PartialAttributeList },
 * read from `entry`, a cursor over its contents. Every length is checked (ber.ts); the cursor's
 * bounds are narrowed and restored in place rather than a cursor made per attribute and value
 * (two million of them in a 100,000-user read). Throws BerError on a malformed entry.
 */
export function decodeEntry(message: Buffer, entry: BerCursor, search: Pick<PagedSearch, 'drop' | 'binary'>, names = new AttributeNames()): DirectoryEntry {
  const dn = entry.string();
  const attributes: Record<string, string[]> = {};
  const outerEnd = entry.end;
  const listEnd = entry.header(TAG.sequence);
  entry.end = listEnd;
  while (entry.offset < listEnd) {
    const attributeEnd = entry.header(TAG.sequence);
    entry.end = attributeEnd;
    const nameStop = entry.header(TAG.octetString);
    const name = names.read(message, entry.offset, nameStop);
    entry.offset = nameStop;
    const setEnd = entry.header(TAG.set);
    entry.end = setEnd;
    const skip = search.drop?.has(name) ?? false;
    const convert = search.binary?.[name];
    const values: string[] = [];
    while (entry.offset < setEnd) {
      const stop = entry.header(TAG.octetString);
      const start = entry.offset;
      entry.offset = stop;
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
    entry.end = listEnd;
    entry.offset = attributeEnd;
  }
  entry.end = outerEnd;
  entry.offset = listEnd;
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
export function decodeDone(body: BerCursor): { resultCode: number; diagnostic: string; cookie: Buffer | undefined } {
  const op = body.enter(SEARCH_RESULT_DONE);
  const resultCode = op.integer(TAG.enumerated);
  op.skip(); // matchedDN
  const diagnostic = op.string();
  let cookie: Buffer | undefined;
  const paged = readControls(body).find((control) => control.type === PAGED_RESULTS_OID);
  if (paged) {
    const value = new BerCursor(paged.value).enter(TAG.sequence);
    value.integer();
    const next = value.octets();
    cookie = next.length > 0 ? Buffer.from(next) : undefined;
  }
  return { resultCode, diagnostic, cookie };
}

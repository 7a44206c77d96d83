/**
 * Ranged retrieval of a large multi-valued attribute (MS-ADTS 3.1.1.3.1.3.3, "Range Retrieval of
 * Attribute Values"). Windows AD returns at most MaxValRange values (1,500 by default) of `member`
 * and names what it sent, `member;range=0-1499`; the client asks on for `member;range=1500-...`
 * until the server answers with an end of `*`. Samba returns every value when no range is asked,
 * but honours an explicit range the Windows way, so dirbridge always asks for explicit windows of
 * RANGE_STEP values: the same code path runs against both.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-adts/3d6d5f8c-8c74-4a61-9e80-5a8d81e9bc89
 */
import type { DirectoryEntry } from '../../entry.js';
import { AppError } from '../../../shared/errors.js';

/** Values asked for per request: Windows' default MaxValRange, so neither server cuts a window short. */
export const RANGE_STEP = 1500;
/**
 * The smallest a value of a ranged attribute takes in an LDAP message: a DN of one short RDN
 * (`DC=x`, 4 bytes) behind its BER octet-string header (2 bytes). It turns the message-size limit
 * into a limit on values, and so on windows.
 */
const MIN_VALUE_BYTES = 6;

/** What one ranged attribute may cost, derived from maxMessageBytes (the limit of one LDAP message). */
export interface RangeLimits {
  /** Bytes of all values together: no more than one message may hold (Samba, asked for no range, sends them in one). */
  maxBytes: number;
  /** Follow-up windows: enough for maxBytes of the shortest values in full windows of RANGE_STEP. */
  maxWindows: number;
}

export function rangeLimits(maxMessageBytes: number): RangeLimits {
  return { maxBytes: maxMessageBytes, maxWindows: Math.ceil(maxMessageBytes / MIN_VALUE_BYTES / RANGE_STEP) };
}

export interface RangeOption {
  /** Lower-case attribute name without options, e.g. `member`. */
  attribute: string;
  start: number;
  /** null for `*`: the last window. */
  end: number | null;
}

/** `member;range=1500-2999` → { member, 1500, 2999 }; `member;range=1500-*` → end null; else null. */
export function parseRangeOption(name: string): RangeOption | null {
  const match = /^([^;]+);range=(\d{1,10})-(\d{1,10}|\*)$/i.exec(name);
  if (!match) return null;
  const start = Number(match[2]);
  const end = match[3] === '*' ? null : Number(match[3]);
  if (end !== null && end < start) return null;
  return { attribute: (match[1] as string).toLowerCase(), start, end };
}

/** The attribute description that asks for the window starting at `start`. */
export function rangeRequest(attribute: string, start: number): string {
  return `${attribute};range=${start}-${start + RANGE_STEP - 1}`;
}

/**
 * Moves ranged values into the plain attribute (`member;range=0-1499` → `member`) and returns the
 * start of the window still to fetch, or null when the entry holds every value.
 */
export function foldRanges(entry: DirectoryEntry, attribute: string): number | null {
  let nextStart: number | null = null;
  let ranged: string[] | undefined;
  for (const name of Object.keys(entry.attributes)) {
    const range = parseRangeOption(name);
    if (!range || range.attribute !== attribute) continue;
    (ranged ??= []).push(...(entry.attributes[name] ?? []));
    delete entry.attributes[name];
    if (range.end !== null) nextStart = range.end + 1;
  }
  // A server that sent ranges sent them instead of the plain attribute (Samba may send both with '*').
  if (ranged) entry.attributes[attribute] = ranged;
  return nextStart;
}

/**
 * Reads the rest of a ranged attribute: `fetch(description)` reads one window of the entry and
 * returns its attributes (lower-case names). Stops at the window whose end is `*`. A server that
 * answers out of order, sends an empty window that is not the last, or makes the attribute larger than `limits` allows fails the cycle: never an
 * endless loop, never a partial member list taken for the whole.
 */
export async function fetchRemainingRanges(
  entry: DirectoryEntry,
  attribute: string,
  firstStart: number,
  fetch: (description: string) => Promise<Record<string, string[]>>,
  limits: RangeLimits,
): Promise<void> {
  const values = entry.attributes[attribute] ?? (entry.attributes[attribute] = []);
  let bytes = values.reduce((sum, v) => sum + Buffer.byteLength(v), 0);
  let start: number | null = firstStart;
  for (let window = 0; start !== null; window++) {
    if (window >= limits.maxWindows) throw rangeLimitError(entry.dn, attribute, `more than ${limits.maxWindows} windows after the first`);
    const answer = await fetch(rangeRequest(attribute, start));
    const names = Object.keys(answer).filter((name) => parseRangeOption(name)?.attribute === attribute);
    // The group lost values since the first window (no values at or after `start`): what was read is all.
    if (names.length === 0) return;
    const name = names[0] as string;
    const range = parseRangeOption(name) as RangeOption;
    if (range.start !== start) throw rangeError(entry.dn, attribute, `asked for values from ${start}, got ${name}`);
    const got = answer[name] ?? [];
    // An empty window that is not the last moves the read on without a value: a server could go on so.
    if (range.end !== null && got.length === 0) throw rangeError(entry.dn, attribute, `${name} held no value`);
    for (const value of got) bytes += Buffer.byteLength(value);
    if (bytes > limits.maxBytes) throw rangeLimitError(entry.dn, attribute, `more than ${limits.maxBytes} bytes of values`);
    values.push(...got);
    start = range.end === null ? null : range.end + 1;
  }
}

function rangeError(dn: string, attribute: string, detail: string): AppError {
  return new AppError('DIR_PROTOCOL_ERROR', {
    message: `The directory answered the ranged read of ${attribute} of ${dn} out of order (${detail}); the cycle was stopped so no membership is lost.`,
    details: { stage: 'search' },
    params: { form: 'rangedRead', dn, attribute, reason: detail },
  });
}

function rangeLimitError(dn: string, attribute: string, detail: string): AppError {
  return new AppError('DIR_PROTOCOL_ERROR', {
    message: `The ranged read of ${attribute} of ${dn} went past what one LDAP message may hold (${detail}, from agent.source.maxMessageBytes); the cycle was stopped so no membership is lost.`,
    hint: 'If the group really is that large, raise agent.source.maxMessageBytes; otherwise the directory keeps naming further windows of the attribute: check its range limit (MaxValRange on Windows).',
    details: { stage: 'search' },
  });
}

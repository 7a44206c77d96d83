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
/** At most this many follow-up requests for one attribute (RANGE_STEP × this: 15 million values). */
const MAX_ROUNDS = 10_000;

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
 * returns its attributes (lower-case names). Stops at the window whose end is `*`.
 */
export async function fetchRemainingRanges(
  entry: DirectoryEntry,
  attribute: string,
  firstStart: number,
  fetch: (description: string) => Promise<Record<string, string[]>>,
): Promise<void> {
  const values = entry.attributes[attribute] ?? (entry.attributes[attribute] = []);
  let start: number | null = firstStart;
  for (let round = 0; start !== null; round++) {
    if (round >= MAX_ROUNDS) throw rangeError(entry.dn, attribute, `more than ${MAX_ROUNDS} windows`);
    const answer = await fetch(rangeRequest(attribute, start));
    const names = Object.keys(answer).filter((name) => parseRangeOption(name)?.attribute === attribute);
    // The group lost values since the first window (no values at or after `start`): what was read is all.
    if (names.length === 0) return;
    const range = parseRangeOption(names[0] as string) as RangeOption;
    if (range.start !== start) throw rangeError(entry.dn, attribute, `asked for values from ${start}, got ${names[0]}`);
    values.push(...(answer[names[0] as string] ?? []));
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

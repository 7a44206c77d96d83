import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { DirectoryEntry } from '../../entry.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../message-framer.js';
import { fetchRemainingRanges, foldRanges, parseRangeOption, RANGE_STEP, rangeLimits, rangeRequest } from './ranged-members.js';

const LIMITS = rangeLimits(DEFAULT_MAX_MESSAGE_BYTES);

/** A DC holding `count` values that answers windows the Windows way (at most `limit` per answer). */
function dc(count: number, limit: number) {
  const values = Array.from({ length: count }, (_, i) => `CN=u${i},DC=x`);
  const answer = (description: string): Record<string, string[]> => {
    const range = parseRangeOption(description);
    if (!range || range.start >= count) return {};
    const last = Math.min(count - 1, range.end ?? count - 1, range.start + limit - 1);
    const end = last === count - 1 ? '*' : String(last);
    return { [`member;range=${range.start}-${end}`]: values.slice(range.start, last + 1) };
  };
  return { values, answer };
}

async function readGroup(count: number, limit: number): Promise<string[]> {
  const server = dc(count, limit);
  const entry: DirectoryEntry = { dn: 'CN=g,DC=x', attributes: server.answer(rangeRequest('member', 0)) };
  const next = foldRanges(entry, 'member');
  if (next !== null) await fetchRemainingRanges(entry, 'member', next, async (d) => server.answer(d), LIMITS);
  return entry.attributes['member'] ?? [];
}

describe('ranged retrieval of member', () => {
  it('parses range options and refuses malformed ones', () => {
    expect(parseRangeOption('member;range=0-1499')).toEqual({ attribute: 'member', start: 0, end: 1499 });
    expect(parseRangeOption('Member;Range=1500-*')).toEqual({ attribute: 'member', start: 1500, end: null });
    for (const bad of ['member', 'member;range=5-2', 'member;range=-1-3', 'member;range=a-*', 'member;range=99999999999-*']) expect(parseRangeOption(bad)).toBeNull();
  });

  it('asks for windows of the default MaxValRange', () => {
    expect(rangeRequest('member', 0)).toBe(`member;range=0-${RANGE_STEP - 1}`);
  });

  it.each([
    [0, 1500],
    [1499, 1500],
    [1500, 1500],
    [5000, 1500],
    [5000, 1000],
    [3001, 7],
  ])('reads all %i values from a server cutting at %i', async (count, limit) => {
    const read = await readGroup(count, limit);
    expect(read).toEqual(dc(count, limit).values);
  });

  it('keeps every value for any size and server limit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 1, max: 2000 }), async (count, limit) => {
        const read = await readGroup(count, limit);
        return read.length === count && new Set(read).size === count;
      }),
      { numRuns: 60 },
    );
  });

  it('fails rather than lose members when a window comes back out of order', async () => {
    const entry: DirectoryEntry = { dn: 'CN=g,DC=x', attributes: { 'member;range=0-1499': ['a'] } };
    const next = foldRanges(entry, 'member');
    await expect(fetchRemainingRanges(entry, 'member', next!, async () => ({ 'member;range=0-*': ['b'] }), LIMITS)).rejects.toMatchObject({ code: 'DIR_PROTOCOL_ERROR' });
  });

  it('derives its bounds from the message-size limit', () => {
    // 64 MiB of the shortest values (6 bytes) in windows of 1,500: 7,457 windows after the first.
    expect(LIMITS).toEqual({ maxBytes: DEFAULT_MAX_MESSAGE_BYTES, maxWindows: 7_457 });
    expect(rangeLimits(65_536).maxWindows).toBe(8);
  });

  /** A DC that never names the end: each window holds `per` values and points past itself by `skip`. */
  function endless(per: number, skip = 0) {
    let calls = 0;
    const fetch = async (description: string): Promise<Record<string, string[]>> => {
      calls++;
      const start = parseRangeOption(description)!.start;
      const end = start + per - 1 + skip;
      return { [`member;range=${start}-${end}`]: Array.from({ length: per }, (_, i) => `CN=u${start + i},DC=x`) };
    };
    return { fetch, calls: () => calls };
  }

  it('stops a DC that keeps naming one more window, after the derived number of windows, with a coded error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1500 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 65_536, max: 1_000_000 }), async (per, skip, maxMessageBytes) => {
        const limits = rangeLimits(maxMessageBytes);
        const dc = endless(per, skip);
        const entry: DirectoryEntry = { dn: 'CN=g,DC=x', attributes: { 'member;range=0-0': ['CN=first,DC=x'] } };
        const error = await fetchRemainingRanges(entry, 'member', foldRanges(entry, 'member')!, dc.fetch, limits).then(() => null, (e: unknown) => e);
        expect(error).toMatchObject({ code: 'DIR_PROTOCOL_ERROR' });
        // Whichever bound came first, no more windows than derived, and no more bytes than one message.
        expect(dc.calls()).toBeLessThanOrEqual(limits.maxWindows);
        expect((entry.attributes['member'] ?? []).join('').length).toBeLessThanOrEqual(limits.maxBytes);
      }),
      { numRuns: 40 },
    );
  });

  it('stops at the window bound when every window holds one short value', async () => {
    const limits = rangeLimits(65_536);
    const dc = endless(1);
    const entry: DirectoryEntry = { dn: 'CN=g,DC=x', attributes: { 'member;range=0-0': ['CN=first,DC=x'] } };
    await expect(fetchRemainingRanges(entry, 'member', 1, dc.fetch, limits)).rejects.toThrow(/more than 8 windows.*maxMessageBytes/);
    expect(dc.calls()).toBe(limits.maxWindows);
  });

  it('stops at the byte bound when the windows are full of long values', async () => {
    const limits = rangeLimits(65_536);
    const long = 'CN=' + 'x'.repeat(200) + ',DC=x';
    const fetch = async (description: string) => {
      const { start } = parseRangeOption(description)!;
      return { [`member;range=${start}-${start + RANGE_STEP - 1}`]: Array.from({ length: RANGE_STEP }, () => long) };
    };
    const entry: DirectoryEntry = { dn: 'CN=g,DC=x', attributes: { member: [] } };
    await expect(fetchRemainingRanges(entry, 'member', 0, fetch, limits)).rejects.toThrow(/more than 65536 bytes of values/);
  });

  it('refuses an empty window that is not the last (the read would move on without a value)', async () => {
    const entry: DirectoryEntry = { dn: 'CN=g,DC=x', attributes: { member: ['a'] } };
    let calls = 0;
    const fetch = async (description: string) => {
      calls++;
      const { start } = parseRangeOption(description)!;
      return { [`member;range=${start}-${start}`]: [] };
    };
    await expect(fetchRemainingRanges(entry, 'member', 1, fetch, LIMITS)).rejects.toMatchObject({ code: 'DIR_PROTOCOL_ERROR', message: expect.stringContaining('held no value') });
    expect(calls).toBe(1);
  });

  it('leaves an entry without ranges alone', () => {
    const entry: DirectoryEntry = { dn: 'CN=g', attributes: { member: ['a', 'b'], cn: ['g'] } };
    expect(foldRanges(entry, 'member')).toBeNull();
    expect(entry.attributes).toEqual({ member: ['a', 'b'], cn: ['g'] });
  });
});

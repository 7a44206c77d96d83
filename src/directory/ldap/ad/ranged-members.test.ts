import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { DirectoryEntry } from '../../entry.js';
import { fetchRemainingRanges, foldRanges, parseRangeOption, RANGE_STEP, rangeRequest } from './ranged-members.js';

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
  if (next !== null) await fetchRemainingRanges(entry, 'member', next, async (d) => server.answer(d));
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
    await expect(fetchRemainingRanges(entry, 'member', next!, async () => ({ 'member;range=0-*': ['b'] }))).rejects.toMatchObject({ code: 'DIR_PROTOCOL_ERROR' });
  });

  it('leaves an entry without ranges alone', () => {
    const entry: DirectoryEntry = { dn: 'CN=g', attributes: { member: ['a', 'b'], cn: ['g'] } };
    expect(foldRanges(entry, 'member')).toBeNull();
    expect(entry.attributes).toEqual({ member: ['a', 'b'], cn: ['g'] });
  });
});

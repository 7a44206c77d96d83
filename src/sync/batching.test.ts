import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AppError } from '../shared/errors.js';
import { jsonBytes, sendSplitting, splitIntoBatches } from './batching.js';

describe('splitIntoBatches', () => {
  it('keeps every batch within the count and the bytes (an oversized item alone), in order, losing nothing', () => {
    fc.assert(fc.property(
      fc.array(fc.string({ maxLength: 200 })), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 2000 }),
      (items, maxCount, maxBytes) => {
        const batches = splitIntoBatches(items, { maxCount, maxBytes });
        expect(batches.flat()).toEqual(items);
        for (const batch of batches) {
          expect(batch.length).toBeGreaterThan(0);
          expect(batch.length).toBeLessThanOrEqual(maxCount);
          const bytes = batch.reduce((n, item) => n + jsonBytes(item) + 1, 0);
          if (batch.length > 1) expect(bytes).toBeLessThanOrEqual(maxBytes);
        }
      },
    ));
  });
});

describe('sendSplitting', () => {
  const tooLarge = () => new AppError('REQUEST_TOO_LARGE');

  it('splits a batch refused as too large until each part passes, and makes a lone oversized item an error of its own', async () => {
    const sent: number[][] = [];
    const alone: number[] = [];
    // A "tenant" that takes at most 3 items per request and never item 7.
    await sendSplitting([1, 2, 3, 4, 5, 6, 7, 8], async (items) => {
      if (items.length > 3 || items.includes(7)) throw tooLarge();
      sent.push(items);
    }, (item) => alone.push(item));
    expect(sent.flat().sort()).toEqual([1, 2, 3, 4, 5, 6, 8]);
    expect(sent.every((b) => b.length <= 3)).toBe(true);
    expect(alone).toEqual([7]);
  });

  it('passes any other failure on', async () => {
    await expect(sendSplitting([1, 2], () => Promise.reject(new AppError('TENANT_UNREACHABLE')), () => undefined)).rejects.toMatchObject({ code: 'TENANT_UNREACHABLE' });
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { describeDeleteVerdict, judgeDeletes } from './delete-guard.js';

describe('judgeDeletes: absolute and relative', () => {
  const limits = { threshold: 500, percent: 50 };
  it.each([
    // [what, deletes, synced, exceeded, limit]
    ['an empty read of a 400-user tenant', 400, 400, true, 'relative'],
    ['more than the absolute threshold', 501, 100_000, true, 'absolute'],
    ['exactly the absolute threshold, a small share', 500, 100_000, false, null],
    ['exactly half', 200, 400, false, null],
    ['one more than half', 201, 400, true, 'relative'],
    ['one of three', 1, 3, false, null],
    ['the only object', 1, 1, true, 'relative'],
    ['nothing to delete', 0, 0, false, null],
    ['deletes while nothing is known as synced', 3, 0, true, 'relative'],
  ] as const)('%s', (_what, deletes, synced, exceeded, limit) => {
    expect(judgeDeletes(deletes, synced, limits)).toMatchObject({ exceeded, limit });
  });

  it('a percent of 0 switches the relative guard off', () => {
    expect(judgeDeletes(400, 400, { threshold: 500, percent: 0 }).exceeded).toBe(false);
  });

  it('stops exactly when deletes > threshold or deletes > percent % of synced', () => {
    fc.assert(fc.property(fc.nat(2000), fc.nat(2000), fc.nat(1000), fc.integer({ min: 0, max: 100 }), (deletes, synced, threshold, percent) => {
      const expected = deletes > threshold || (percent > 0 && deletes > 0 && deletes / Math.max(synced, 0) > percent / 100);
      expect(judgeDeletes(deletes, synced, { threshold, percent }).exceeded).toBe(expected);
    }));
  });

  it('describes the limit that stopped the cycle', () => {
    expect(describeDeleteVerdict(400, 400, limits, judgeDeletes(400, 400, limits))).toBe('400 of 400 synced objects (100 %), more than the threshold of 50 %');
    expect(describeDeleteVerdict(640, 9000, limits, judgeDeletes(640, 9000, limits))).toBe('640 objects, more than the threshold of 500');
  });
});

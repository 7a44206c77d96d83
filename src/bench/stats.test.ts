import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { median, percentile, relativeDifference, repeated, summarize } from './stats.js';

describe('percentile', () => {
  it('is the nearest rank', () => {
    const samples = [15, 20, 35, 40, 50];
    expect(percentile(samples, 5)).toBe(15);
    expect(percentile(samples, 30)).toBe(20);
    expect(percentile(samples, 40)).toBe(20);
    expect(percentile(samples, 50)).toBe(35);
    expect(percentile(samples, 100)).toBe(50);
    expect(percentile([], 50)).toBeNaN();
  });

  it('is a sample, at least as many samples are at or below it, and grows with p', () => {
    fc.assert(fc.property(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 50 }), fc.integer({ min: 1, max: 100 }), (samples, p) => {
      const value = percentile(samples, p);
      expect(samples).toContain(value);
      expect(samples.filter((s) => s <= value).length).toBeGreaterThanOrEqual(Math.ceil((p / 100) * samples.length));
      expect(percentile(samples, Math.min(100, p + 10))).toBeGreaterThanOrEqual(value);
    }));
  });

  it('summarizes p50, p95 and max', () => {
    const samples = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(summarize(samples)).toEqual({ p50: 10, p95: 19, p99: 20, max: 20, samples: 20 });
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('lies within the range of the runs, and half of them are at or below it', () => {
    fc.assert(fc.property(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 30 }), (runs) => {
      const r = repeated(runs);
      expect(r.median).toBeGreaterThanOrEqual(r.min);
      expect(r.median).toBeLessThanOrEqual(r.max);
      expect(runs.filter((x) => x <= r.median).length).toBeGreaterThanOrEqual(Math.ceil(runs.length / 2));
    }));
  });
});

describe('relativeDifference', () => {
  it('is relative to the smaller value, whichever order', () => {
    expect(relativeDifference(100, 105)).toBeCloseTo(0.05, 12);
    expect(relativeDifference(105, 100)).toBeCloseTo(0.05, 12);
    expect(relativeDifference(40, 40)).toBe(0);
    expect(relativeDifference(10, 30)).toBe(2);
  });
  it('is NaN without two positive finite values', () => {
    for (const [a, b] of [[0, 5], [5, 0], [-1, 5], [Number.NaN, 5], [5, Number.POSITIVE_INFINITY]] as const) expect(relativeDifference(a, b)).toBeNaN();
  });
  it('is symmetric, non-negative and never below the difference relative to the larger value', () => {
    fc.assert(fc.property(fc.double({ min: 1e-6, max: 1e9, noNaN: true }), fc.double({ min: 1e-6, max: 1e9, noNaN: true }), (a, b) => {
      const d = relativeDifference(a, b);
      return d === relativeDifference(b, a) && d >= 0 && d >= Math.abs(a - b) / Math.max(a, b);
    }));
  });
});

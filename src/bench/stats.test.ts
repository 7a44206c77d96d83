import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { percentile, summarize } from './stats.js';

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
    expect(summarize(samples)).toEqual({ p50: 10, p95: 19, max: 20, samples: 20 });
  });
});

/** Small statistics for the benchmark: nearest-rank percentiles over latency samples. */

/** Nearest-rank percentile (p in 0..100) of the samples; NaN for none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)] as number;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  samples: number;
}

export function summarize(samples: readonly number[]): LatencySummary {
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), p99: percentile(samples, 99), max: percentile(samples, 100), samples: samples.length };
}

/** A figure measured several times: the median is reported, the range shows the run-to-run spread. */
export interface Repeated {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function repeated(runs: readonly number[]): Repeated {
  return { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs: [...runs] };
}

/** "median of 3, range 7.1–9.4 s" */
export function describeRepeated(r: Repeated, unit: string, digits = 2): string {
  if (r.runs.length === 1) return 'one run';
  return `median of ${r.runs.length}, range ${r.min.toFixed(digits)}–${r.max.toFixed(digits)} ${unit}`;
}

/**
 * |a − b| relative to the smaller of the two (so the figure never flatters: 100 vs 105 is 5 %
 * either way round); NaN when either is not a positive number.
 */
export function relativeDifference(a: number, b: number): number {
  if (!(a > 0) || !(b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) return Number.NaN;
  return Math.abs(a - b) / Math.min(a, b);
}

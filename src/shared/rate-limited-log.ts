/**
 * A warning that a flood would otherwise write once per event (a refused sign-in, say): the first
 * event is logged at once, later ones are counted and written as one line per interval with the
 * count, so a flood costs a counter increment per event and a bounded number of log lines.
 */
import type { Logger } from './logger.js';

export interface RateLimitedWarning {
  /** Counts one event; logs now only when the last line is at least an interval old. */
  note(): void;
  /** Writes what was counted since the last line (on shutdown) and stops the timer. */
  flush(): void;
}

export interface RateLimitedWarningOptions {
  /** At most one line per this many milliseconds. */
  everyMs: number;
  message: string;
  /** Fields every line carries (e.g. the error code). */
  fields?: Record<string, unknown>;
  now?: () => number;
}

export function rateLimitedWarning(logger: Pick<Logger, 'warn'>, options: RateLimitedWarningOptions): RateLimitedWarning {
  const now = options.now ?? Date.now;
  let count = 0;
  let since = 0;
  let lastLineAt = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | null = null;

  const write = () => {
    if (timer) { clearTimeout(timer); timer = null; }
    if (count === 0) return;
    const at = now();
    logger.warn({ ...options.fields, count, seconds: Number.isFinite(since) ? Math.max(0, Math.round((at - since) / 1000)) : 0 }, options.message);
    count = 0;
    lastLineAt = at;
  };

  return {
    note() {
      const at = now();
      if (count === 0) since = at;
      count++;
      if (at - lastLineAt >= options.everyMs) { write(); return; }
      // The rest of the interval's count is written when it ends, even if the flood stopped.
      timer ??= setTimeout(write, lastLineAt + options.everyMs - at).unref();
    },
    flush: write,
  };
}

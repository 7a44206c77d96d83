import { afterEach, describe, expect, it, vi } from 'vitest';
import { rateLimitedWarning } from './rate-limited-log.js';

describe('rateLimitedWarning', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('writes the first event at once, then one line per interval with the count, and the rest on flush', () => {
    vi.useFakeTimers({ now: 0 });
    const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const warning = rateLimitedWarning({ warn: ((fields: Record<string, unknown>, message: string) => { lines.push({ fields, message }); }) as never }, {
      everyMs: 10_000, message: 'refused', fields: { code: 'SIGN_IN_BUSY' },
    });
    for (let i = 0; i < 1000; i++) warning.note();
    expect(lines).toEqual([{ fields: { code: 'SIGN_IN_BUSY', count: 1, seconds: 0 }, message: 'refused' }]);
    vi.advanceTimersByTime(10_000);
    expect(lines).toHaveLength(2);
    expect(lines[1]!.fields).toMatchObject({ count: 999, seconds: 10 });
    // A flood of 25 s more: three lines at most, every event counted once.
    for (let s = 0; s < 25; s++) { for (let i = 0; i < 100; i++) warning.note(); vi.advanceTimersByTime(1000); }
    warning.flush();
    expect(lines.length).toBeLessThanOrEqual(5);
    expect(lines.reduce((n, l) => n + (l.fields['count'] as number), 0)).toBe(1000 + 2500);
    warning.flush();
    expect(lines.length).toBeLessThanOrEqual(5);
  });
});

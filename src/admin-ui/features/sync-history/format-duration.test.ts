import { describe, expect, it } from 'vitest';
import { formatDuration } from './format-duration.js';

describe('formatDuration', () => {
  it.each([
    [420, 'en-US', '0.4 sec'],
    [420, 'nl-NL', '0,4 sec'],
    [12_400, 'en-US', '12 sec'],
    [185_000, 'en-US', '3 min 5 sec'],
    [185_000, 'nl-NL', '3 min 5 sec'],
    [7_500_000, 'en-US', '2 hr 5 min'],
  ])('%d ms in %s reads %s', (ms, locale, expected) => {
    expect(formatDuration(ms, locale).replace(/\u00a0/g, ' ')).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { formatDateTime, formatRelative } from './format-date.js';

describe('formatDateTime', () => {
  it('writes Dutch dates as dd-mm-yyyy hh:mm with the zone', () => {
    expect(formatDateTime('2026-11-25T18:30:00Z', 'nl-NL', 'UTC')).toBe('25-11-2026 18:30 UTC');
  });

  it('writes US dates as usual with the zone', () => {
    expect(formatDateTime('2026-11-25T18:30:00Z', 'en-US', 'UTC')).toBe('11/25/2026, 6:30 PM UTC');
  });

  it('writes Dutch hours with two digits', () => {
    expect(formatDateTime('2026-11-25T09:05:00Z', 'nl-NL', 'UTC')).toBe('25-11-2026 09:05 UTC');
  });

  it('shows the zone of the given time zone', () => {
    expect(formatDateTime('2026-11-25T18:30:00Z', 'nl-NL', 'Europe/Amsterdam')).toBe('25-11-2026 19:30 CET');
  });

  it('leaves a value that is not a date as it is', () => {
    expect(formatDateTime('not a date', 'en-US', 'UTC')).toBe('not a date');
  });
});

describe('formatRelative', () => {
  const now = new Date('2026-11-25T18:30:00Z');
  it.each([
    ['2026-11-22T18:30:00Z', 'en-US', '3 days ago'],
    ['2026-11-22T18:30:00Z', 'nl-NL', '3 dagen geleden'],
    ['2026-11-22T19:30:00Z', 'en-US', '2 days ago'],
    ['2026-11-25T18:25:00Z', 'en-US', '5 minutes ago'],
    ['2026-11-25T15:30:00Z', 'nl-NL', '3 uur geleden'],
    ['2026-11-25T18:30:00Z', 'en-US', 'now'],
    ['2025-10-25T18:30:00Z', 'en-US', 'last year'],
  ])('%s in %s is "%s"', (iso, locale, expected) => {
    expect(formatRelative(iso, locale, now)).toBe(expected);
  });
});

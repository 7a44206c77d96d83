/**
 * Date display per language: `25-11-2026 18:30 CET` in nl-NL, `11/25/2026, 6:30 PM EST` in en-US,
 * plus a relative hint ("3 days ago" / "3 dagen geleden"). Pure functions of (value, locale, now).
 */
export function formatDateTime(iso: string, locale: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const zone = timeZone === undefined ? {} : { timeZone };
  const day = new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric', ...zone }).format(date);
  const dutch = locale.startsWith('nl');
  const time = new Intl.DateTimeFormat(locale, { hour: dutch ? '2-digit' : 'numeric', minute: '2-digit', timeZoneName: 'short', ...zone }).format(date);
  // Dutch writes date and time without a comma; Intl inserts one when both are in one format.
  return dutch ? `${day} ${time}` : `${day}, ${time}`;
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

export function formatRelative(iso: string, locale: string, now: Date = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const seconds = (date.getTime() - now.getTime()) / 1000;
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    // Floor toward zero so "71 hours ago" reads "2 days ago", never "3 days ago" before it is.
    if (Math.abs(seconds) >= size || unit === 'second') return format.format(Math.trunc(seconds / size), unit);
  }
  return '';
}

/** Times as a person reads them in the terminal: local time, no ISO (the --json output keeps ISO). */

const FORMAT = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** "2 Dec 2026, 05:12:09" in the local time zone; `fallback` when there is no time. */
export function localTime(value: string | Date | null | undefined, fallback = 'never'): string {
  if (value === null || value === undefined) return fallback;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : FORMAT.format(date);
}

/** "3 minutes ago", "in 5 hours", relative to `now`. */
export function relativeTime(value: string | Date, now = Date.now()): string {
  const ms = (value instanceof Date ? value.getTime() : Date.parse(value)) - now;
  const future = ms > 0;
  const minutes = Math.abs(ms) / 60_000;
  const amount = minutes < 1 ? 'less than a minute' : minutes < 90 ? plural(Math.round(minutes), 'minute') : minutes < 48 * 60 ? plural(Math.round(minutes / 60), 'hour') : plural(Math.round(minutes / 1440), 'day');
  return future ? `in ${amount}` : `${amount} ago`;
}

/** "2 Dec 2026, 05:12:09 (3 minutes ago)" */
export function localTimeWithAge(value: string | Date | null | undefined, fallback = 'never'): string {
  if (value === null || value === undefined) return fallback;
  return `${localTime(value)} (${relativeTime(value)})`;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

const ISO_IN_TEXT = /\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\b/g;

/** A message from the tenant with ISO times in it (troubleshooter findings), with local times instead. */
export function localTimesIn(text: string): string {
  return text.replace(ISO_IN_TEXT, (iso) => localTime(iso));
}

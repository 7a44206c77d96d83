/**
 * The delta cursor of a 389-DS source:
 *
 * - `since`: a modifyTimestamp watermark, the server's clock (cn=monitor currentTime) read before
 *   the last read. 389-DS has no entryCSN/contextCSN on ordinary entries and modifyTimestamp has
 *   one-second resolution (`YYYYmmddHHMMSSZ`), so the next delta asks for `>=` that second: what
 *   it re-reads unchanged, the engine drops by fingerprint. '' means "from the beginning".
 * - `cookies`: per base DN, the contentsync cookie exactly as the server gave it (its format is the
 *   server's own, `host:port#binddn:base:filter#changenumber`, ldap/servers/plugins/sync/sync_util.c),
 *   to ask for the deletes since then (contentsync.ts).
 *
 * Generalized times of this fixed width order lexically in time order.
 */
const PREFIX = '389ds:ts:';
const TIMESTAMP = /^\d{14}Z$/;

export interface DsCursor {
  since: string;
  cookies: Record<string, string>;
}

export function isDsTimestamp(value: string | undefined): value is string {
  return value !== undefined && TIMESTAMP.test(value);
}

export function maxTimestamp(...values: Array<string | undefined>): string {
  return values.reduce<string>((max, v) => (isDsTimestamp(v) && v > max ? v : max), '');
}

export function encodeDsCursor(cursor: DsCursor): string {
  return `${PREFIX}${cursor.since}:${Buffer.from(JSON.stringify(cursor.cookies), 'utf8').toString('base64url')}`;
}

/** The cursor, or null when it is not ours or malformed (the engine then runs a full cycle). */
export function decodeDsCursor(cursor: string): DsCursor | null {
  const match = /^389ds:ts:(\d{14}Z|):([A-Za-z0-9_-]*)$/.exec(cursor);
  if (!match) return null;
  try {
    const cookies = JSON.parse(Buffer.from(match[2] as string, 'base64url').toString('utf8')) as unknown;
    if (typeof cookies !== 'object' || cookies === null || Array.isArray(cookies)) return null;
    if (!Object.values(cookies).every((c) => typeof c === 'string')) return null;
    return { since: match[1] as string, cookies: cookies as Record<string, string> };
  } catch {
    return null;
  }
}

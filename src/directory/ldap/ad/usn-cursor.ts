/**
 * The delta cursor of an Active Directory source: the highestCommittedUSN of the DC read before
 * the last read, and which DC it belongs to. USNs are per domain controller, so a cursor is only
 * valid against the DC (dsServiceName) that issued it; against another DC the engine runs a full
 * cycle. https://learn.microsoft.com/en-us/windows/win32/ad/polling-for-changes-using-usnchanged
 */
const PREFIX = 'ad:usn:';

export interface UsnCursor {
  usn: bigint;
  dsServiceName: string;
  /** When the USN was read (ms since 1970): accounts whose accountExpires passed since then are read again. */
  at?: number;
}

export function encodeUsnCursor(cursor: UsnCursor): string {
  const at = cursor.at === undefined ? '' : `:${Math.floor(cursor.at)}`;
  return `${PREFIX}${cursor.usn.toString()}:${Buffer.from(cursor.dsServiceName, 'utf8').toString('base64url')}${at}`;
}

export function decodeUsnCursor(cursor: string): UsnCursor | null {
  // The time is optional: cursors of an older dirbridge have none.
  const match = /^ad:usn:(\d+):([A-Za-z0-9_-]*)(?::(\d{1,15}))?$/.exec(cursor);
  if (!match) return null;
  return {
    usn: BigInt(match[1] as string),
    dsServiceName: Buffer.from(match[2] as string, 'base64url').toString('utf8'),
    ...(match[3] ? { at: Number(match[3]) } : {}),
  };
}

/** The cursor without its time: what moves only when the DC commits a change (the change watch compares it). */
export function changePosition(cursor: string | null): string | null {
  const decoded = cursor === null ? null : decodeUsnCursor(cursor);
  return decoded ? encodeUsnCursor({ usn: decoded.usn, dsServiceName: decoded.dsServiceName }) : cursor;
}

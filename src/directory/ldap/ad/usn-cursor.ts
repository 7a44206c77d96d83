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
}

export function encodeUsnCursor(cursor: UsnCursor): string {
  return `${PREFIX}${cursor.usn.toString()}:${Buffer.from(cursor.dsServiceName, 'utf8').toString('base64url')}`;
}

export function decodeUsnCursor(cursor: string): UsnCursor | null {
  const match = /^ad:usn:(\d+):([A-Za-z0-9_-]*)$/.exec(cursor);
  if (!match) return null;
  return { usn: BigInt(match[1] as string), dsServiceName: Buffer.from(match[2] as string, 'base64url').toString('utf8') };
}

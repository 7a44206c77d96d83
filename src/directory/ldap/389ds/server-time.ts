/**
 * 389-DS's clock: `currentTime` of cn=monitor (readable by any account with the default ACIs), as
 * generalized time with one-second resolution. The watermark must come from the server's clock,
 * not ours: modifyTimestamp is written by it. '' when it cannot be read.
 */
import type { Client } from 'ldapts';

import { toDirectoryEntry } from '../entry-conversion.js';
import { isDsTimestamp } from './timestamp-cursor.js';

export async function serverTime(client: Client): Promise<string> {
  try {
    const result = await client.search('cn=monitor', { scope: 'base', filter: '(objectClass=*)', attributes: ['currentTime'], timeLimit: 0 });
    const value = toDirectoryEntry(result.searchEntries[0] ?? { dn: 'cn=monitor' }, {}, []).attributes['currenttime']?.[0];
    return isDsTimestamp(value) ? value : '';
  } catch {
    return '';
  }
}

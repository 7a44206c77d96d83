/**
 * What left a search's scope since a CSN, from one RFC 4533 refreshOnly search with a cookie,
 * so a delta cycle finds deletes without listing every entry (its cost follows the changes).
 *
 * With the syncprov session log covering the cookie, slapd answers in the refreshDelete phase:
 * syncIdSet messages (refreshDeletes TRUE) name every entry deleted, moved out of the base, or
 * modified out of the filter since the cookie (measured on slapd 2.5: all three are logged).
 * Without a session log, or with a cookie older than it, slapd falls back to the present phase:
 * every entry still in scope is named (state present, or add for the changed ones) and whatever
 * was not named is gone (RFC 4533 section 3.3.1). e-syncRefreshRequired asks for a full reload.
 */
import type { LdapLogger, LdapSourceConfig } from '../ldap-config.js';
import { isConnectionClosed, StreamConnection } from '../stream-connection.js';
import { E_SYNC_REFRESH_REQUIRED, formatUuid, type LdapResponse } from './syncrepl-protocol.js';

export type RefreshOutcome =
  /** These entryUUIDs left the scope (refreshDelete phase). */
  | { kind: 'deleted'; anchors: string[] }
  /** Every entryUUID still in scope (present phase): anything else left it. */
  | { kind: 'present'; anchors: Set<string> }
  /** The server wants a full reload: compare everything. */
  | { kind: 'reload' };

export interface RefreshRequest {
  config: LdapSourceConfig;
  logger: LdapLogger;
  base: string;
  filter: string;
  /** The CSN the last cycle reached; the cookie is built from it as OpenLDAP's consumers do. */
  sinceCsn: string;
}

export async function readRefreshDeletes(request: RefreshRequest): Promise<RefreshOutcome> {
  const connection = await StreamConnection.open(request.config, request.logger);
  try {
    return await new Promise<RefreshOutcome>((resolve, reject) => {
      const deleted: string[] = [];
      const present = new Set<string>();
      const onResponse = (response: LdapResponse): void => {
        if (isConnectionClosed(response)) {
          reject(connection.closedError(`the refresh of ${request.base}`));
          return;
        }
        switch (response.kind) {
          case 'entry':
            if (!response.uuid) return;
            if (response.state === 'delete') deleted.push(response.uuid);
            else present.add(response.uuid);
            return;
          case 'intermediate': {
            const info = response.info;
            if (info?.type !== 'syncIdSet') return;
            for (const uuid of info.uuids) {
              if (uuid.length !== 16) continue;
              if (info.refreshDeletes) deleted.push(formatUuid(uuid));
              else present.add(formatUuid(uuid));
            }
            return;
          }
          case 'done':
            if (response.resultCode === E_SYNC_REFRESH_REQUIRED) resolve({ kind: 'reload' });
            else if (response.resultCode !== 0) reject(connection.resultError(response));
            else resolve(response.refreshDeletes ? { kind: 'deleted', anchors: deleted } : { kind: 'present', anchors: present });
            return;
          default:
            return;
        }
      };
      connection.search({
        base: request.base,
        filter: request.filter,
        attributes: ['1.1'],
        mode: 'refreshOnly',
        // "rid=NNN,csn=<CSN>": the form slapd 2.5 parses (slap_parse_sync_cookie); see syncrepl-watch.ts.
        cookie: Buffer.from(`rid=000,csn=${request.sinceCsn}`),
        onResponse,
      });
      connection.ended.catch(reject);
    });
  } finally {
    connection.close();
  }
}

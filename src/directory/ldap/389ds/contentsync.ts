/**
 * Deletes of a 389-DS delta from its Content Synchronization plugin (RFC 4533, `contentsync`, fed
 * by the `retro-changelog` plugin), on a socket of our own (see openldap/syncrepl-protocol.ts for
 * why not ldapts). What 389-DS does differs from slapd's syncprov, so it has its own module:
 *
 * - A refreshOnly search with the cookie of the last cycle answers with syncIdSet messages
 *   (refreshDeletes TRUE) naming the entries deleted, or moved out of the base, since the cookie,
 *   then the changed entries still in scope, then Sync Done with the new cookie
 *   (ldap/servers/plugins/sync/sync_refresh.c, sync_refresh_update_content). Entries modified out
 *   of the filter are not named (only a modrdn is checked against the scope): the source finds
 *   those itself. Deletes anywhere under the retro changelog's suffixes are named, in scope or
 *   not; the engine only deletes what it exported, so that is harmless.
 * - The syncUUID is the entry's nsUniqueId, its 32 hex digits as 16 bytes (sync_nsuniqueid2uuid in
 *   sync_util.c): the source's anchor, with no lookup.
 * - The cookie is `host:port#binddn:base:filter#changenumber`: it is valid for the same account,
 *   base DN and filter string only (sync_cookie_isvalid), so it is kept per base DN exactly as the
 *   server sent it. The scope is not part of it, so a search of scope base, which returns at most
 *   the base entry, obtains a valid cookie for "now" without listing the whole content.
 * - An invalid cookie (another filter, another server, a restored server) gets
 *   e-syncRefreshRequired (4096). A cookie older than the trimmed retro changelog is NOT refused
 *   (the missing changes are silently skipped), so the source compares its change number with the
 *   root DSE's firstchangenumber first.
 * - The control is not listed in the root DSE's supportedControl; without the plugin a search with
 *   it fails with unavailableCriticalExtension (12), and an account the feature entry
 *   `oid=1.3.6.1.4.1.4203.1.9.1.1,cn=features,cn=config` does not allow gets insufficientAccess (50).
 *
 * Measured on 389-DS 2.3 (Debian 12), see test/integration/ldap/389ds.test.ts.
 */
import { isStalledOrMalformed } from '../ldap-errors.js';
import type { LdapLogger, LdapSourceConfig } from '../ldap-config.js';
import { isConnectionClosed, StreamConnection } from '../stream-connection.js';
import { E_SYNC_REFRESH_REQUIRED, type LdapResponse } from '../openldap/syncrepl-protocol.js';

const UNAVAILABLE_CRITICAL_EXTENSION = 12;
const INSUFFICIENT_ACCESS = 50;

export type DsRefreshOutcome =
  /** These nsUniqueIds left the base since the cookie; `cookie` is where the next delta starts. */
  | { kind: 'deleted'; anchors: string[]; cookie: string }
  /** The cookie is no longer valid: compare every anchor, and start again from a fresh cookie. */
  | { kind: 'reload' };

/** The text form of nsUniqueId (`8c1f2c01-1dd211b2-8b2ad9a6-7c3e1a01`) of a 16-byte syncUUID. */
export function nsUniqueIdFromSyncUuid(octets: Buffer): string | null {
  if (octets.length !== 16) return null;
  const hex = octets.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 24)}-${hex.slice(24, 32)}`;
}

/** The retro changelog change number a cookie stands at (its last `#` field), or null. */
export function cookieChangeNumber(cookie: string): number | null {
  const match = /#(\d+)$/.exec(cookie);
  return match ? Number(match[1]) : null;
}

interface RefreshResult {
  resultCode: number;
  response: LdapResponse;
  cookie: string | undefined;
  deleted: string[];
}

/** One refreshOnly search on an open connection, collected. */
function refreshOnly(connection: StreamConnection, search: { base: string; filter: string; scope: 'base' | 'sub'; cookie?: string }): Promise<RefreshResult> {
  return new Promise<RefreshResult>((resolve, reject) => {
    const deleted: string[] = [];
    const onResponse = (response: LdapResponse): void => {
      if (isConnectionClosed(response)) {
        reject(connection.closedError(`the content synchronization search of ${search.base}`));
        return;
      }
      if (response.kind === 'intermediate' && response.info?.type === 'syncIdSet' && response.info.refreshDeletes) {
        for (const uuid of response.info.uuids) {
          const anchor = nsUniqueIdFromSyncUuid(uuid);
          if (anchor) deleted.push(anchor);
        }
      } else if (response.kind === 'done') {
        resolve({ resultCode: response.resultCode, response, cookie: response.cookie && response.cookie.length > 0 ? response.cookie.toString('utf8') : undefined, deleted });
      }
    };
    connection.search({ base: search.base, filter: search.filter, scope: search.scope, attributes: ['1.1'], mode: 'refreshOnly', cookie: search.cookie ? Buffer.from(search.cookie, 'utf8') : undefined, onResponse });
    connection.ended.catch(reject);
  });
}

/**
 * A cookie for "now" per base DN (a refreshOnly search of scope base, see above), or null when the
 * server does not offer content synchronization to the sync account.
 */
export async function fetchCookies(config: LdapSourceConfig, logger: LdapLogger, bases: string[], filter: string): Promise<Record<string, string> | null> {
  const connection = await StreamConnection.open(config, logger);
  try {
    const results = await Promise.all(bases.map((base) => refreshOnly(connection, { base, filter, scope: 'base' })));
    const cookies: Record<string, string> = {};
    for (const [index, result] of results.entries()) {
      if (result.resultCode === UNAVAILABLE_CRITICAL_EXTENSION || result.resultCode === INSUFFICIENT_ACCESS) return null;
      if (result.resultCode !== 0) throw connection.resultError(result.response);
      if (!result.cookie) return null;
      cookies[bases[index] as string] = result.cookie;
    }
    return cookies;
  } finally {
    connection.close();
  }
}

/** The deletes since each base's cookie: one refreshOnly search per base, on one connection. */
export async function readDeletes(config: LdapSourceConfig, logger: LdapLogger, cookies: Record<string, string>, filter: string): Promise<Map<string, DsRefreshOutcome>> {
  const connection = await StreamConnection.open(config, logger);
  try {
    const bases = Object.keys(cookies);
    const results = await Promise.all(bases.map((base) => refreshOnly(connection, { base, filter, scope: 'sub', cookie: cookies[base] as string })));
    const outcomes = new Map<string, DsRefreshOutcome>();
    for (const [index, result] of results.entries()) {
      const base = bases[index] as string;
      if (result.resultCode === E_SYNC_REFRESH_REQUIRED || (result.resultCode === 0 && !result.cookie)) outcomes.set(base, { kind: 'reload' });
      else if (result.resultCode !== 0) throw connection.resultError(result.response);
      else outcomes.set(base, { kind: 'deleted', anchors: result.deleted, cookie: result.cookie as string });
    }
    return outcomes;
  } finally {
    connection.close();
  }
}

/**
 * The cookies of one source across deltas: fresh ones for "now", the deletes since stored ones, and
 * a single warning when the server does not offer contentsync (every delta then compares anchors).
 */
export class ContentSyncDeletes {
  private warned = false;

  constructor(
    private readonly config: LdapSourceConfig,
    private readonly logger: LdapLogger,
    /** The scope filter, `(|users groups)`: part of every cookie, so always the same string. */
    private readonly filter: string,
  ) {}

  /** A cookie per base DN for "now", or null when the server does not offer contentsync. */
  async cookies(bases: string[]): Promise<Record<string, string> | null> {
    try {
      const cookies = await fetchCookies(this.config, this.logger, bases, this.filter);
      if (cookies === null) this.warnUnavailable();
      return cookies;
    } catch (error) {
      if (isStalledOrMalformed(error)) throw error;
      this.logger.warn(`The content synchronization search on ${this.config.url} failed; deltas compare every anchor for deletes until it works.`, { error: (error as Error).message });
      return null;
    }
  }

  /**
   * The deletes since the cookies, and the cookies to keep. `anchors` is null when some base has no
   * usable cookie (none yet, refused, or older than the trimmed retro changelog, which starts at
   * `firstChange`): that base gets a fresh cookie and this delta compares every anchor. The engine
   * lists the anchors only after departures() resolved, so after the fresh cookie: a delete then
   * falls in this delta, the next, or both (deleting twice is a no-op).
   */
  async deletesSince(bases: string[], cookies: Record<string, string>, firstChange: number | undefined): Promise<{ anchors: string[] | null; cookies: Record<string, string> }> {
    const usable: Record<string, string> = {};
    for (const base of bases) {
      const cookie = cookies[base];
      const number = cookie === undefined ? null : cookieChangeNumber(cookie);
      if (cookie !== undefined && number !== null && (firstChange === undefined || number + 1 >= firstChange)) usable[base] = cookie;
    }
    const missing = bases.filter((b) => usable[b] === undefined);
    try {
      const [fresh, outcomes] = await Promise.all([
        missing.length > 0 ? fetchCookies(this.config, this.logger, missing, this.filter) : Promise.resolve({}),
        Object.keys(usable).length > 0 ? readDeletes(this.config, this.logger, usable, this.filter) : Promise.resolve(new Map<string, DsRefreshOutcome>()),
      ]);
      if (fresh === null) {
        this.warnUnavailable();
        return { anchors: null, cookies: {} };
      }
      const next: Record<string, string> = { ...fresh };
      const anchors: string[] = [];
      const refused: string[] = [];
      for (const [base, outcome] of outcomes) {
        if (outcome.kind === 'deleted') {
          next[base] = outcome.cookie;
          anchors.push(...outcome.anchors);
        } else {
          refused.push(base);
        }
      }
      if (refused.length > 0) Object.assign(next, (await fetchCookies(this.config, this.logger, refused, this.filter)) ?? {});
      return { anchors: missing.length === 0 && refused.length === 0 ? anchors : null, cookies: next };
    } catch (error) {
      if (isStalledOrMalformed(error)) throw error;
      this.logger.warn(`The content synchronization search for deletes on ${this.config.url} failed; this delta compares every anchor instead.`, { error: (error as Error).message });
      return { anchors: null, cookies: {} };
    }
  }

  private warnUnavailable(): void {
    if (this.warned) return;
    this.warned = true;
    this.logger.warn(`${this.config.url} does not offer content synchronization (RFC 4533) to the sync account: each delta lists every anchor to find deletes. Enable the retro-changelog and contentsync plugins so that deletes cost what changed.`);
  }
}

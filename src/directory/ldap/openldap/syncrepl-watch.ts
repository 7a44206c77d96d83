/**
 * Push notifications from OpenLDAP: an RFC 4533 refreshAndPersist search (the syncprov overlay)
 * on a socket of our own (see syncrepl-protocol.ts for why not ldapts). Each add, modify, rename
 * or delete in scope during the persist phase calls onChange(); the engine then runs a delta.
 * A dropped connection is retried with backoff, resuming from the last cookie, and changes made
 * while disconnected are announced with one onChange() once the server has caught up.
 */
import { AppError } from '../../../shared/errors.js';
import type { LdapLogger, LdapSourceConfig } from '../ldap-config.js';
import { DEFAULT_WATCH_PROBE_MS } from '../ldap-connection.js';
import { StreamConnection } from '../stream-connection.js';
import { E_SYNC_REFRESH_REQUIRED, type LdapResponse } from './syncrepl-protocol.js';

const BACKOFF_MS = [250, 500, 1_000, 2_000, 5_000, 10_000, 30_000];

export interface SyncreplWatchOptions {
  config: LdapSourceConfig;
  logger: LdapLogger;
  /** The scope filter (users or groups); notifications of other entries never come. */
  filter: string;
  /** Whether a DN is in scope (base DNs minus excluded subtrees). */
  inScope: (dn: string) => boolean;
  onChange: () => void;
  onError: (error: unknown) => void;
  /**
   * Cookies for "now", per base DN, to start from: without one the refresh phase sends every entry
   * in scope first (100,000 entries for nothing, since the engine reads itself). null when the
   * server has none to give.
   */
  initialCookies?: (bases: string[]) => Promise<Record<string, Buffer> | null>;
}

/** Starts watching; returns stop(). */
export function startSyncreplWatch(options: SyncreplWatchOptions): () => void {
  let stopped = false;
  let attempt = 0;
  let session: SyncreplSession | undefined;
  let timer: NodeJS.Timeout | undefined;
  const cookies = new Map<string, Buffer>();
  let connectedOnce = false;

  const run = (): void => {
    if (stopped) return;
    const current = new SyncreplSession(options, cookies, {
      caughtUp: (changedInRefresh) => {
        attempt = 0;
        // After a drop, changes may have happened while we were away (a refresh that falls back to
        // the present phase reports deletes only by omission): let the engine look once.
        if (connectedOnce || changedInRefresh) options.onChange();
        connectedOnce = true;
      },
      change: (dn) => {
        if (options.inScope(dn)) options.onChange();
      },
      deletes: () => options.onChange(),
    });
    session = current;
    current.start().then(
      () => retry(undefined),
      (error: unknown) => retry(error),
    );
  };

  const retry = (error: unknown): void => {
    session = undefined;
    if (stopped) return;
    if (error !== undefined) options.onError(error);
    const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] as number;
    attempt++;
    timer = setTimeout(run, delay);
  };

  run();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    session?.close();
  };
}

interface SessionEvents {
  /** The refresh phase is over; `changedInRefresh` when it carried changes after our cookie. */
  caughtUp(changedInRefresh: boolean): void;
  change(dn: string): void;
  deletes(): void;
}

/** One connection (stream-connection.ts) with one persistent search per base DN. Resolves when it ends. */
class SyncreplSession {
  private connection: StreamConnection | undefined;
  private closedByUs = false;

  constructor(
    private readonly options: SyncreplWatchOptions,
    /** Last cookie per base DN, kept across sessions. */
    private readonly cookies: Map<string, Buffer>,
    private readonly events: SessionEvents,
  ) {}

  close(): void {
    this.closedByUs = true;
    this.connection?.close();
  }

  async start(): Promise<void> {
    const connection = await StreamConnection.open(this.options.config, this.options.logger);
    if (this.closedByUs) {
      connection.close();
      return;
    }
    this.connection = connection;
    await this.primeCookies();
    this.persist(connection);
    // The persist phase is silent until something changes: probe a quiet connection so a server that
    // hangs ends the session with DIR_TIMEOUT (reported, then retried) instead of a watch that waits forever.
    connection.probe(this.options.config.timeouts?.watchProbeMs ?? DEFAULT_WATCH_PROBE_MS);
    return connection.ended;
  }

  /** First cookies for the bases that have none yet, so the refresh phase only carries what changed after them. */
  private async primeCookies(): Promise<void> {
    const missing = this.options.config.baseDns.filter((b) => !this.cookies.has(b));
    if (missing.length === 0 || !this.options.initialCookies) return;
    try {
      const cookies = await this.options.initialCookies(missing);
      for (const [base, cookie] of Object.entries(cookies ?? {})) this.cookies.set(base, cookie);
    } catch {
      // Without them the watch still works, only slower to start: the refresh lists every entry.
    }
  }

  /** One refreshAndPersist search per base DN. */
  private persist(connection: StreamConnection): void {
    const refreshing = new Set<number>();
    let changedInRefresh = false;
    for (const base of this.options.config.baseDns) {
      const cookie = this.cookies.get(base);
      let messageId = 0;
      let refreshed = (): void => undefined;
      const refreshDone = (): void => {
        if (!refreshing.delete(messageId)) return;
        refreshed();
        if (refreshing.size === 0) this.events.caughtUp(changedInRefresh);
      };
      // Without a cookie the refresh lists the whole content: that is no change.
      const changed = (): void => {
        if (cookie) changedInRefresh = true;
      };
      const handle = connection.search({
        base,
        filter: this.options.filter,
        // No attributes: the watch only needs to know that something changed, and where.
        attributes: ['1.1'],
        mode: 'refreshAndPersist',
        cookie,
        onResponse: (response) => this.onSearchResponse(connection, base, response, () => refreshing.has(messageId), refreshDone, changed),
      });
      messageId = handle.messageId;
      refreshed = handle.refreshed;
      refreshing.add(messageId);
    }
  }

  private onSearchResponse(connection: StreamConnection, base: string, response: LdapResponse, inRefresh: () => boolean, refreshDone: () => void, changedInRefresh: () => void): void {
    const keepCookie = (cookie: Buffer | undefined): void => {
      if (cookie && cookie.length > 0) this.cookies.set(base, cookie);
    };
    switch (response.kind) {
      case 'entry':
        keepCookie(response.cookie);
        if (!inRefresh()) this.events.change(response.dn);
        else if (response.state !== 'present' && this.options.inScope(response.dn)) changedInRefresh();
        return;
      case 'intermediate': {
        const info = response.info;
        if (!info) return;
        keepCookie(info.cookie);
        if (info.type === 'syncIdSet') {
          if (!inRefresh()) this.events.deletes();
          else if (info.refreshDeletes) changedInRefresh();
        } else if (info.type !== 'newcookie' && info.refreshDone) {
          refreshDone();
        }
        return;
      }
      case 'done':
        // A persistent search ends only on error, or when the server asks for a full reload.
        keepCookie(response.cookie);
        if (response.resultCode === E_SYNC_REFRESH_REQUIRED) this.cookies.delete(base);
        connection.abort(response.resultCode === 0 ? new AppError('DIR_UNREACHABLE', { message: `The directory at ${this.options.config.url} ended the syncrepl search.`, params: { form: 'syncreplEnded', url: this.options.config.url } }) : connection.resultError(response));
        return;
      default:
        return;
    }
  }
}

/**
 * The watch of a source that pushes through RFC 4533 refreshAndPersist (OpenLDAP's syncprov,
 * 389-DS's contentsync): each started watch is kept in `watchers` so the source's close() stops it.
 */
export function syncreplWatch(
  core: { config: LdapSourceConfig; logger: LdapLogger; inScopeFilter: string; inScope(dn: string): boolean },
  watchers: Set<() => void>,
  initialCookies: (bases: string[]) => Promise<Record<string, Buffer> | null>,
): (onChange: () => void, onError: (error: unknown) => void) => () => void {
  return (onChange, onError) => {
    const stop = startSyncreplWatch({ config: core.config, logger: core.logger, filter: core.inScopeFilter, inScope: (dn) => core.inScope(dn), onChange, onError, initialCookies });
    const stopAndForget = (): void => {
      watchers.delete(stopAndForget);
      stop();
    };
    watchers.add(stopAndForget);
    return stopAndForget;
  };
}

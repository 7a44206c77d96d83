/**
 * Push notifications from OpenLDAP: an RFC 4533 refreshAndPersist search (the syncprov overlay)
 * on a socket of our own (see syncrepl-protocol.ts for why not ldapts). Each add, modify, rename
 * or delete in scope during the persist phase calls onChange(); the engine then runs a delta.
 * A dropped connection is retried with backoff, resuming from the last cookie, and changes made
 * while disconnected are announced with one onChange() once the server has caught up.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

import { BindRequest, ExtendedRequest, FilterParser, SearchRequest } from 'ldapts';

import { AppError } from '../../../shared/errors.js';
import type { LdapLogger, LdapSourceConfig } from '../ldap-config.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, tlsOptionsFor } from '../ldap-connection.js';
import { toDirectoryError, type LdapStage } from '../ldap-errors.js';
import { decodeResponse, E_SYNC_REFRESH_REQUIRED, MessageFramer, SyncRequestControl, type LdapResponse } from './syncrepl-protocol.js';

const STARTTLS_OID = '1.3.6.1.4.1.1466.20037';
const INVALID_CREDENTIALS = 49;
const UNAVAILABLE_CRITICAL_EXTENSION = 12;
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
   * The server's current contextCSN, to start without a cookie: without one the refresh phase
   * sends every entry in scope first (100,000 entries for nothing, since the engine reads itself).
   */
  currentCsn?: () => Promise<string>;
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

/** One connection: connect, StartTLS, bind, one persistent search per base DN. Resolves when it ends. */
class SyncreplSession {
  private socket: Socket | TLSSocket | undefined;
  private framer = new MessageFramer();
  private nextId = 1;
  private waiting = new Map<number, (response: LdapResponse) => void>();
  private closedByUs = false;
  private stage: LdapStage = 'connect';
  /** Settle the session: `fail` on a drop or error, `endOk` when we closed it. */
  private fail: (error: unknown) => void = () => undefined;
  private endOk: () => void = () => undefined;

  constructor(
    private readonly options: SyncreplWatchOptions,
    /** Last cookie per base DN, kept across sessions. */
    private readonly cookies: Map<string, Buffer>,
    private readonly events: SessionEvents,
  ) {}

  close(): void {
    this.closedByUs = true;
    this.socket?.destroy();
  }

  async start(): Promise<void> {
    const { config } = this.options;
    const ended = new Promise<void>((resolve, reject) => {
      this.fail = reject;
      this.endOk = resolve;
    });
    // Whatever happens later (drop, error), `ended` settles; keep it from being unhandled meanwhile.
    ended.catch(() => undefined);
    try {
      await this.connect();
      if (config.startTls && !/^ldaps:/i.test(config.url)) {
        this.stage = 'starttls';
        const response = await this.request(new ExtendedRequest({ messageId: this.id(), oid: STARTTLS_OID }));
        if (response.kind !== 'extended' || response.resultCode !== 0) throw this.resultError(response);
        await this.upgrade();
      }
      this.stage = 'bind';
      const bind = await this.request(new BindRequest({ messageId: this.id(), dn: config.bindDn, password: config.bindPassword }));
      if (bind.kind !== 'bind' || bind.resultCode !== 0) throw this.resultError(bind);
      this.stage = 'search';
      await this.primeCookies();
      this.persist();
    } catch (error) {
      this.socket?.destroy();
      if (this.closedByUs) return;
      throw error instanceof AppError ? error : toDirectoryError(error, this.stage, { url: config.url });
    }
    return ended;
  }

  private id(): number {
    return this.nextId++;
  }

  private connect(): Promise<void> {
    const { config, logger } = this.options;
    const url = new URL(config.url);
    const secure = url.protocol === 'ldaps:';
    const port = Number(url.port || (secure ? 636 : 389));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return new Promise((resolve, reject) => {
      const socket = secure ? tlsConnect({ ...tlsOptionsFor(config, logger), port, host }) : netConnect({ port, host });
      this.socket = socket;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('Connection timeout'));
      }, config.timeouts?.connectMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        this.attach(socket);
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  private upgrade(): Promise<void> {
    const { config, logger } = this.options;
    const plain = this.socket as Socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    return new Promise((resolve, reject) => {
      const secure = tlsConnect({ ...tlsOptionsFor(config, logger), socket: plain });
      this.socket = secure;
      secure.once('secureConnect', () => {
        secure.removeAllListeners('error');
        this.attach(secure);
        resolve();
      });
      secure.once('error', reject);
    });
  }

  private attach(socket: Socket | TLSSocket): void {
    this.framer = new MessageFramer();
    // A persistent search is silent for hours: keepalives notice a peer that vanished.
    socket.setKeepAlive(true, 30_000);
    socket.on('data', (data: Buffer) => {
      try {
        for (const message of this.framer.push(data)) this.dispatch(decodeResponse(message));
      } catch (error) {
        this.fail(new AppError('DIR_SEARCH_FAILED', { message: `The syncrepl stream from ${this.options.config.url} could not be read.`, cause: error }));
        socket.destroy();
      }
    });
    socket.on('error', (error) => {
      if (!this.closedByUs) this.fail(toDirectoryError(error, this.stage, { url: this.options.config.url }));
    });
    socket.on('close', () => {
      for (const waiter of this.waiting.values()) waiter({ kind: 'other', messageId: 0, op: -1 });
      this.waiting.clear();
      if (this.closedByUs) this.endOk();
      else this.fail(new AppError('DIR_UNREACHABLE', { message: `The syncrepl connection to ${this.options.config.url} was closed by the server.` }));
    });
  }

  private request(message: ExtendedRequest | BindRequest): Promise<LdapResponse> {
    return new Promise((resolve, reject) => {
      this.waiting.set(message.messageId, (response) => {
        if (response.kind === 'other' && response.op === -1) reject(new Error('Connection closed before the response'));
        else resolve(response);
      });
      this.socket?.write(message.write());
    });
  }

  private resultError(response: LdapResponse): Error {
    const code = 'resultCode' in response ? response.resultCode : -1;
    const diagnostic = 'diagnostic' in response ? response.diagnostic : '';
    const url = this.options.config.url;
    if (this.stage === 'bind' && code === INVALID_CREDENTIALS) {
      return new AppError('DIR_BIND_FAILED', { message: `The directory at ${url} rejected the sync account credentials (LDAP result 49, invalid credentials).` });
    }
    if (this.stage === 'starttls') return new AppError('DIR_TLS_FAILED', { message: `The directory at ${url} refused StartTLS (LDAP result ${code}) ${diagnostic}`.trim() });
    if (this.stage === 'bind') return new AppError('DIR_BIND_FAILED', { message: `Binding to ${url} failed (LDAP result ${code}) ${diagnostic}`.trim() });
    if (code === UNAVAILABLE_CRITICAL_EXTENSION) {
      return new AppError('DIR_SEARCH_FAILED', {
        message: `The directory at ${url} does not offer content synchronization (RFC 4533), so changes cannot be pushed; scheduled delta cycles still work.`,
        hint: 'On OpenLDAP, add "overlay syncprov" to the database (and index entryCSN,entryUUID eq), or turn the watch off.',
      });
    }
    return new AppError('DIR_SEARCH_FAILED', { message: `The syncrepl search on ${url} failed (LDAP result ${code}) ${diagnostic}`.trim() });
  }

  /**
   * A first cookie from the server's contextCSN, in the form OpenLDAP's own consumers send
   * ("rid=NNN,csn=<CSN>", see slap_parse_sync_cookie in servers/slapd/ldapsync.c; slapd 2.5
   * ignores a cookie without rid), so the refresh phase only carries what changed after it.
   * Without it the watch still works, only slower to start: the refresh lists every entry.
   */
  private async primeCookies(): Promise<void> {
    const missing = this.options.config.baseDns.filter((b) => !this.cookies.has(b));
    if (missing.length === 0 || !this.options.currentCsn) return;
    try {
      const csn = await this.options.currentCsn();
      if (csn) for (const base of missing) this.cookies.set(base, Buffer.from(`rid=000,csn=${csn}`));
    } catch {
      // The full refresh below is the fallback.
    }
  }

  /** One refreshAndPersist search per base DN. */
  private persist(): void {
    const { config } = this.options;
    const bases = config.baseDns;
    const refreshing = new Set<number>();
    let changedInRefresh = false;
    const filter = FilterParser.parseString(this.options.filter);
    for (const base of bases) {
      const cookie = this.cookies.get(base);
      const messageId = this.id();
      refreshing.add(messageId);
      const search = new SearchRequest({
        messageId,
        baseDN: base,
        scope: 'sub',
        filter,
        // No attributes: the watch only needs to know that something changed, and where.
        attributes: ['1.1'],
        timeLimit: 0,
        controls: [new SyncRequestControl('refreshAndPersist', cookie)],
      });
      const refreshDone = (): void => {
        if (!refreshing.delete(messageId)) return;
        if (refreshing.size === 0) this.events.caughtUp(changedInRefresh);
      };
      // Without a cookie the refresh lists the whole content: that is no change.
      const changed = (): void => {
        if (cookie) changedInRefresh = true;
      };
      this.waiting.set(messageId, (response) => this.onSearchResponse(base, response, () => refreshing.has(messageId), refreshDone, changed));
      this.socket?.write(search.write());
    }
  }

  private onSearchResponse(base: string, response: LdapResponse, inRefresh: () => boolean, refreshDone: () => void, changedInRefresh: () => void): void {
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
        this.fail(response.resultCode === 0 ? new AppError('DIR_UNREACHABLE', { message: `The directory at ${this.options.config.url} ended the syncrepl search.` }) : this.resultError(response));
        this.socket?.destroy();
        return;
      default:
        return;
    }
  }

  private dispatch(response: LdapResponse): void {
    const waiter = this.waiting.get(response.messageId);
    if (!waiter) return;
    if (response.kind === 'bind' || response.kind === 'extended') this.waiting.delete(response.messageId);
    waiter(response);
  }
}

/**
 * One LDAP connection of our own: connect, StartTLS when asked, simple bind, then searches whose
 * response messages go, undecoded, to a handler per message id.
 *
 * Why not only ldapts: it rejects RFC 4533's IntermediateResponse messages (the push watch and the
 * refreshOnly deletes, see openldap/syncrepl-protocol.ts), and its search decodes every value
 * into a Buffer, an Attribute object and then a string, which made reading 100,000 entries cost
 * 4-5 s of CPU (half of it garbage collection) where decoding straight from the received bytes
 * (paged-search.ts) costs about 1 s. ldapts still writes the requests and reads the BER.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

import { BindRequest, ExtendedRequest, FilterParser, SearchRequest, type Control } from 'ldapts';

import { AppError } from '../../shared/errors.js';
import type { LdapLogger, LdapSourceConfig } from './ldap-config.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_OPERATION_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS, tlsOptionsFor } from './ldap-connection.js';
import { LdapTimeoutError, toDirectoryError, type LdapStage } from './ldap-errors.js';
import { DEFAULT_MAX_MESSAGE_BYTES, MessageFramer } from './message-framer.js';
import { decodeResponse, openMessage, SyncRequestControl, type LdapResponse, type SyncMode } from './openldap/syncrepl-protocol.js';

/** A response message as received (one complete LDAPMessage), or null when the connection closed first. */
export type MessageHandler = (message: Buffer | null) => void;

const STARTTLS_OID = '1.3.6.1.4.1.1466.20037';
/** RFC 4532 "Who am I?": a cheap request any LDAPv3 server answers (an error result counts as an answer). */
const WHOAMI_OID = '1.3.6.1.4.1.4203.1.11.3';
const INVALID_CREDENTIALS = 49;
const UNAVAILABLE_CRITICAL_EXTENSION = 12;

export interface SyncSearch {
  base: string;
  filter: string;
  /** '1.1' for none: the entry's DN and its Sync State control (with the entryUUID) still come. */
  attributes: string[];
  /** The RFC 4533 mode; absent for a long-running search of another kind (AD's change notifications: `controls`). */
  mode?: SyncMode;
  /** Further request controls (e.g. LDAP_SERVER_NOTIFICATION_OID). */
  controls?: Control[];
  /** What the search is, for a timeout's message; default "the content synchronization search of <base>". */
  description?: string;
  /** Default 'sub'. 389-DS hands out a cookie for a 'base' search too (see 389ds/contentsync.ts). */
  scope?: 'base' | 'sub';
  cookie?: Buffer | undefined;
  onResponse: (response: LdapResponse) => void;
  /**
   * No message for this search for this long ends the connection with DIR_TIMEOUT (default
   * timeouts.operationMs). A refreshAndPersist search calls `refreshed()` of the returned handle
   * once its refresh is over: the persist phase is silent by nature, and probe() watches it instead.
   */
  idleTimeoutMs?: number;
}

export interface SearchHandle {
  messageId: number;
  /** Stops the search's silence timer (the refresh phase is over). */
  refreshed(): void;
}

export class StreamConnection {
  private socket: Socket | TLSSocket | undefined;
  private framer: MessageFramer;
  private nextId = 1;
  private readonly waiting = new Map<number, MessageHandler>();
  private closedByUs = false;
  /** The socket closed (either side): nothing more can be asked. */
  private socketClosed = false;
  private stage: LdapStage = 'connect';
  /** Settles when the connection ends: resolves when we closed it, rejects on a drop or error. */
  readonly ended: Promise<void>;
  private fail: (error: unknown) => void = () => undefined;
  private endOk: () => void = () => undefined;
  /** Why the connection ended, when it ended in error (a malformed message, a timeout, a drop). */
  private failure: AppError | undefined;
  /** When the last complete message arrived (silence timers compare with it). */
  private lastMessageAt = Date.now();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly config: LdapSourceConfig,
    private readonly logger: LdapLogger,
  ) {
    this.framer = new MessageFramer(config.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
    this.ended = new Promise<void>((resolve, reject) => {
      this.fail = (error) => {
        this.failure ??= toDirectoryError(error, this.stage, { url: config.url });
        reject(this.failure);
      };
      this.endOk = resolve;
    });
    // Whatever happens later, `ended` settles; keep it from being unhandled meanwhile.
    this.ended.catch(() => undefined);
  }

  /** Connects and binds as the sync account; every failure is a directory AppError. */
  static async open(config: LdapSourceConfig, logger: LdapLogger): Promise<StreamConnection> {
    const connection = new StreamConnection(config, logger);
    try {
      await connection.connect();
      if (config.startTls && !/^ldaps:/i.test(config.url)) {
        connection.stage = 'starttls';
        const response = await connection.request(new ExtendedRequest({ messageId: connection.id(), oid: STARTTLS_OID }), connection.requestTimeoutMs(), 'StartTLS');
        if (response.kind !== 'extended' || response.resultCode !== 0) throw connection.resultError(response);
        await connection.upgrade();
      }
      connection.stage = 'bind';
      const bind = await connection.request(new BindRequest({ messageId: connection.id(), dn: config.bindDn, password: config.bindPassword }), connection.requestTimeoutMs(), 'the bind');
      if (bind.kind !== 'bind' || bind.resultCode !== 0) throw connection.resultError(bind);
      connection.stage = 'search';
      return connection;
    } catch (error) {
      connection.close();
      throw error instanceof AppError ? error : toDirectoryError(error, connection.stage, { url: config.url });
    }
  }

  close(): void {
    this.closedByUs = true;
    this.clearTimers();
    this.socket?.destroy();
  }

  /** The error the connection ended with, or a DIR_UNREACHABLE for one the server closed. */
  closedError(during: string): AppError {
    return this.failure ?? new AppError('DIR_UNREACHABLE', { message: `The connection to ${this.config.url} closed during ${during}.`, params: { form: 'closed', url: this.config.url } });
  }

  /**
   * Watches a connection that is silent by design (the persist phase of a watch): after `quietMs`
   * without any message, asks the server "Who am I?" and ends the connection with DIR_TIMEOUT when
   * no answer comes within the request timeout. A server that hangs is thus noticed, not waited for.
   */
  probe(quietMs: number): void {
    const requestMs = this.config.timeouts?.requestMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const check = (delayMs: number): void => {
      this.timer(() => {
        const silentMs = Date.now() - this.lastMessageAt;
        if (silentMs < quietMs) return check(quietMs - silentMs);
        this.request(new ExtendedRequest({ messageId: this.id(), oid: WHOAMI_OID }), requestMs, 'a liveness probe ("Who am I?") of the watch connection').then(
          () => check(quietMs),
          (error: unknown) => this.abort(error),
        );
      }, delayMs);
    };
    check(quietMs);
  }

  /** One "Who am I?" round trip within the request timeout: the server has read everything sent before it. */
  async ping(): Promise<void> {
    await this.request(new ExtendedRequest({ messageId: this.id(), oid: WHOAMI_OID }), this.requestTimeoutMs(), 'an answer to "Who am I?"');
  }

  /** Sends a request whose responses go to `onMessage` until `forget(messageId)`. */
  send(request: { messageId: number; write(): Buffer }, onMessage: MessageHandler): void {
    // The server may have closed the connection while nothing was asked (between two pages).
    if (this.socketClosed || !this.socket || this.socket.destroyed) {
      queueMicrotask(() => onMessage(null));
      return;
    }
    this.waiting.set(request.messageId, onMessage);
    this.socket.write(request.write());
  }

  forget(messageId: number): void {
    this.waiting.delete(messageId);
  }

  nextMessageId(): number {
    return this.id();
  }

  get url(): string {
    return this.config.url;
  }

  /** Sends a search with the Sync Request control. */
  search(search: SyncSearch): SearchHandle {
    const messageId = this.id();
    const request = new SearchRequest({
      messageId,
      baseDN: search.base,
      scope: search.scope ?? 'sub',
      filter: FilterParser.parseString(search.filter),
      attributes: search.attributes,
      timeLimit: 0,
      controls: [...(search.mode ? [new SyncRequestControl(search.mode, search.cookie)] : []), ...(search.controls ?? [])],
    });
    const idleMs = search.idleTimeoutMs ?? this.config.timeouts?.operationMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
    let lastAnswerAt = Date.now();
    let watching = true;
    const watch = (delayMs: number): void => {
      this.timer(() => {
        if (!watching) return;
        const silentMs = Date.now() - lastAnswerAt;
        if (silentMs < idleMs) return watch(idleMs - silentMs);
        this.abort(new LdapTimeoutError(search.description ?? `the content synchronization search of ${search.base}`, idleMs));
      }, delayMs);
    };
    watch(idleMs);
    this.send(request, (message) => {
      lastAnswerAt = Date.now();
      // A malformed message throws here, inside the socket's data handler, which ends the connection.
      const response = message === null ? CLOSED : decodeResponse(message);
      if (response.kind === 'done' || message === null) {
        watching = false;
        this.forget(messageId);
      }
      search.onResponse(response);
    });
    return {
      messageId,
      refreshed: () => {
        watching = false;
      },
    };
  }

  /** The error for a failed result: bind, StartTLS, or a search the server refused. */
  resultError(response: LdapResponse): AppError {
    const code = 'resultCode' in response ? response.resultCode : -1;
    const diagnostic = 'diagnostic' in response ? response.diagnostic : '';
    const url = this.config.url;
    if (this.stage === 'bind' && code === INVALID_CREDENTIALS) {
      return new AppError('DIR_BIND_FAILED', { message: `The directory at ${url} rejected the sync account credentials (LDAP result 49, invalid credentials).`, params: { form: 'invalidCredentials', url } });
    }
    if (this.stage === 'starttls') return new AppError('DIR_TLS_FAILED', { message: `The directory at ${url} refused StartTLS (LDAP result ${code}) ${diagnostic}`.trim(), params: { form: 'startTlsResult', url, resultCode: String(code), reason: diagnostic } });
    if (this.stage === 'bind') return new AppError('DIR_BIND_FAILED', { message: `Binding to ${url} failed (LDAP result ${code}) ${diagnostic}`.trim(), params: { form: 'result', url, resultCode: String(code), reason: diagnostic } });
    if (code === UNAVAILABLE_CRITICAL_EXTENSION) {
      return new AppError('DIR_SEARCH_FAILED', {
        message: `The directory at ${url} does not offer content synchronization (RFC 4533), so changes cannot be pushed; scheduled delta cycles still work.`,
        params: { form: 'noSyncrepl', url },
        hint: 'On OpenLDAP, add "overlay syncprov" to the database (and index entryCSN,entryUUID eq), or turn the watch off.',
      });
    }
    return new AppError('DIR_SEARCH_FAILED', { message: `The syncrepl search on ${url} failed (LDAP result ${code}) ${diagnostic}`.trim(), params: { form: 'syncrepl', url, resultCode: String(code), reason: diagnostic } });
  }

  /** Ends the connection with an error (e.g. the server ended a persistent search). */
  abort(error: unknown): void {
    this.fail(error);
    this.clearTimers();
    this.socket?.destroy();
  }

  private id(): number {
    return this.nextId++;
  }

  private timer(run: () => void, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, delayMs);
    this.timers.add(timer);
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private requestTimeoutMs(): number {
    return this.config.timeouts?.requestMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  private connect(): Promise<void> {
    const { config, logger } = this;
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
        // Each request (a page, an abandon) is one small write that waits for its answer:
        // never hold it back for the acknowledgement of the one before.
        socket.setNoDelay(true);
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
    const plain = this.socket as Socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    const timeoutMs = this.requestTimeoutMs();
    return new Promise((resolve, reject) => {
      const secure = tlsConnect({ ...tlsOptionsFor(this.config, this.logger), socket: plain });
      this.socket = secure;
      const timer = setTimeout(() => {
        secure.destroy();
        reject(new LdapTimeoutError('the TLS handshake after StartTLS', timeoutMs));
      }, timeoutMs);
      secure.once('secureConnect', () => {
        clearTimeout(timer);
        secure.removeAllListeners('error');
        this.attach(secure);
        resolve();
      });
      secure.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  private attach(socket: Socket | TLSSocket): void {
    this.framer = new MessageFramer(this.config.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
    // A persistent search is silent for hours: keepalives notice a peer that vanished.
    socket.setKeepAlive(true, 30_000);
    socket.on('data', (data: Buffer) => {
      try {
        for (const message of this.framer.push(data)) {
          this.lastMessageAt = Date.now();
          this.dispatch(message);
        }
      } catch (error) {
        // A malformed or oversized message (BerError: DIR_PROTOCOL_ERROR): nothing after it can be trusted.
        this.abort(error);
      }
    });
    socket.on('error', (error) => {
      if (!this.closedByUs) this.fail(toDirectoryError(error, this.stage, { url: this.config.url }));
    });
    socket.on('close', () => {
      this.socketClosed = true;
      this.clearTimers();
      for (const waiter of this.waiting.values()) waiter(null);
      this.waiting.clear();
      if (this.closedByUs) this.endOk();
      else this.fail(new AppError('DIR_UNREACHABLE', { message: `The connection to ${this.config.url} was closed by the server.`, params: { form: 'closed', url: this.config.url } }));
    });
  }

  /** One request and its one response, within `timeoutMs`. */
  private request(message: ExtendedRequest | BindRequest, timeoutMs: number, waitingFor: string): Promise<LdapResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.forget(message.messageId);
        reject(new LdapTimeoutError(waitingFor, timeoutMs));
      }, timeoutMs);
      this.send(message, (response) => {
        clearTimeout(timer);
        this.forget(message.messageId);
        if (response === null) reject(this.failure ?? new Error('Connection closed before the response'));
        else resolve(decodeResponse(response));
      });
    });
  }

  private dispatch(message: Buffer): void {
    this.waiting.get(openMessage(message).messageId)?.(message);
  }
}

const CLOSED: LdapResponse = { kind: 'other', messageId: 0, op: -1 };

/** Whether a response means "the connection closed before this search ended". */
export function isConnectionClosed(response: LdapResponse): boolean {
  return response.kind === 'other' && response.op === -1;
}

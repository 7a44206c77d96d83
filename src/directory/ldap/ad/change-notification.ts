/**
 * Push from Active Directory: the LDAP change notification control (LDAP_SERVER_NOTIFICATION_OID,
 * MS-ADTS 3.1.1.3.4.1.9). One asynchronous subtree search on the root of the domain naming context
 * with filter (objectClass=*) never ends: the DC answers it with one SearchResultEntry each time an
 * object in the naming context changes, under the search's message id.
 * https://learn.microsoft.com/en-us/windows/win32/ad/change-notifications-in-active-directory-domain-services
 *
 * Limits, per the spec and Samba's source (4.17: source4/ldap_server/ldap_backend.c,
 * dsdb/samdb/ldb_modules/dsdb_notification.c):
 * - Subtree scope only on the root of a naming context; filter (objectClass=*) (Samba also takes a
 *   presence filter on objectGUID, name or distinguishedName); at most 5 per connection
 *   (MaxNotificationPerConn: adminLimitExceeded beyond).
 * - Windows notifies from the commit itself. Samba re-runs each pending notification search as
 *   "uSNChanged > last seen": 0.1 s after any write that came through its own LDAP server (an admin
 *   tool, ADUC, ldapmodify), otherwise every 5 s (a change through SAMR or kpasswd, a local
 *   samba-tool, inbound replication). The USN poll beside it (change-watch.ts) covers those.
 * - Deleted objects: Windows notifies them (moved to Deleted Objects); Samba only with the
 *   show-deleted control, so it is sent too, not critical.
 *
 * The control is sent critical: a DC that does not know it must refuse the search
 * (unavailableCriticalExtension) rather than answer it as a plain search of the whole domain.
 * Reuses the long-running search of stream-connection.ts (framing with checked lengths, timeouts,
 * "Who am I?" after silence). A dropped session is restarted with backoff; refusal and failure are
 * told apart so the caller can fall back to polling and say why.
 */
import { Control } from 'ldapts';

import { AppError } from '../../../shared/errors.js';
import type { LdapLogger, LdapSourceConfig } from '../ldap-config.js';
import { DEFAULT_WATCH_PROBE_MS } from '../ldap-connection.js';
import { toDirectoryError } from '../ldap-errors.js';
import { StreamConnection } from '../stream-connection.js';
import type { LdapResponse } from '../openldap/syncrepl-protocol.js';

/** LDAP_SERVER_NOTIFICATION_OID (MS-ADTS 3.1.1.3.4.1.9). */
export const NOTIFICATION_OID = '1.2.840.113556.1.4.528';
/** LDAP_SERVER_SHOW_DELETED_OID: Samba notifies deletes only with it (MS-ADTS 3.1.1.3.4.1.14). */
const SHOW_DELETED_OID = '1.2.840.113556.1.4.417';

/**
 * Results that mean "this DC will not notify this account" (not "it is down"): the caller falls
 * back to polling and asks again only much later. RFC 4511 result codes.
 */
const REFUSALS: Record<number, string> = {
  2: 'protocolError',
  11: 'adminLimitExceeded (MaxNotificationPerConn)',
  12: 'unavailableCriticalExtension (the control is not supported)',
  50: 'insufficientAccessRights',
  53: 'unwillingToPerform',
};

const BACKOFF_MS = [250, 500, 1_000, 2_000, 5_000, 10_000, 30_000];
/** Consecutive failures after which each further one is reported as DIR_WATCH_FAILING. */
export const FAILING_AFTER = 5;
/** How long after a refusal the watch asks again (a DC replaced, a policy changed). */
export const REFUSED_RETRY_MS = 10 * 60_000;

/** The DC refused the notification search; `reason` names the result. */
export class NotificationRefused extends Error {
  override readonly name = 'NotificationRefused';
  constructor(
    readonly resultCode: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export interface NotificationEvents {
  /** The DC accepted the search (it answered a "Who am I?" sent after it without refusing). */
  active(): void;
  /** An object in the naming context changed (called once per notification; coalesce upstream). */
  change(): void;
  /** The session ended or could not start; `next` is when the watch tries again (ms). */
  failed(error: unknown, consecutive: number, nextMs: number): void;
  /** The DC refused the control; the watch asks again after `nextMs`. */
  refused(refusal: NotificationRefused, nextMs: number): void;
}

export interface NotificationWatchOptions {
  config: LdapSourceConfig;
  logger: LdapLogger;
  /** The root of the domain naming context (defaultNamingContext): subtree notifications need it. */
  namingContext: () => Promise<string>;
  events: NotificationEvents;
  /** Test hooks: backoff and refusal retry delays. */
  backoffMs?: readonly number[];
  refusedRetryMs?: number;
}

/** Starts the watch; returns stop(). It never stops by itself: every end is followed by a retry. */
export function startNotificationWatch(options: NotificationWatchOptions): () => void {
  const backoff = options.backoffMs ?? BACKOFF_MS;
  let stopped = false;
  let failures = 0;
  let session: NotificationSession | undefined;
  let timer: NodeJS.Timeout | undefined;

  const run = (): void => {
    if (stopped) return;
    const current = new NotificationSession(options, () => {
      failures = 0;
      options.events.active();
    });
    session = current;
    current.start().then(
      // Ended without an error only when we closed it.
      () => undefined,
      (error: unknown) => {
        session = undefined;
        if (stopped) return;
        if (error instanceof NotificationRefused) {
          const next = options.refusedRetryMs ?? REFUSED_RETRY_MS;
          failures = 0;
          options.events.refused(error, next);
          timer = setTimeout(run, next);
          return;
        }
        failures++;
        const next = backoff[Math.min(failures - 1, backoff.length - 1)] as number;
        options.events.failed(error, failures, next);
        timer = setTimeout(run, next);
      },
    );
  };

  run();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    session?.close();
  };
}

/** One connection with one notification search. start() settles when it ends. */
class NotificationSession {
  private connection: StreamConnection | undefined;
  private closedByUs = false;

  constructor(
    private readonly options: NotificationWatchOptions,
    private readonly accepted: () => void,
  ) {}

  close(): void {
    this.closedByUs = true;
    this.connection?.close();
  }

  async start(): Promise<void> {
    const { config, logger, events } = this.options;
    const base = await this.options.namingContext();
    if (this.closedByUs) return;
    const connection = await StreamConnection.open(config, logger);
    if (this.closedByUs) {
      connection.close();
      return;
    }
    this.connection = connection;
    let refusal: NotificationRefused | undefined;
    let answered = false;
    const handle = connection.search({
      base,
      scope: 'sub',
      filter: '(objectClass=*)',
      // Which object changed is not needed: the delta reads it. One small attribute keeps entries tiny.
      attributes: ['uSNChanged'],
      controls: [new Control(NOTIFICATION_OID, { critical: true }), new Control(SHOW_DELETED_OID, { critical: false })],
      description: `the change notification search of ${base}`,
      onResponse: (response: LdapResponse) => {
        if (response.kind === 'entry') {
          events.change();
          return;
        }
        if (response.kind !== 'done') return;
        // A notification search never ends by itself: a result is a refusal (before we were
        // accepted) or the DC giving up on it (a limit, a restart): either way this session is over.
        const reason = REFUSALS[response.resultCode];
        if (!answered && reason !== undefined) {
          // The DC's own words, cut: they end up in the agent's status line.
          const diagnostic = response.diagnostic.slice(0, 120);
          refusal = new NotificationRefused(response.resultCode, `LDAP result ${response.resultCode}, ${reason}${diagnostic ? `: ${diagnostic}` : ''}`);
          connection.abort(refusal);
          return;
        }
        connection.abort(
          new AppError('DIR_UNREACHABLE', {
            message: `The domain controller at ${config.url} ended the change notification search (LDAP result ${response.resultCode}${response.diagnostic ? `, ${response.diagnostic}` : ''}).`,
          }),
        );
      },
    });
    // Silent by design from the start: no refresh phase, the liveness probe watches it instead.
    handle.refreshed();
    try {
      // A refusal comes before the answer to a request sent after the search.
      await connection.ping();
    } catch (error) {
      if (refusal) throw refusal;
      connection.close();
      // A timeout of the "Who am I?" (a DC that took the search and hangs) becomes DIR_TIMEOUT.
      throw toDirectoryError(error, 'search', { url: config.url, baseDn: base });
    }
    if (refusal) throw refusal;
    answered = true;
    this.accepted();
    connection.probe(config.timeouts?.watchProbeMs ?? DEFAULT_WATCH_PROBE_MS);
    try {
      await connection.ended;
    } catch (error) {
      if (refusal) throw refusal;
      throw error;
    }
  }
}

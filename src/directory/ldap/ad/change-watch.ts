/**
 * The change watch of an Active Directory source: change notifications pushed by the DC
 * (change-notification.ts), with the USN poll (usn-poll.ts) beside them.
 *
 * - Notifications accepted: a change is announced as the DC reports it (Windows: at commit;
 *   Samba: within 0.1 s of a write through its LDAP server). The poll keeps running as a safety
 *   net, because Samba notifies other writes (SAMR and kpasswd password changes, local samba-tool,
 *   inbound replication) only on its 5-second re-run; a poll that finds a change a notification
 *   already announced stays quiet.
 * - Notifications refused (unavailableCriticalExtension, adminLimitExceeded, unwillingToPerform,
 *   no rights): the poll alone, said once in the log and in the source's description (the agent's
 *   status); the DC is asked again every 10 minutes.
 * - Notification session dropped or hung: restarted with backoff while the poll goes on; each
 *   failure is reported, and from the fifth in a row as DIR_WATCH_FAILING. Back up, one change is
 *   announced so a delta reads what changed while it was down.
 *
 * Coalesced: however many notifications arrive, onChange is called at most once per `coalesceMs`
 * (the agent then merges requests into at most one pending cycle per pipeline).
 */
import { AppError } from '../../../shared/errors.js';
import type { LdapLogger, LdapSourceConfig } from '../ldap-config.js';
import { FAILING_AFTER, startNotificationWatch, type NotificationWatchOptions } from './change-notification.js';
import { pollForChanges } from './usn-poll.js';

export type AdWatchMode = 'starting' | 'notifications' | 'poll';

export interface AdWatchState {
  mode: AdWatchMode;
  /** For people: which watch runs and why, e.g. "notifications + USN poll every 2 s". */
  summary: string;
}

export interface AdChangeWatchOptions {
  config: LdapSourceConfig;
  logger: LdapLogger;
  namingContext: () => Promise<string>;
  /** highestCommittedUSN (and the DC's name): what the poll compares. */
  changeMark: () => Promise<string | null>;
  pollMs: number;
  onChange: () => void;
  onError: (error: unknown) => void;
  onState?: (state: AdWatchState) => void;
  /** Least time between two onChange calls; default 200 ms. */
  coalesceMs?: number;
  /** Test hooks of the notification session (backoff, refusal retry). */
  notification?: Pick<NotificationWatchOptions, 'backoffMs' | 'refusedRetryMs'>;
}

const DEFAULT_COALESCE_MS = 200;

/** Starts both watches; returns stop(). */
export function startAdChangeWatch(options: AdChangeWatchOptions): () => void {
  const { config, logger } = options;
  const announce = coalesce(options.onChange, options.coalesceMs ?? DEFAULT_COALESCE_MS);
  const pollText = `USN poll every ${formatSeconds(options.pollMs)}`;
  let state: AdWatchState | undefined;
  let pushedSinceProbe = false;
  let suppressPoll = false;
  let failedSinceActive = false;

  const setState = (mode: AdWatchMode, summary: string, log?: () => void): void => {
    if (state?.mode === mode && state.summary === summary) return;
    state = { mode, summary };
    log?.();
    options.onState?.(state);
  };
  setState('starting', `${pollText} (change notifications starting)`);

  const stopPoll = pollForChanges(
    async () => {
      const mark = await options.changeMark();
      // Pushed since the last probe: what moved the USN was announced already.
      suppressPoll = pushedSinceProbe;
      pushedSinceProbe = false;
      return mark;
    },
    options.pollMs,
    () => {
      if (!suppressPoll) announce.call();
    },
    options.onError,
  );

  const stopNotifications = startNotificationWatch({
    config,
    logger,
    namingContext: options.namingContext,
    ...options.notification,
    events: {
      active: () => {
        setState('notifications', `change notifications, ${pollText} as a safety net`, () =>
          logger.info?.(`Change watch on ${config.url}: change notifications from the domain controller (push), with the ${pollText} as a safety net.`, { watch: 'notifications' }),
        );
        // Back after a drop: changes made meanwhile were not notified.
        if (failedSinceActive) announce.call();
        failedSinceActive = false;
      },
      change: () => {
        pushedSinceProbe = true;
        announce.call();
      },
      failed: (error, consecutive, nextMs) => {
        failedSinceActive = true;
        setState('poll', `${pollText} (change notifications reconnecting)`);
        if (consecutive < FAILING_AFTER) {
          options.onError(error);
          return;
        }
        const reason = error instanceof Error ? error.message : String(error);
        options.onError(
          new AppError('DIR_WATCH_FAILING', {
            message: `The change notification watch on ${config.url} failed ${consecutive} times in a row (last: ${reason}); changes are found by the ${pollText} meanwhile, and the watch tries again in ${formatSeconds(nextMs)}.`,
            cause: error,
          }),
        );
      },
      refused: (refusal, nextMs) => {
        setState('poll', `${pollText} (change notifications refused: ${refusal.reason})`, () =>
          logger.warn(
            `The domain controller at ${config.url} refused change notifications (${refusal.reason}); changes are found by the ${pollText}, and notifications are asked for again every ${formatSeconds(nextMs)}.`,
            { code: 'AD_CHANGE_NOTIFICATIONS_REFUSED', watch: 'poll', resultCode: refusal.resultCode },
          ),
        );
      },
    },
  });

  return () => {
    stopNotifications();
    stopPoll();
    announce.cancel();
  };
}

/**
 * A call at most once per `gapMs`: the first at once, later ones folded into one call at the end of
 * the gap. A flood of N calls costs N flag checks and at most (duration / gapMs) + 1 real calls.
 */
export function coalesce(run: () => void, gapMs: number): { call(): void; cancel(): void } {
  let lastAt = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  const fire = (): void => {
    timer = undefined;
    lastAt = Date.now();
    run();
  };
  return {
    call() {
      if (timer) return;
      const wait = lastAt + gapMs - Date.now();
      if (wait <= 0) fire();
      else timer = setTimeout(fire, wait);
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

function formatSeconds(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * Alert rules: which DirSync warnings are worth a notification, and when one is sent. Pure: the
 * caller passes the status's warnings, the alerts open in the store and the time; the plan it gets
 * back says which alerts to raise, repeat and resolve. The store applies the plan so that several
 * tenant processes evaluating at once notify once (see alert-repository.ts).
 */
import type { StatusWarning, WarningCode } from '../api/contract.js';

/** The warnings that page someone (Connect Health's core): sync stale, agent silent, a failed cycle, deletes held, passwords not flowing. */
export const ALERTING_WARNINGS: ReadonlySet<WarningCode> = new Set<WarningCode>([
  'PASSWORDS_NOT_SYNCED',
  'DIRECTORY_SYNC_STALE',
  'PASSWORD_SYNC_STALE',
  'AGENT_SILENT',
  'LAST_CYCLE_FAILED',
  'DELETE_THRESHOLD_EXCEEDED',
  'SOURCE_READ_EMPTY',
]);

export const DEFAULT_ALERT_REPEAT_HOURS = 24;

export interface OpenAlert {
  code: WarningCode;
  raisedAt: Date;
  lastNotifiedAt: Date;
  message: string;
}

export type AlertEvent = 'raised' | 'reminder' | 'resolved';

export interface AlertNotice {
  event: AlertEvent;
  code: WarningCode;
  message: string;
  /** For a reminder: the notification time it replaces (the store only sends it if that is unchanged). */
  previousNotifiedAt?: Date;
}

/**
 * Raise each alerting warning not open yet; remind of one still open after `repeatAfterHours`
 * (0: never); resolve an open one whose warning is gone.
 */
export function planAlerts(warnings: readonly StatusWarning[], open: readonly OpenAlert[], now: Date, repeatAfterHours = DEFAULT_ALERT_REPEAT_HOURS): AlertNotice[] {
  const active = new Map<WarningCode, StatusWarning>();
  for (const w of warnings) if (ALERTING_WARNINGS.has(w.code) && !active.has(w.code)) active.set(w.code, w);
  const openByCode = new Map(open.map((a) => [a.code, a]));
  const notices: AlertNotice[] = [];
  for (const [code, w] of active) {
    const existing = openByCode.get(code);
    if (!existing) notices.push({ event: 'raised', code, message: w.message });
    else if (repeatAfterHours > 0 && now.getTime() - existing.lastNotifiedAt.getTime() >= repeatAfterHours * 3_600_000) {
      notices.push({ event: 'reminder', code, message: w.message, previousNotifiedAt: existing.lastNotifiedAt });
    }
  }
  for (const a of open) if (!active.has(a.code)) notices.push({ event: 'resolved', code: a.code, message: a.message });
  return notices;
}

export interface AlertMessage {
  subject: string;
  text: string;
  /** What a webhook receives as JSON. */
  payload: { event: AlertEvent | 'test'; code: WarningCode | 'TEST'; message: string; tenant: string; at: string; troubleshooterUrl: string | null };
}

const SUBJECT_PREFIX: Record<AlertEvent | 'test', string> = { raised: 'Warning', reminder: 'Still failing', resolved: 'Resolved', test: 'Test' };

/** The words of a notification. `adminUrl` (the service's public URL) makes the troubleshooter link absolute. */
export function alertMessage(notice: { event: AlertEvent | 'test'; code: WarningCode | 'TEST'; message: string }, tenant: string, at: Date, adminUrl: string | null): AlertMessage {
  const troubleshooterUrl = adminUrl ? `${adminUrl.replace(/\/+$/, '')}/troubleshooter` : null;
  const subject = `[dirbridge ${tenant}] ${SUBJECT_PREFIX[notice.event]}: ${notice.message}`;
  const lines = notice.event === 'test'
    ? [notice.message, '', 'This is a test: alerts from this tenant reach this channel.']
    : notice.event === 'resolved'
    ? [`Resolved (${notice.code}): ${notice.message}`, '', 'The condition no longer holds.']
    : [`${notice.event === 'reminder' ? 'Still failing' : 'Warning'} (${notice.code}): ${notice.message}`, '', troubleshooterUrl ? `What to do: open the troubleshooter, ${troubleshooterUrl}` : 'What to do: open the troubleshooter in the admin center.'];
  return {
    subject,
    text: `${lines.join('\n')}\n\nTenant: ${tenant}\nTime: ${at.toUTCString()}\n`,
    payload: { event: notice.event, code: notice.code, message: notice.message, tenant, at: at.toISOString(), troubleshooterUrl },
  };
}

/** Delay before delivery attempt `attempt` (1-based) is retried: 1, 2, 4 ... minutes, at most an hour. */
export function retryDelayMs(attempt: number): number {
  return Math.min(60, 2 ** Math.max(0, attempt - 1)) * 60_000;
}

/** After this many failed attempts a delivery is given up and shown as failed. */
export const MAX_DELIVERY_ATTEMPTS = 8;

/**
 * The alert loop of a tenant service process: every interval it judges the DirSync status (the
 * same rules as the admin center), raises, reminds and resolves alerts in the store, then sends
 * what is due in the outbox. Safe with several processes on one store: the store's conditional
 * writes enqueue each notification once, and a lease on each delivery sends it once (again only if
 * the sender died mid-way).
 */
import type { Clock } from '../../shared/clock.js';
import { AppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { alertMessage, DEFAULT_ALERT_REPEAT_HOURS, MAX_DELIVERY_ATTEMPTS, planAlerts, retryDelayMs } from '../domain/alerts.js';
import { computeDirSyncStatus } from '../domain/status.js';
import { loadStatusInput } from '../status-input.js';
import type { ClaimedDelivery } from '../store/alert-repository.js';
import type { TenantStore } from '../store/ports.js';
import { ALERT_SEND_TIMEOUT_MS, createAlertSender, type AlertSender, type SmtpSettings } from './senders.js';

export interface AlertLoopOptions {
  store: TenantStore;
  tenantId: string;
  clock: Clock;
  logger: Logger;
  smtp: SmtpSettings | null;
  /** Base of links in notifications (the admin center's public URL). */
  adminUrl: string | null;
  intervalMs?: number | undefined;
  repeatAfterHours?: number | undefined;
  agentSilentAfterMinutes: number;
  /** Delivered and given-up deliveries are kept this long for the admin center's list. */
  keepDeliveriesDays?: number | undefined;
  sender?: AlertSender | undefined;
}

export interface AlertLoop {
  /** One evaluation and delivery pass (the timer calls it; tests and "send test" too). */
  runOnce(): Promise<void>;
  /** Sends what is due now, without judging the status. */
  deliverDue(): Promise<void>;
  stop(): Promise<void>;
}

export const DEFAULT_ALERT_INTERVAL_MS = 30_000;
const DELIVERIES_PER_PASS = 50;

export function startAlertLoop(options: AlertLoopOptions): AlertLoop {
  const { store, tenantId, clock } = options;
  const repo = store.forTenant(tenantId);
  const alerts = store.alerts(tenantId);
  const sender = options.sender ?? createAlertSender(options.smtp);
  const log = options.logger.child({ component: 'alerts' });
  const intervalMs = options.intervalMs ?? DEFAULT_ALERT_INTERVAL_MS;
  const keepMs = (options.keepDeliveriesDays ?? 30) * 86_400_000;
  let stopped = false;

  const send = async (delivery: ClaimedDelivery): Promise<void> => {
    if (!delivery.channel) {
      await alerts.markAttemptFailed(delivery.id, { message: 'The channel was removed.', code: 'ALERT_DELIVERY_FAILED', params: { form: 'channelRemoved' } }, null, clock.now());
      return;
    }
    const message = alertMessage(delivery, tenantId, delivery.createdAt, options.adminUrl);
    try {
      if (delivery.channel.kind === 'email') await sender.sendEmail(delivery.channel.target, message);
      else await sender.sendWebhook(delivery.channel.target, delivery.channel.secret, message);
      await alerts.markDelivered(delivery.id, clock.now());
    } catch (error) {
      const attempts = delivery.attempts + 1;
      const now = clock.now();
      const retryAt = attempts >= MAX_DELIVERY_ATTEMPTS || (error instanceof AppError && error.code === 'ALERT_SMTP_NOT_CONFIGURED') ? null : new Date(now.getTime() + retryDelayMs(attempts));
      const text = error instanceof Error ? error.message : String(error);
      const failure = error instanceof AppError ? { message: text, code: error.code, params: error.params ?? null } : { message: text, code: null, params: null };
      await alerts.markAttemptFailed(delivery.id, failure, retryAt, now);
      log.warn({ code: error instanceof AppError ? error.code : 'ALERT_DELIVERY_FAILED', deliveryId: delivery.id, attempts, retrying: retryAt !== null }, `alert delivery failed: ${text}`);
    }
  };

  const deliverDue = async (): Promise<void> => {
    // The lease outlives one send with its timeout, so no other process takes it while it runs.
    const claimed = await alerts.claimDue(clock.now(), 3 * ALERT_SEND_TIMEOUT_MS, DELIVERIES_PER_PASS);
    await Promise.all(claimed.map(send));
  };

  const pass = async (): Promise<void> => {
    const now = clock.now();
    const status = computeDirSyncStatus(await loadStatusInput(repo, options.agentSilentAfterMinutes), now);
    const notices = planAlerts(status.warnings, await alerts.listOpen(), now, options.repeatAfterHours ?? DEFAULT_ALERT_REPEAT_HOURS);
    const enqueued = await alerts.applyNotices(notices, now);
    if (enqueued > 0) log.info({ notices: notices.map((n) => `${n.event}:${n.code}`), enqueued }, 'alerts enqueued');
    await deliverDue();
    await alerts.pruneDeliveries(new Date(now.getTime() - keepMs));
  };

  // One pass at a time per process; a call during a pass runs after it.
  let chain: Promise<void> = Promise.resolve();
  const runOnce = (): Promise<void> => {
    const next = chain.then(pass);
    chain = next.catch(() => undefined);
    return next;
  };

  const timer = setInterval(() => {
    if (stopped) return;
    runOnce().catch((error: unknown) => log.warn({ err: error }, 'alert pass failed'));
  }, intervalMs);
  timer.unref();

  return {
    runOnce,
    deliverDue,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await chain;
    },
  };
}

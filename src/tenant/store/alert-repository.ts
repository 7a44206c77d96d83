/**
 * The alerts' part of the store (tables from migrations/0023-alerts.ts). Raising, reminding and
 * resolving are conditional writes (insert if absent, update if unchanged, delete if present), and
 * the outbox rows are written in the same transaction: when two tenant processes evaluate the same
 * status at once, exactly one of them enqueues the notification. Deliveries are claimed with a
 * lease, so a process that dies while sending leaves the delivery to be sent again (at least once).
 */
import type { Kysely, Transaction } from 'kysely';
import type { WarningCode } from '../api/contract.js';
import type { AlertEvent, AlertNotice, OpenAlert } from '../domain/alerts.js';
import { readStoredErrorParams, storedErrorParams, type ErrorParams } from '../../shared/error-params.js';
import { newId } from '../../shared/ids.js';
import { toDate, toNumber } from './dialect.js';
import type { StoreDatabase } from './schema.js';

export type AlertChannelKind = 'email' | 'webhook';

export interface AlertChannel {
  id: string;
  kind: AlertChannelKind;
  /** An e-mail address or an https:// (or loopback http://) URL. */
  target: string;
  /** Whether webhook deliveries are signed (the secret itself is never read back). */
  signed: boolean;
  createdBy: string;
  createdAt: Date;
}

export interface AlertDelivery {
  id: string;
  channelId: string;
  event: AlertEvent | 'test';
  code: WarningCode | 'TEST';
  message: string;
  createdAt: Date;
  attempts: number;
  deliveredAt: Date | null;
  failedAt: Date | null;
  lastError: string | null;
  /** The last failure's code and facts, so the admin center states it in the admin's language. */
  lastErrorCode: string | null;
  lastErrorParams: ErrorParams | null;
}

/** A failed attempt: the English words (CLI, logs) and, where known, the code and its facts. */
export interface DeliveryFailure {
  message: string;
  code: string | null;
  params: ErrorParams | null;
}

/** A delivery claimed for sending, with what the sender needs. */
export interface ClaimedDelivery extends AlertDelivery {
  channel: { kind: AlertChannelKind; target: string; secret: string | null } | null;
}

/** One tenant's alerts. Obtained from `TenantStore.alerts(tenantId)`. */
export interface AlertRepository {
  listChannels(): Promise<AlertChannel[]>;
  addChannel(channel: { kind: AlertChannelKind; target: string; secret: string | null; createdBy: string }, now: Date): Promise<AlertChannel>;
  removeChannel(id: string): Promise<boolean>;
  listOpen(): Promise<OpenAlert[]>;
  /** Applies a plan from `planAlerts`; returns the deliveries enqueued. */
  applyNotices(notices: readonly AlertNotice[], now: Date): Promise<number>;
  /** Enqueues one delivery to one channel now (a test message an admin asked for). */
  enqueueTest(channelId: string, message: string, now: Date): Promise<string>;
  /** Claims up to `limit` due deliveries for `leaseMs`. */
  claimDue(now: Date, leaseMs: number, limit: number): Promise<ClaimedDelivery[]>;
  markDelivered(id: string, now: Date): Promise<void>;
  /** Records a failed attempt: retried at `retryAt`, or given up when it is null. */
  markAttemptFailed(id: string, failure: DeliveryFailure, retryAt: Date | null, now: Date): Promise<void>;
  listDeliveries(limit: number): Promise<AlertDelivery[]>;
  findDelivery(id: string): Promise<AlertDelivery | null>;
  /** Removes delivered and given-up deliveries finished before `before`. */
  pruneDeliveries(before: Date): Promise<number>;
}

type Db = Kysely<StoreDatabase> | Transaction<StoreDatabase>;

export class KyselyAlertRepository implements AlertRepository {
  constructor(private readonly db: Kysely<StoreDatabase>, private readonly tenantId: string) {}

  async listChannels(): Promise<AlertChannel[]> {
    const rows = await this.db.selectFrom('alert_channels').selectAll().where('tenant_id', '=', this.tenantId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toChannel);
  }

  async addChannel(channel: { kind: AlertChannelKind; target: string; secret: string | null; createdBy: string }, now: Date): Promise<AlertChannel> {
    const row = { tenant_id: this.tenantId, id: newId(), kind: channel.kind, target: channel.target, secret: channel.secret, created_by: channel.createdBy, created_at: now.getTime() };
    await this.db.insertInto('alert_channels').values(row).execute();
    return toChannel(row);
  }

  async removeChannel(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('alert_channels').where('tenant_id', '=', this.tenantId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listOpen(): Promise<OpenAlert[]> {
    const rows = await this.db.selectFrom('alert_state').selectAll().where('tenant_id', '=', this.tenantId).execute();
    return rows.map((r) => ({ code: r.code as WarningCode, raisedAt: toDate(r.raised_at), lastNotifiedAt: toDate(r.last_notified_at), message: r.message }));
  }

  async applyNotices(notices: readonly AlertNotice[], now: Date): Promise<number> {
    if (notices.length === 0) return 0;
    return this.db.transaction().execute(async (trx) => {
      // Writes first: on SQLite a transaction that read before writing cannot wait for the write lock.
      const made: AlertNotice[] = [];
      for (const notice of notices) if (await this.transition(trx, notice, now)) made.push(notice);
      if (made.length === 0) return 0;
      const channels = await trx.selectFrom('alert_channels').select('id').where('tenant_id', '=', this.tenantId).execute();
      let enqueued = 0;
      for (const notice of made) {
        for (const channel of channels) {
          await this.enqueue(trx, channel.id, notice.event, notice.code, notice.message, now);
          enqueued++;
        }
      }
      return enqueued;
    });
  }

  /** The conditional write of one notice; true when this caller made the change. */
  private async transition(trx: Db, notice: AlertNotice, now: Date): Promise<boolean> {
    const at = now.getTime();
    if (notice.event === 'raised') {
      const result = await trx.insertInto('alert_state')
        .values({ tenant_id: this.tenantId, code: notice.code, raised_at: at, last_notified_at: at, message: notice.message })
        .onConflict((oc) => oc.columns(['tenant_id', 'code']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    }
    if (notice.event === 'reminder') {
      const result = await trx.updateTable('alert_state')
        .set({ last_notified_at: at, message: notice.message })
        .where('tenant_id', '=', this.tenantId).where('code', '=', notice.code)
        .where('last_notified_at', '=', notice.previousNotifiedAt?.getTime() ?? -1)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    }
    const result = await trx.deleteFrom('alert_state').where('tenant_id', '=', this.tenantId).where('code', '=', notice.code).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  private async enqueue(trx: Db, channelId: string, event: AlertEvent | 'test', code: string, message: string, now: Date): Promise<string> {
    const id = newId();
    await trx.insertInto('alert_deliveries').values({
      tenant_id: this.tenantId, id, channel_id: channelId, event, code, message, created_at: now.getTime(), next_attempt_at: now.getTime(),
    }).execute();
    return id;
  }

  async enqueueTest(channelId: string, message: string, now: Date): Promise<string> {
    return this.enqueue(this.db, channelId, 'test', 'TEST', message, now);
  }

  async claimDue(now: Date, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    const at = now.getTime();
    const due = await this.db.selectFrom('alert_deliveries').selectAll()
      .where('tenant_id', '=', this.tenantId)
      .where('delivered_at', 'is', null).where('failed_at', 'is', null)
      .where('next_attempt_at', '<=', at)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', at)]))
      .orderBy('next_attempt_at').limit(limit).execute();
    const claimed: ClaimedDelivery[] = [];
    for (const row of due) {
      // Another process may have claimed it since the read: only the one whose update matched sends.
      const result = await this.db.updateTable('alert_deliveries')
        .set({ locked_until: at + leaseMs })
        .where('tenant_id', '=', this.tenantId).where('id', '=', row.id)
        .where('delivered_at', 'is', null).where('failed_at', 'is', null)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', at)]))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) continue;
      const channel = await this.db.selectFrom('alert_channels').select(['kind', 'target', 'secret'])
        .where('tenant_id', '=', this.tenantId).where('id', '=', row.channel_id).executeTakeFirst();
      claimed.push({ ...toDelivery(row), channel: channel ? { kind: channel.kind as AlertChannelKind, target: channel.target, secret: channel.secret } : null });
    }
    return claimed;
  }

  async markDelivered(id: string, now: Date): Promise<void> {
    await this.db.updateTable('alert_deliveries')
      .set((eb) => ({ delivered_at: now.getTime(), locked_until: null, attempts: eb('attempts', '+', 1), last_error: null, last_error_code: null, last_error_params: null }))
      .where('tenant_id', '=', this.tenantId).where('id', '=', id).execute();
  }

  async markAttemptFailed(id: string, failure: DeliveryFailure, retryAt: Date | null, now: Date): Promise<void> {
    await this.db.updateTable('alert_deliveries')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1), last_error: failure.message.slice(0, 500), locked_until: null,
        last_error_code: failure.code, last_error_params: storedErrorParams(failure.params),
        ...(retryAt ? { next_attempt_at: retryAt.getTime() } : { failed_at: now.getTime() }),
      }))
      .where('tenant_id', '=', this.tenantId).where('id', '=', id).execute();
  }

  async listDeliveries(limit: number): Promise<AlertDelivery[]> {
    const rows = await this.db.selectFrom('alert_deliveries').selectAll().where('tenant_id', '=', this.tenantId)
      .orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
    return rows.map(toDelivery);
  }

  async findDelivery(id: string): Promise<AlertDelivery | null> {
    const row = await this.db.selectFrom('alert_deliveries').selectAll().where('tenant_id', '=', this.tenantId).where('id', '=', id).executeTakeFirst();
    return row ? toDelivery(row) : null;
  }

  async pruneDeliveries(before: Date): Promise<number> {
    const at = before.getTime();
    const result = await this.db.deleteFrom('alert_deliveries').where('tenant_id', '=', this.tenantId)
      .where((eb) => eb.or([eb('delivered_at', '<', at), eb('failed_at', '<', at)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toChannel(r: { id: string; kind: string; target: string; secret: string | null; created_by: string; created_at: number | string }): AlertChannel {
  return { id: r.id, kind: r.kind as AlertChannelKind, target: r.target, signed: r.secret !== null, createdBy: r.created_by, createdAt: toDate(r.created_at) };
}

function toDelivery(r: { id: string; channel_id: string; event: string; code: string; message: string; created_at: number | string; attempts: number | string; delivered_at: number | string | null; failed_at: number | string | null; last_error: string | null; last_error_code?: string | null; last_error_params?: string | null }): AlertDelivery {
  return {
    id: r.id, channelId: r.channel_id, event: r.event as AlertEvent | 'test', code: r.code as WarningCode | 'TEST', message: r.message,
    createdAt: toDate(r.created_at), attempts: toNumber(r.attempts), deliveredAt: toDate(r.delivered_at), failedAt: toDate(r.failed_at), lastError: r.last_error,
    lastErrorCode: r.last_error_code ?? null, lastErrorParams: readStoredErrorParams(r.last_error_params),
  };
}

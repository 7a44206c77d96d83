/**
 * Alerts: the channels an admin set up (an e-mail address or a webhook URL), the alerts open per
 * warning code, and an outbox of deliveries — written in the transaction that raises an alert, so
 * a process that dies before sending leaves the delivery for the next one (at least once).
 */
import type { Kysely, Migration } from 'kysely';

export function alertsSchema(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.createTable('alert_channels')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('secret', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('alert_channels_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema.createTable('alert_state')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('raised_at', 'bigint', (c) => c.notNull())
        .addColumn('last_notified_at', 'bigint', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('alert_state_pk', ['tenant_id', 'code'])
        .execute();
      await db.schema.createTable('alert_deliveries')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('locked_until', 'bigint')
        .addColumn('delivered_at', 'bigint')
        .addColumn('failed_at', 'bigint')
        .addColumn('last_error', 'text')
        .addPrimaryKeyConstraint('alert_deliveries_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema.createIndex('alert_deliveries_due_idx').on('alert_deliveries').columns(['tenant_id', 'next_attempt_at']).execute();
    },
  };
}

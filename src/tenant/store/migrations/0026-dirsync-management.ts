/**
 * DirSync management (issue 15) and the credential screens (issue 11):
 * - agents: when the agent signed off (a graceful stop), and the schedule it reports (intervals
 *   and next runs), so the admin center shows an agent that stopped as offline at once;
 * - registration tokens: when they were created (older rows: unknown);
 * - sync requests: "Sync now" from the admin center, one row per tenant, replaced by each request,
 *   which the agent marks running, then done;
 * - pending deletes: the objects a blocked directory cycle held back, by anchor, replaced by
 *   every directory run report.
 */
import { sql, type Kysely, type Migration } from 'kysely';

import type { StoreDialect } from '../dialect.js';

export function dirsyncManagement(dialect: StoreDialect): Migration {
  // Anchors compare byte-wise on PostgreSQL as everywhere else (0008), so joins on them use keys.
  const anchorText = dialect === 'postgres' ? sql`text collate "C"` : 'text';
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('agents').addColumn('signed_off_at', 'bigint').execute();
      await db.schema.alterTable('agents').addColumn('schedule', 'text').execute();
      await db.schema.alterTable('registration_tokens').addColumn('created_at', 'bigint').execute();
      await db.schema.createTable('sync_requests')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'bigint', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text')
        .addColumn('started_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .addColumn('run_id', 'text')
        .addColumn('outcome', 'text')
        .addPrimaryKeyConstraint('sync_requests_pk', ['tenant_id'])
        .execute();
      await db.schema.createTable('pending_deletes')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('anchor', anchorText, (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('dn', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('pending_deletes_pk', ['tenant_id', 'anchor'])
        .execute();
    },
  };
}

/**
 * `settings.delete_threshold_percent`: the relative half of the delete guard (a cycle that would
 * delete more than this share of the synced objects stops, whatever the absolute threshold), and
 * the indexes the retention pruning finds old rows by (batch ledger and lockouts by time).
 */
import type { Kysely, Migration } from 'kysely';

export const DEFAULT_DELETE_THRESHOLD_PERCENT = 50;

export function relativeDeleteThreshold(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('settings')
        .addColumn('delete_threshold_percent', 'integer', (c) => c.notNull().defaultTo(DEFAULT_DELETE_THRESHOLD_PERCENT)).execute();
      await db.schema.createIndex('applied_batches_at_idx').on('applied_batches').columns(['tenant_id', 'applied_at']).execute();
      await db.schema.createIndex('lockouts_last_failure_idx').on('lockouts').columns(['tenant_id', 'last_failure_at']).execute();
    },
  };
}

/**
 * `cycle_previews`: per tenant, the last preview (dry run) an admin asked for in the admin center,
 * and what the agent answered: the objects a cycle would add, update and delete.
 */
import type { Kysely, Migration } from 'kysely';

export function cyclePreviewSchema(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.createTable('cycle_previews')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id').onDelete('cascade'))
        .addColumn('requested_at', 'bigint', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('completed_at', 'bigint')
        .addColumn('result', 'text')
        .execute();
    },
  };
}

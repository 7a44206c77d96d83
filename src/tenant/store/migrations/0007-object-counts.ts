/**
 * `tenants.user_count` and `tenants.group_count`: the tenant's users and groups, kept exact by
 * `applyObjectBatch` in the transaction that adds or deletes them (src/tenant/store/object-batch.ts).
 * The lists read their total here: `count(*)` over a million rows is a scan on PostgreSQL (MVCC
 * keeps no row count) and tens of milliseconds on SQLite, on every page.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export function objectCounts(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('tenants').addColumn('user_count', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('tenants').addColumn('group_count', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      await sql`update tenants set
        user_count = (select count(*) from users where users.tenant_id = tenants.id),
        group_count = (select count(*) from groups where groups.tenant_id = tenants.id)`.execute(db);
    },
  };
}

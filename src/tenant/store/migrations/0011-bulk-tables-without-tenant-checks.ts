/**
 * PostgreSQL: the tables a directory sync writes by the hundred thousand (users, their mail
 * addresses, groups, memberships) no longer check each row's tenant_id against `tenants`.
 * PostgreSQL checks a foreign key with one query per written row: 30% of the database's work in
 * a first full sync of 100,000 users. The check guarded nothing these writes can break: they all
 * happen in applyObjectBatch, whose transaction first claims the batch in applied_batches (which
 * keeps its key, so a batch for a tenant that does not exist fails there) and locks the tenant's
 * row (object-batch.ts), and dirbridge never deletes a tenant. Removing a tenant by hand means deleting its rows from
 * these tables too (docs/architecture.md, "The store's schema"). The other tables keep their foreign keys.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../dialect.js';

export const BULK_TABLES = ['users', 'user_mails', 'groups', 'memberships'] as const;

export function bulkTablesWithoutTenantChecks(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      if (dialect !== 'postgres') return;
      for (const table of BULK_TABLES) {
        const keys = await sql<{ name: string }>`select conname as name from pg_constraint
          where conrelid = to_regclass(${table}) and contype = 'f' and confrelid = to_regclass('tenants')`.execute(db);
        for (const { name } of keys.rows) await sql`alter table ${sql.table(table)} drop constraint ${sql.id(name)}`.execute(db);
      }
    },
  };
}

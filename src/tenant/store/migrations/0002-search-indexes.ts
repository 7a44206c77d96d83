/**
 * Substring search (`listUsers`, `listGroups`) is `lower_column LIKE '%term%'`. On PostgreSQL a
 * trigram GIN index makes that an index scan; pg_trgm ships with PostgreSQL but a managed
 * server may not offer it or let us create it, so it is used only when it can be. Without it
 * (and on SQLite) the search scans the tenant's rows, which stays in the tens of milliseconds
 * at 100,000 users and is always paged.
 */
import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

export function searchIndexes(dialect: StoreDialect) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      if (dialect !== 'postgres') return;
      const available = await sql<{ n: string }>`select count(*) as n from pg_available_extensions where name = 'pg_trgm'`.execute(db);
      if (Number(available.rows[0]?.n ?? 0) === 0) return;
      // A failed CREATE EXTENSION (no privilege) must not abort the migration's transaction.
      await sql`savepoint pg_trgm_try`.execute(db);
      try {
        await sql`create extension if not exists pg_trgm`.execute(db);
        await sql`release savepoint pg_trgm_try`.execute(db);
      } catch {
        await sql`rollback to savepoint pg_trgm_try`.execute(db);
        return;
      }
      for (const [table, column] of [['users', 'upn_lower'], ['users', 'display_name_lower'], ['users', 'mail_lower'], ['groups', 'name_lower']] as const) {
        await sql`create index ${sql.id(`${table}_${column}_trgm_idx`)} on ${sql.table(table)} using gin (${sql.ref(column)} gin_trgm_ops)`.execute(db);
      }
    },
  };
}

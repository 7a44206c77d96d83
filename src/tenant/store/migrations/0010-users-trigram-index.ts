/**
 * PostgreSQL: one trigram index over the users' searched text instead of one per column (0002).
 * Each index costs a GIN update per written row; three of them were a quarter of the database's
 * work in a first full sync (2.2 s per 100,000 users). One index over the joined columns holds
 * each trigram a user's UPN and mail share (often the same address) once. The search filters
 * with it and then matches each column exactly (directory-queries.ts), so it finds the same rows.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../dialect.js';
import { USERS_SEARCH_TEXT } from '../search-index.js';

const PER_COLUMN = ['users_upn_lower_trgm_idx', 'users_display_name_lower_trgm_idx', 'users_mail_lower_trgm_idx'];

export function usersTrigramIndex(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      if (dialect !== 'postgres') return;
      // Only where 0002 could create the trigram indexes (pg_trgm offered and allowed).
      const existing = await sql<{ n: string }>`select count(*) as n from pg_indexes
        where schemaname = current_schema() and indexname = 'users_upn_lower_trgm_idx'`.execute(db);
      if (Number(existing.rows[0]?.n ?? 0) === 0) return;
      await sql`create index users_search_trgm_idx on users using gin ((${sql.raw(USERS_SEARCH_TEXT)}) gin_trgm_ops)`.execute(db);
      for (const index of PER_COLUMN) await sql`drop index ${sql.id(index)}`.execute(db);
    },
  };
}

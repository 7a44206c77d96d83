/**
 * Anchors are paged in byte order (`listSyncedObjects`: anchor > after ORDER BY anchor). SQLite
 * compares text that way already; on PostgreSQL the anchor columns get the C collation so the
 * primary key index serves that order instead of a sort of the whole table per page.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../dialect.js';

export function anchorOrder(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      if (dialect !== 'postgres') return;
      for (const table of ['users', 'groups']) {
        await sql`alter table ${sql.table(table)} alter column anchor type text collate "C"`.execute(db);
      }
    },
  };
}

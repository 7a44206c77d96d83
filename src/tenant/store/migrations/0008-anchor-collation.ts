/**
 * PostgreSQL: every column holding an anchor in the C collation, like `users.anchor` and
 * `groups.anchor` since 0003. A comparison between a "C" column and a default-collation column
 * is made in "C", which the default-collation indexes cannot serve: joining users to
 * `password_verifiers` or groups to `memberships` filtered every row of the tenant instead of
 * looking up the key (3 s for a users page at 1,000,000 verifiers, 1.3 s for 100 groups' member
 * counts). SQLite compares text in byte order everywhere already.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../dialect.js';

const ANCHOR_COLUMNS: Record<string, string[]> = {
  memberships: ['group_anchor', 'member_anchor'],
  password_verifiers: ['anchor'],
  password_state: ['anchor'],
  user_mails: ['anchor'],
  sync_errors: ['anchor'],
};

export function anchorCollation(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      if (dialect !== 'postgres') return;
      // One statement per table, so each table's indexes are rebuilt once.
      for (const [table, columns] of Object.entries(ANCHOR_COLUMNS)) {
        const changes = columns.map((column) => sql`alter column ${sql.ref(column)} type text collate "C"`);
        await sql`alter table ${sql.table(table)} ${sql.join(changes)}`.execute(db);
      }
    },
  };
}

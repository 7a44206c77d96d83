/**
 * SQLite: FTS5 trigram indexes for the users and groups search (`users_search`, `groups_search`).
 * A substring match (`LIKE '%term%'`) cannot use a B-tree index: 0.7–1.3 s per search at
 * 1,000,000 users. The trigram tokenizer indexes every three-character substring, so an FTS
 * phrase query finds the rows containing a term of three or more characters; search-index.ts
 * queries them and keeps them in step with the rows.
 *
 * External content (`content='users'`): the index holds no copy of the text, and can be rebuilt
 * from the table (`insert into users_search(users_search) values ('rebuild')`), e.g. after a
 * dump and reload gave the rows new rowids. PostgreSQL has pg_trgm indexes for the same (0002).
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../dialect.js';

export function searchIndex(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      if (dialect !== 'sqlite') return;
      await sql`create virtual table users_search using fts5(display_name_lower, upn_lower, mail_lower,
        content='users', content_rowid='rowid', tokenize='trigram', columnsize=0)`.execute(db);
      await sql`create virtual table groups_search using fts5(name_lower, mail_lower,
        content='groups', content_rowid='rowid', tokenize='trigram', columnsize=0)`.execute(db);
      for (const fts of ['users_search', 'groups_search']) {
        // Merge segments 8 at a time instead of 4: a third less work while 1,000,000 users are
        // written in batches, and a search still takes a few milliseconds.
        await sql`insert into ${sql.table(fts)} (${sql.ref(fts)}, rank) values ('automerge', 8)`.execute(db);
        await sql`insert into ${sql.table(fts)} (${sql.ref(fts)}) values ('rebuild')`.execute(db);
      }
    },
  };
}

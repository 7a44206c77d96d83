/**
 * The SQLite search indexes of users and groups (FTS5 trigram, migration 0009): the query for a
 * search term, and keeping the indexes in step with the rows.
 *
 * They are kept in step by the one writer of users and groups, `applyObjectBatch`, in its
 * transaction: `unindexRows` before it changes or deletes rows, `indexRows` after it wrote them.
 * Not by triggers: FTS5 flushes its pending terms at every statement savepoint, and a trigger
 * runs one per row, so writing 1,000,000 users took 85 s instead of 18 s.
 *
 * A search uses the index as a filter in front of the exact substring match, never instead of
 * it: the index may find more (it folds case its own way), never fewer, so a search returns
 * exactly the rows whose lower-case columns contain the term, with or without the index.
 */
import { sql, type RawBuilder, type Transaction } from 'kysely';
import { chunk, inList, listChunk, type StoreDialect } from './dialect.js';
import type { RepoContext } from './repo-context.js';
import type { StoreDatabase } from './schema.js';

export const SEARCH_INDEXES = {
  users: { fts: 'users_search', columns: ['display_name_lower', 'upn_lower', 'mail_lower'] },
  groups: { fts: 'groups_search', columns: ['name_lower', 'mail_lower'] },
} as const;

export type SearchedTable = keyof typeof SEARCH_INDEXES;

/**
 * PostgreSQL: the users' searched columns joined into one text, the expression of the users'
 * trigram index (migration 0010). A row whose column contains a term contains it here too, so
 * it can filter in front of the exact match. coalesce: one NULL column must not make it all NULL.
 */
export const USERS_SEARCH_TEXT = `coalesce(display_name_lower, '') || E'\\n' || upn_lower || E'\\n' || coalesce(mail_lower, '')`;

/**
 * Whether the index can answer a (lower-case, trimmed) term: the trigram tokenizer needs three
 * characters, and FTS5 reads its query only up to a NUL character.
 */
export function usesSearchIndex(dialect: StoreDialect, term: string): boolean {
  return dialect === 'sqlite' && [...term].length >= 3 && !term.includes('\u0000');
}

/**
 * The FTS5 query that matches `term` as a literal substring: one quoted string, in which only
 * `"` has a meaning (doubled), so `AND`, `*`, `-`, `:`, `^` or `NEAR(` in a search are text.
 */
export function ftsPhrase(term: string): string {
  return `"${term.replace(/"/g, '""')}"`;
}

/** `<alias>.<fts table> MATCH <term as a phrase>`, for a query that joins the index as `alias`. */
export function ftsMatch(table: SearchedTable, alias: string, term: string): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(`${alias}.${SEARCH_INDEXES[table].fts}`)} match ${ftsPhrase(term)}`;
}

/** Removes the rows' current text from the index; before the rows change or are deleted. */
export async function unindexRows(trx: Transaction<StoreDatabase>, ctx: RepoContext, table: SearchedTable, anchors: readonly string[]): Promise<void> {
  await copyRows(trx, ctx, table, anchors, sql`'delete', `, sql`${sql.ref(SEARCH_INDEXES[table].fts)}, `);
}

/** Adds the rows' current text to the index; after the rows were written. */
export async function indexRows(trx: Transaction<StoreDatabase>, ctx: RepoContext, table: SearchedTable, anchors: readonly string[]): Promise<void> {
  await copyRows(trx, ctx, table, anchors, sql``, sql``);
}

async function copyRows(
  trx: Transaction<StoreDatabase>,
  ctx: RepoContext,
  table: SearchedTable,
  anchors: readonly string[],
  command: RawBuilder<unknown>,
  commandColumn: RawBuilder<unknown>,
): Promise<void> {
  if (ctx.dialect !== 'sqlite') return;
  const { fts, columns } = SEARCH_INDEXES[table];
  const list = sql.join(columns.map((c) => sql.ref(c)));
  for (const part of chunk(anchors, listChunk(ctx.dialect))) {
    // An external-content FTS5 table is written with INSERT only; its 'delete' command takes the
    // text that was indexed, which is the row's text as long as the index is in step.
    await sql`insert into ${sql.table(fts)} (${commandColumn}rowid, ${list})
      select ${command}rowid, ${list} from ${sql.table(table)} where tenant_id = ${ctx.tenantId} and ${inList(ctx.dialect, 'anchor', part)}`.execute(trx);
  }
}

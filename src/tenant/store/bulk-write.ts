/**
 * Writing many rows in one go, the fastest way each database offers, behind one function:
 * - SQLite (in-process): one cached prepared single-row statement run per row. There is no round
 *   trip to save, and re-preparing or re-compiling a 17,000-parameter statement per batch costs
 *   far more than running a prepared one a thousand times.
 * - PostgreSQL: one `INSERT ... SELECT $1, u.* FROM unnest(column arrays) AS u [ON CONFLICT]` per call.
 * Both run inside the caller's Kysely transaction (on SQLite it holds the single connection).
 * Table and column names come from code, never from input.
 */
import { CompiledQuery, type Transaction } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import type { RepoContext } from './repo-context.js';
import type { StoreDatabase } from './schema.js';

type Column<T extends keyof StoreDatabase> = keyof StoreDatabase[T] & string;

export interface Upsert<T extends keyof StoreDatabase> {
  /** The key columns of the conflict target. */
  conflict: Array<Column<T>>;
  /** Columns overwritten from the new row when the key exists. */
  update: Array<Column<T>>;
}

const statementCache = new WeakMap<BetterSqlite3.Database, Map<string, BetterSqlite3.Statement>>();

export async function insertRows<T extends keyof StoreDatabase>(
  trx: Transaction<StoreDatabase>,
  ctx: RepoContext,
  table: T,
  rows: Array<StoreDatabase[T]>,
  upsert?: Upsert<T>,
): Promise<void> {
  const first = rows[0];
  if (first === undefined) return;
  const columns = Object.keys(first) as Array<Column<T>>;
  const tail = upsert
    ? ` on conflict (${upsert.conflict.map(quote).join(', ')}) do update set ${upsert.update.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(', ')}`
    : '';
  // undefined (a field a caller left out) is stored as NULL on both databases.
  if (ctx.sqlite) {
    const statement = prepared(ctx.sqlite, `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values (${columns.map(() => '?').join(', ')})${tail}`);
    for (const row of rows) statement.run(columns.map((c) => (row[c] as unknown) ?? null));
    return;
  }
  // One array parameter per column, unnested into rows: the statement text and its plan are the
  // same for every batch, where a multi-row VALUES list of 17,000 parameters cost PostgreSQL
  // more to parse and bind than to insert. A column with one value in every row (the tenant, a
  // batch's timestamp) travels once as a scalar: a fifth fewer bytes to escape, send and parse.
  const types = await columnTypes(trx, table);
  const valueOf = (row: StoreDatabase[T], c: Column<T>): unknown => (row[c] as unknown) ?? null;
  const shared = rows.length > 1 ? columns.filter((c) => rows.every((row) => valueOf(row, c) === valueOf(first, c))) : [];
  // unnest needs one array at least.
  const constant = shared.length < columns.length ? shared : [];
  const perRow = columns.filter((c) => !constant.includes(c));
  const scalars = constant.map((c, i) => `$${i + 1}::${columnType(types, table, c)}`);
  const unnest = perRow.map((c, i) => `$${constant.length + i + 1}::${columnType(types, table, c)}[]`).join(', ');
  const params = [...constant.map((c) => valueOf(first, c)), ...perRow.map((c) => rows.map((row) => valueOf(row, c)))];
  const insert = `insert into ${quote(table)} (${[...constant, ...perRow].map(quote).join(', ')})`;
  await trx.executeQuery(CompiledQuery.raw(`${insert} select ${[...scalars, 'u.*'].join(', ')} from unnest(${unnest}) as u${tail}`, params));
}

/** The SQL type of each column of a table (PostgreSQL), read once per table from the catalog. */
const typeCache = new Map<string, Map<string, string>>();

async function columnTypes(trx: Transaction<StoreDatabase>, table: string): Promise<Map<string, string>> {
  let types = typeCache.get(table);
  if (!types) {
    const result = await trx.executeQuery<{ name: string; type: string }>(CompiledQuery.raw(
      `select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
        where attrelid = to_regclass($1) and attnum > 0 and not attisdropped`, [table]));
    types = new Map(result.rows.map((r) => [r.name, r.type]));
    typeCache.set(table, types);
  }
  return types;
}

function columnType(types: Map<string, string>, table: string, column: string): string {
  const type = types.get(column);
  if (!type) throw new Error(`Column ${table}.${column} is not in the database's schema.`);
  return type;
}

function prepared(db: BetterSqlite3.Database, text: string): BetterSqlite3.Statement {
  let cache = statementCache.get(db);
  if (!cache) statementCache.set(db, (cache = new Map()));
  let statement = cache.get(text);
  if (!statement) cache.set(text, (statement = db.prepare(text)));
  return statement;
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

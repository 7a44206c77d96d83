/**
 * The few places where SQLite and PostgreSQL differ, kept in one file so the repositories read
 * the same for both.
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import { AppError } from '../../shared/errors.js';

export type StoreDialect = 'sqlite' | 'postgres';

/**
 * `column IN (values)`. On PostgreSQL the list is one array parameter (`= any($1)`): one
 * statement and one plan whatever its length. On SQLite a plain IN list, kept under the
 * parameter limit by `listChunk`.
 */
export function inList(dialect: StoreDialect, column: string, values: readonly string[]): RawBuilder<SqlBool> {
  return dialect === 'postgres'
    ? sql<SqlBool>`${sql.ref(column)} = any(${[...values]}::text[])`
    : sql<SqlBool>`${sql.ref(column)} in (${sql.join([...values])})`;
}

/** Values per `inList`. */
export function listChunk(dialect: StoreDialect): number {
  return dialect === 'postgres' ? 10_000 : 900;
}

/** Whether a thrown driver error is a unique or primary key violation. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Whether a thrown driver error is the users' unique UPN index (0030) refusing a second holder. */
export function isUpnUniqueViolation(error: unknown): boolean {
  if (!isUniqueViolation(error)) return false;
  const { constraint, message } = error as { constraint?: unknown; message?: unknown };
  // PostgreSQL names the index; SQLite names the columns.
  return constraint === 'users_upn_unique_idx' || (typeof message === 'string' && message.includes('users.upn_lower'));
}

/**
 * A driver error the store answers with a code: the users' unique UPN index refusing a second
 * holder becomes STORE_DUPLICATE_UPN (409), never an internal error. Anything else is returned as is.
 */
export function storeErrorOf(error: unknown): unknown {
  return isUpnUniqueViolation(error) ? new AppError('STORE_DUPLICATE_UPN', { cause: error }) : error;
}

/** `column LIKE '%term%'` on an already lower-cased column, with the term's wildcards escaped. */
export function containsLower(column: Expression<unknown>, term: string): RawBuilder<SqlBool> {
  const escaped = term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
  return sql<SqlBool>`${column} like ${`%${escaped}%`} escape '\\'`;
}

/** PostgreSQL returns bigint and count(*) as strings; SQLite as numbers. */
export function toNumber(value: number | string | bigint): number {
  return typeof value === 'number' ? value : Number(value);
}

export function toDate(value: number | string | bigint): Date;
export function toDate(value: number | string | bigint | null): Date | null;
export function toDate(value: number | string | bigint | null): Date | null {
  return value === null ? null : new Date(toNumber(value));
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { StoreDialect } from './dialect.js';
import type { StoreDatabase } from './schema.js';

/** What every repository function works with: the database (or a transaction) and one tenant. */
export interface RepoContext {
  db: Kysely<StoreDatabase>;
  dialect: StoreDialect;
  tenantId: string;
  /** The SQLite connection under `db`, for the bulk writer's prepared statements (SQLite only). */
  sqlite?: BetterSqlite3.Database | undefined;
}

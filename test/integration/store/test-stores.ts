/**
 * Real stores for integration tests: a SQLite file in a fresh temp folder, or a fresh PostgreSQL
 * database `dirbridge_test_<random>` created through the maintenance connection
 * (DATABASE_URL_TEST, default postgres://postgres@127.0.0.1:5432/test) and dropped by `cleanup`.
 * A PostgreSQL that cannot be reached is an error, never a silent skip.
 *
 * @example
 * const { store, cleanup } = await createTestStore('postgres'); // migrated, tenant 'default' created
 * try { ... store.forTenant('default') ... } finally { await cleanup(); }
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import { openStore, redactUrl, SQLITE_FILE_NAME } from '../../../src/tenant/store/open-store.js';
import type { TenantStore } from '../../../src/tenant/store/ports.js';

export type StoreKind = 'sqlite' | 'postgres';

export const POSTGRES_TEST_URL = process.env['DATABASE_URL_TEST'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStore {
  store: TenantStore;
  /** What to pass to `openStore` to reach the same database (another process would use this). */
  options: { databaseUrl?: string; dataDir: string };
  /** Opens another, independent store on the same database (its own connection or pool). */
  openAnother(): Promise<TenantStore>;
  /** Closes every store opened here and removes the database or folder. */
  cleanup(): Promise<void>;
}

export interface TestStoreOptions {
  /** Apply migrations (default true). */
  migrate?: boolean;
  /** Create this tenant after migrating (default 'default'; null for none). */
  tenantId?: string | null;
}

export async function createTestStore(kind: StoreKind, opts: TestStoreOptions = {}): Promise<TestStore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dirbridge-store-'));
  const opened: TenantStore[] = [];
  let dropDatabase = async (): Promise<void> => {};
  let databaseUrl: string | undefined;
  if (kind === 'postgres') {
    const name = `dirbridge_test_${randomBytes(6).toString('hex')}`;
    await withMaintenanceClient((client) => client.query(`create database ${name}`));
    const url = new URL(POSTGRES_TEST_URL);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = () => withMaintenanceClient((client) => client.query(`drop database if exists ${name} with (force)`)).then(() => {});
  }
  const options = databaseUrl === undefined ? { dataDir } : { databaseUrl, dataDir };
  const openAnother = async (): Promise<TenantStore> => {
    const store = await openStore(options);
    opened.push(store);
    return store;
  };
  const cleanup = async (): Promise<void> => {
    for (const store of opened.splice(0)) await store.close().catch(() => {});
    await dropDatabase();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const store = await openAnother();
    if (opts.migrate !== false) await store.migrate();
    const tenantId = opts.tenantId === undefined ? 'default' : opts.tenantId;
    if (opts.migrate !== false && tenantId !== null) await store.ensureTenant(tenantId, `Tenant ${tenantId}`);
    return { store, options, openAnother, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * A plain Kysely on a test store's database, for what the store does not offer: an older schema
 * (a migration's starting point), or a look at the tables themselves. The caller destroys it.
 */
// Kysely<any>: it sees the database as it is, not as today's schema types say.
export function openDatabase(options: TestStore['options']): Kysely<any> {
  if (options.databaseUrl !== undefined) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 1 });
    // pg's pool.end() resolves before its sockets close: the `drop database ... with (force)` of a
    // cleanup right after can reach a connection still open, whose FATAL the idle client then emits
    // on the pool. Without a listener that is an uncaught exception in whatever test runs next.
    pool.on('error', () => {});
    return new Kysely({ dialect: new PostgresDialect({ pool }) });
  }
  const database = new Database(join(options.dataDir, SQLITE_FILE_NAME));
  database.pragma('busy_timeout = 5000');
  return new Kysely({ dialect: new SqliteDialect({ database }) });
}

/**
 * Rows in every table of the store (migration bookkeeping aside), for tests that prove a request
 * stored nothing, or that an attack stored a bounded amount.
 */
export async function rowCounts(db: Kysely<any>, options: TestStore['options']): Promise<Record<string, number>> {
  return (await rowCounter(db, options))();
}

/** `rowCounts` as one statement per call (the table list read once): cheap enough to run around every request. */
export async function rowCounter(db: Kysely<any>, options: TestStore['options']): Promise<() => Promise<Record<string, number>>> {
  const tables = (options.databaseUrl !== undefined
    ? (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)).rows
    : (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)).rows)
    .map((t) => t.name).filter((name) => !name.startsWith('kysely_')).sort();
  const query = sql.join(tables.map((name) => sql`select ${name} as t, count(*) as n from ${sql.table(name)}`), sql` union all `);
  return async () => {
    const rows = (await sql<{ t: string; n: number | string }>`${query}`.execute(db)).rows;
    return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
  };
}

async function withMaintenanceClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (cause) {
    const reason = cause instanceof AggregateError && cause.errors[0] instanceof Error ? cause.errors[0].message : cause instanceof Error ? cause.message : String(cause);
    throw new Error(
      `PostgreSQL is not reachable at ${redactUrl(POSTGRES_TEST_URL)} (${reason}). ` +
      'The PostgreSQL store tests need it: start PostgreSQL, or point DATABASE_URL_TEST at a server where this user may create databases.',
      { cause },
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

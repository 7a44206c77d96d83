/**
 * Opens the tenant store: PostgreSQL when `databaseUrl` is a postgres:// or postgresql:// URL,
 * otherwise the embedded SQLite file `<dataDir>/dirbridge.sqlite` (WAL mode).
 *
 * @example
 * ```ts
 * import { openStore } from './tenant/store/open-store.js';
 *
 * const store = await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir: './data' });
 * await store.migrate();                       // idempotent; safe from several replicas at once
 * await store.ensureTenant('default', 'Default tenant');
 * const tenant = store.forTenant('default');
 *
 * const settings = await tenant.getSettings(); // { passwordSyncEnabled: true, staleAfterHours: 72, ... }
 * const result = await tenant.applyObjectBatch(batchId, agentId, changes, new Date());
 * // result: { applied, errors: [{ anchor, code: 'OBJECT_DUPLICATE_UPN', ... }], duplicate }
 * const page = await tenant.listUsers({ search: 'jan', page: 1, pageSize: 25 });
 *
 * await store.close();
 * ```
 * Errors: AppError DATA_DIR_UNWRITABLE (SQLite folder), STORE_UNAVAILABLE (cannot connect;
 * the cause is attached, the URL's password never appears in the message).
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { AppError } from '../../shared/errors.js';
import { ensurePrivateDir, ensurePrivateFile, SQLITE_COMPANIONS } from '../../shared/private-files.js';
import { KyselyTenantStore } from './kysely-store.js';
import type { TenantStore } from './ports.js';
import type { StoreDatabase } from './schema.js';

export interface OpenStoreOptions {
  /** postgres://user:password@host:5432/db (or postgresql://); anything else means SQLite. */
  databaseUrl?: string | undefined;
  /** Folder of the SQLite file (created when missing). */
  dataDir: string;
  /** PostgreSQL pool size per process (default 10). */
  poolSize?: number | undefined;
}

export const SQLITE_FILE_NAME = 'dirbridge.sqlite';

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//i.test(url.trim());
}

export async function openStore(options: OpenStoreOptions): Promise<TenantStore> {
  return isPostgresUrl(options.databaseUrl)
    ? openPostgres(options.databaseUrl.trim(), options.poolSize ?? 10)
    : openSqlite(options.dataDir);
}

/**
 * Whether a dirbridge store exists there, creating nothing: the SQLite file in the data folder,
 * or the migration table in the PostgreSQL database. Commands that only read use it to say "no
 * store here" instead of creating an empty one. STORE_UNAVAILABLE when PostgreSQL cannot be reached.
 */
export async function storeExists(options: Pick<OpenStoreOptions, 'databaseUrl' | 'dataDir'>): Promise<boolean> {
  if (!isPostgresUrl(options.databaseUrl)) return existsSync(join(resolve(options.dataDir), SQLITE_FILE_NAME));
  const url = options.databaseUrl.trim();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    const result = await client.query<{ present: boolean }>("select to_regclass('kysely_migration') is not null as present");
    return result.rows[0]?.present === true;
  } catch (cause) {
    throw new AppError('STORE_UNAVAILABLE', { message: `The PostgreSQL store at ${redactUrl(url)} cannot be reached: ${describeCause(cause)}`, details: { database: redactUrl(url) }, cause });
  } finally {
    await client.end().catch(() => {});
  }
}

function openSqlite(dataDir: string): TenantStore {
  const dir = resolve(dataDir);
  try {
    // The store holds password verifiers, session hashes and the OIDC signing keys: owner-only.
    ensurePrivateDir(dir);
    accessSync(dir, constants.W_OK);
  } catch (cause) {
    throw new AppError('DATA_DIR_UNWRITABLE', { message: `The data folder ${dir} cannot be created or written.`, details: { dataDir: dir }, cause });
  }
  const file = join(dir, SQLITE_FILE_NAME);
  let database: Database.Database;
  try {
    ensurePrivateFile(file, SQLITE_COMPANIONS);
    database = new Database(file);
    database.pragma('journal_mode = WAL');
    // Another process (a CLI command next to the service) may hold the write lock briefly.
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
    // FULL: a batch the agent was told is applied survives a power loss too (NORMAL may lose the
    // last commits, and the agent would not send them again). One WAL fsync per commit; a
    // 100,000-user first sync measured the same either way.
    database.pragma('synchronous = FULL');
  } catch (cause) {
    throw new AppError('STORE_UNAVAILABLE', { message: `The SQLite store ${file} cannot be opened.`, details: { file }, cause });
  }
  const db = new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database }) });
  return new KyselyTenantStore(db, 'sqlite', database);
}

async function openPostgres(url: string, poolSize: number): Promise<TenantStore> {
  const where = redactUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 10_000 });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const db = new Kysely<StoreDatabase>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (cause) {
    await db.destroy().catch(() => {});
    throw new AppError('STORE_UNAVAILABLE', { message: `The PostgreSQL store at ${where} cannot be reached: ${describeCause(cause)}`, details: { database: where }, cause });
  }
  return new KyselyTenantStore(db, 'postgres');
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured DATABASE_URL';
  }
}

function describeCause(cause: unknown): string {
  // Node reports a refused connection to every resolved address as an AggregateError with no message.
  const first = cause instanceof AggregateError && cause.message === '' ? cause.errors[0] : cause;
  const message = first instanceof Error ? first.message : String(first);
  const code = (first as { code?: unknown } | null)?.code;
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

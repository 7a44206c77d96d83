/**
 * The load floor: how long the store itself needs to hold a synced directory durably, without any
 * sync work. The rows a full sync left in one tenant (users, their mail index, groups,
 * memberships) are read out, then loaded into a fresh database migrated to the same schema and
 * indexes by the database's own bulk path: `COPY ... FROM STDIN` on PostgreSQL, one transaction of
 * prepared inserts on SQLite (with the store's `synchronous = FULL`). Added to the directory's read
 * floor (the `ldapsearch` dump), it is the physical limit of "read, then store durably" that a full
 * sync can be compared with.
 *
 * Rows come from the synced tenant rather than from parsing the dump again, so both sides hold
 * byte-for-byte the same data; the mapping from LDAP entries to rows is sync work and stays on the
 * sync's side of the comparison.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { openStore, SQLITE_FILE_NAME } from '../tenant/store/open-store.js';

/** Tables holding a synced directory's objects, parents first (foreign keys). */
export const OBJECT_TABLES = ['users', 'user_mails', 'groups', 'memberships'] as const;

type Row = Record<string, unknown>;
export type TableRows = Record<(typeof OBJECT_TABLES)[number], Row[]>;

export type StoreLocation = { kind: 'sqlite'; dataDir: string } | { kind: 'postgres'; databaseUrl: string };

export interface LoadFloorResult {
  /** Seconds to load every row, committed. */
  seconds: number;
  rows: number;
}

/** Reads the object rows and the tenant row of a synced store. */
export async function readObjectRows(source: StoreLocation): Promise<{ tenants: Row[]; tables: TableRows }> {
  if (source.kind === 'sqlite') {
    const db = new Database(join(source.dataDir, SQLITE_FILE_NAME), { readonly: true });
    try {
      const all = (table: string): Row[] => db.prepare(`select * from ${table}`).all() as Row[];
      return { tenants: all('tenants'), tables: Object.fromEntries(OBJECT_TABLES.map((t) => [t, all(t)])) as TableRows };
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: source.databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const all = async (table: string): Promise<Row[]> => (await client.query(`select * from ${table}`)).rows as Row[];
    const tables = {} as TableRows;
    for (const t of OBJECT_TABLES) tables[t] = await all(t);
    return { tenants: await all('tenants'), tables };
  } finally {
    await client.end();
  }
}

/**
 * Loads `rows` into `target` (a database migrated here by the store's own migrations, so its
 * schema and indexes are the tenant's), timing only the load and its commit.
 */
export async function loadFloor(target: StoreLocation, rows: { tenants: Row[]; tables: TableRows }): Promise<LoadFloorResult> {
  const store = await openStore(target.kind === 'sqlite' ? { dataDir: target.dataDir } : { databaseUrl: target.databaseUrl, dataDir: tmpdir() });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  const count = OBJECT_TABLES.reduce((sum, t) => sum + rows.tables[t].length, 0);
  return target.kind === 'sqlite' ? loadSqlite(target.dataDir, rows, count) : loadPostgres(target.databaseUrl, rows, count);
}

function loadSqlite(dataDir: string, rows: { tenants: Row[]; tables: TableRows }, count: number): LoadFloorResult {
  const db = new Database(join(dataDir, SQLITE_FILE_NAME));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = FULL');
    const insertAll = (table: string, list: Row[]): void => {
      const first = list[0];
      if (!first) return;
      const columns = Object.keys(first);
      const statement = db.prepare(`insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`);
      for (const row of list) statement.run(...columns.map((c) => row[c]));
    };
    insertAll('tenants', rows.tenants);
    const started = performance.now();
    // The trigram search indexes (external content) are the store's too: filled from the rows.
    const searchIndexes = (db.prepare("select name from sqlite_master where name in ('users_search', 'groups_search')").all() as Array<{ name: string }>).map((r) => r.name);
    db.transaction(() => {
      for (const t of OBJECT_TABLES) insertAll(t, rows.tables[t]);
      for (const fts of searchIndexes) db.prepare(`insert into ${fts} (${fts}) values ('rebuild')`).run();
    })();
    return { seconds: (performance.now() - started) / 1000, rows: count };
  } finally {
    db.close();
  }
}

async function loadPostgres(databaseUrl: string, rows: { tenants: Row[]; tables: TableRows }, count: number): Promise<LoadFloorResult> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    for (const tenant of rows.tenants) {
      const columns = Object.keys(tenant);
      await client.query(`insert into tenants (${columns.join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, columns.map((c) => tenant[c]));
    }
    const started = performance.now();
    await client.query('begin');
    for (const t of OBJECT_TABLES) {
      const list = rows.tables[t];
      const first = list[0];
      if (!first) continue;
      const columns = Object.keys(first);
      const stream = client.query(copyFrom(`copy ${t} (${columns.join(', ')}) from stdin with (format text)`));
      await pipeline(Readable.from(copyLines(list, columns)), stream);
    }
    await client.query('commit');
    return { seconds: (performance.now() - started) / 1000, rows: count };
  } finally {
    await client.end();
  }
}

/** COPY's text format: tab-separated, `\N` for null, backslash escapes for the special bytes. */
export function* copyLines(list: Row[], columns: string[]): Generator<string> {
  let chunk = '';
  for (const row of list) {
    chunk += `${columns.map((c) => copyField(row[c])).join('\t')}\n`;
    if (chunk.length > 1 << 16) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

export function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text = typeof value === 'string' ? value : typeof value === 'boolean' ? (value ? 't' : 'f') : String(value);
  return text.replace(/[\\\t\n\r]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r'));
}

/** A fresh, empty place for the load floor: a temporary SQLite folder or a new PostgreSQL database. */
export async function freshTarget(kind: 'sqlite' | 'postgres', workDir: string, maintenanceUrl: string): Promise<{ target: StoreLocation; drop(): Promise<void> }> {
  if (kind === 'sqlite') {
    const dataDir = mkdtempSync(join(workDir, 'load-floor-'));
    return { target: { kind, dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `dirbridge_loadfloor_${Math.random().toString(16).slice(2, 12)}`;
  const maintenance = async (statement: string): Promise<void> => {
    const client = new pg.Client({ connectionString: maintenanceUrl, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await maintenance(`create database ${name}`);
  const url = new URL(maintenanceUrl);
  url.pathname = `/${name}`;
  return { target: { kind, databaseUrl: url.toString() }, drop: () => maintenance(`drop database if exists ${name} with (force)`) };
}

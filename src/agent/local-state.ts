/**
 * The agent's local record of what it exported (objects by fingerprint, password hashes by keyed
 * fingerprint), its cursors and its fingerprint key, in one SQLite file next to the agent.
 *
 * better-sqlite3 directly rather than the tenant's Kysely layer: the engine's ExportState port is
 * synchronous (a lookup per object on the hot path), and this file is private to one process.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { AppError } from '../shared/errors.js';
import { ensurePrivateDir, ensurePrivateFile, SQLITE_COMPANIONS } from '../shared/private-files.js';
import { normalizeDn } from '../directory/dn.js';
import type { ExportState, ExportedRecord, PasswordExportRecord, PasswordExportState } from '../sync/ports.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS exported (
  anchor TEXT PRIMARY KEY, kind TEXT NOT NULL, dn TEXT NOT NULL, dn_norm TEXT NOT NULL, uid TEXT, fingerprint TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS exported_dn ON exported(dn_norm);
CREATE INDEX IF NOT EXISTS exported_uid ON exported(uid);
CREATE TABLE IF NOT EXISTS password_exported (
  anchor TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, scheme TEXT, derived_at INTEGER NOT NULL, exported_at INTEGER NOT NULL, result_code TEXT
);
CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value TEXT);
-- Users recorded as exported for the first time whose password no cycle has read since (mark: a rowid that only grows).
CREATE TABLE IF NOT EXISTS password_pending (mark INTEGER PRIMARY KEY AUTOINCREMENT, anchor TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
`;

interface ExportedRow { anchor: string; kind: 'user' | 'group'; dn: string; uid: string | null; fingerprint: string }
interface PasswordRow { anchor: string; fingerprint: string; scheme: string | null; derived_at: number; exported_at: number; result_code: string | null }

export class LocalState {
  readonly exports: ExportState;
  readonly passwords: PasswordExportState;
  private readonly db: Database.Database;

  constructor(path: string) {
    try {
      ensurePrivateDir(dirname(path));
      // The fingerprint key and what was exported per user: owner-only.
      ensurePrivateFile(path, SQLITE_COMPANIONS);
      this.db = new Database(path);
    } catch (cause) {
      throw new AppError('DATA_DIR_UNWRITABLE', { message: `The agent state file ${path} cannot be opened.`, cause });
    }
    this.db.pragma('journal_mode = WAL');
    // Durable enough: losing the last commit only means re-exporting it, which the tenant applies idempotently.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.renormalizeEscapedDns();

    const db = this.db;
    const getExported = db.prepare<[string], ExportedRow>('SELECT anchor, kind, dn, uid, fingerprint FROM exported WHERE anchor = ?');
    const byUid = db.prepare<[string], ExportedRow>("SELECT anchor, kind, dn, uid, fingerprint FROM exported WHERE uid = ? AND kind = 'user'");
    // A page of lookups in one statement: the list travels as one JSON array parameter.
    const manyByAnchor = db.prepare<[string], ExportedRow>('SELECT anchor, kind, dn, uid, fingerprint FROM exported WHERE anchor IN (SELECT value FROM json_each(?))');
    const manyByDn = db.prepare<[string], ExportedRow & { dn_norm: string }>('SELECT anchor, kind, dn, dn_norm, uid, fingerprint FROM exported WHERE dn_norm IN (SELECT value FROM json_each(?))');
    const upsert = db.prepare('INSERT INTO exported (anchor, kind, dn, dn_norm, uid, fingerprint) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(anchor) DO UPDATE SET kind = excluded.kind, dn = excluded.dn, dn_norm = excluded.dn_norm, uid = excluded.uid, fingerprint = excluded.fingerprint');
    const remove = db.prepare('DELETE FROM exported WHERE anchor = ?');
    const removePassword = db.prepare('DELETE FROM password_exported WHERE anchor = ?');
    const getCursor = db.prepare<[string], { value: string | null }>('SELECT value FROM cursors WHERE name = ?');
    const setCursor = db.prepare('INSERT INTO cursors (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value');
    const toRecord = (row: ExportedRow | undefined): ExportedRecord | undefined => row && { anchor: row.anchor, kind: row.kind, dn: row.dn, uid: row.uid, fingerprint: row.fingerprint };

    const kindOf = db.prepare<[string], { kind: string }>('SELECT kind FROM exported WHERE anchor = ?');
    const markPending = db.prepare('INSERT INTO password_pending (anchor) VALUES (?) ON CONFLICT(anchor) DO NOTHING');
    const unmarkPending = db.prepare('DELETE FROM password_pending WHERE anchor = ?');
    // One transaction: a user recorded as exported is marked pending, or neither happened.
    const commitExports = db.transaction((upserts: ExportedRecord[], deleted: string[]) => {
      for (const r of upserts) {
        if (r.kind === 'user' && kindOf.get(r.anchor)?.kind !== 'user') markPending.run(r.anchor);
        upsert.run(r.anchor, r.kind, r.dn, normalizeDn(r.dn), r.uid ?? null, r.fingerprint);
      }
      for (const anchor of deleted) { remove.run(anchor); removePassword.run(anchor); unmarkPending.run(anchor); }
    });
    const pendingMark = db.prepare<[], { mark: number | null }>('SELECT max(mark) AS mark FROM password_pending');
    const clearPending = db.prepare('DELETE FROM password_pending WHERE mark <= ?');
    const countAll = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM exported');
    const countKind = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM exported WHERE kind = ?');
    this.exports = {
      get: (anchor) => toRecord(getExported.get(anchor)),
      getMany: (anchors) => new Map(manyByAnchor.all(JSON.stringify(anchors)).map((row) => [row.anchor, toRecord(row) as ExportedRecord])),
      findByNormalizedDns: (dns) => new Map(manyByDn.all(JSON.stringify(dns)).map((row) => [row.dn_norm, toRecord(row) as ExportedRecord])),
      findByUid: (uid) => toRecord(byUid.get(uid)),
      *anchors() {
        for (const row of db.prepare<[], { anchor: string }>('SELECT anchor FROM exported').iterate()) yield row.anchor;
      },
      count: (kind) => (kind ? countKind.get(kind) : countAll.get())?.n ?? 0,
      commit: (upserts, deleted) => commitExports(upserts, deleted),
      passwordPendingMark: () => pendingMark.get()?.mark ?? 0,
      clearPasswordPending: (mark) => { clearPending.run(mark); },
      getCursor: (name) => getCursor.get(name)?.value ?? null,
      setCursor: (name, value) => { setCursor.run(name, value); },
    };

    const getPassword = db.prepare<[string], PasswordRow>('SELECT * FROM password_exported WHERE anchor = ?');
    const upsertPassword = db.prepare('INSERT INTO password_exported (anchor, fingerprint, scheme, derived_at, exported_at, result_code) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(anchor) DO UPDATE SET fingerprint = excluded.fingerprint, scheme = excluded.scheme, derived_at = excluded.derived_at, exported_at = excluded.exported_at, result_code = excluded.result_code');
    const commitPasswords = db.transaction((records: PasswordExportRecord[], cleared: string[]) => {
      for (const r of records) upsertPassword.run(r.anchor, r.fingerprint, r.scheme, r.derivedAt.getTime(), r.exportedAt.getTime(), r.resultCode);
      for (const anchor of cleared) removePassword.run(anchor);
    });
    this.passwords = {
      get: (anchor) => {
        const row = getPassword.get(anchor);
        return row && { anchor: row.anchor, fingerprint: row.fingerprint, scheme: row.scheme, derivedAt: new Date(row.derived_at), exportedAt: new Date(row.exported_at), resultCode: row.result_code };
      },
      commit: (records, cleared) => commitPasswords(records, cleared),
      reset: () => { db.exec("DELETE FROM password_exported; DELETE FROM cursors WHERE name = 'passwords'"); },
      getCursor: (name) => getCursor.get(name)?.value ?? null,
      setCursor: (name, value) => { setCursor.run(name, value); },
    };
  }

  /**
   * Rows whose DN has escapes or quotes were indexed by an older DN normalizer that kept `\,` and
   * `\2C` apart; index them by the current one so group members written either way are found.
   */
  private renormalizeEscapedDns(): void {
    const rows = this.db.prepare<[], { anchor: string; dn: string; dn_norm: string }>(`SELECT anchor, dn, dn_norm FROM exported WHERE dn GLOB '*[\\"]*'`).all();
    const update = this.db.prepare('UPDATE exported SET dn_norm = ? WHERE anchor = ?');
    this.db.transaction(() => {
      for (const row of rows) {
        const current = normalizeDn(row.dn);
        if (current !== row.dn_norm) update.run(current, row.anchor);
      }
    })();
  }

  /** The key of the password fingerprints: random, made once, never leaves this file. */
  fingerprintKey(): Buffer {
    const row = this.db.prepare<[], { value: Buffer }>("SELECT value FROM meta WHERE key = 'fingerprint_key'").get();
    if (row) return row.value;
    const key = randomBytes(32);
    this.db.prepare("INSERT INTO meta (key, value) VALUES ('fingerprint_key', ?)").run(key);
    return key;
  }

  /** The tenant's password epoch this agent last saw (null before the first heartbeat). */
  passwordEpoch(): number | null {
    const row = this.db.prepare<[], { value: Buffer | string | number }>("SELECT value FROM meta WHERE key = 'password_epoch'").get();
    return row ? Number(row.value.toString()) : null;
  }

  setPasswordEpoch(epoch: number): void {
    this.db.prepare("INSERT INTO meta (key, value) VALUES ('password_epoch', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(epoch));
  }

  /** A small remembered value (e.g. the last password reconciliation request answered). */
  getMeta(key: string): string | null {
    const row = this.db.prepare<[string], { value: Buffer | string }>('SELECT value FROM meta WHERE key = ?').get(key);
    return row ? row.value.toString() : null;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** Forgets everything exported (used when the agent registers with a new tenant). */
  resetAll(): void {
    this.db.exec('DELETE FROM exported; DELETE FROM password_exported; DELETE FROM cursors; DELETE FROM password_pending;');
  }

  close(): void {
    this.db.close();
  }
}

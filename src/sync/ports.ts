/**
 * Ports of the sync engine. The engine (plan, apply, phases) depends only on these; the agent
 * wires real adapters: a directory source (LDIF file, LDAP), the local export state (SQLite file)
 * and the tenant client (HTTP).
 */
import type { ErrorParams } from '../shared/error-params.js';
import type { DirectoryEntry } from '../directory/entry.js';
import type { ObjectChange, ObjectSyncError, SyncRunKind } from './model.js';
import type { PasswordVerifier } from '../passwords/verifier-model.js';

/** What a read is for: objects read every mapped attribute; passwords read only the anchor, the
 * DN and the password attributes (userPassword, sambaNTPassword), so the password loop stays cheap. */
export type ReadPurpose = 'objects' | 'passwords';

/** What left the scope since a cursor (deleted, moved out of the bases, or no longer matching the filters). */
export type Departures =
  /** Exactly these anchors (RFC 4533 refreshDelete phase, plus entries the source cut from scope). */
  | { kind: 'anchors'; anchors: string[] }
  /** Every anchor still in scope: anything else exported has left it (RFC 4533 present phase). */
  | { kind: 'present'; anchors: ReadonlySet<string> }
  /** Unknown: the engine lists every anchor in scope (listAnchors) and compares with what it exported. */
  | { kind: 'compare' };

export interface ChangeSet {
  /** Entries added or modified since the cursor (renamed/moved entries included, same anchor). */
  changed: AsyncIterable<DirectoryEntry[]>;
  /** What left the scope since the cursor; called once `changed` has been read to the end. */
  departures(): Promise<Departures>;
  /** Cursor to persist once every change of this set has been exported. */
  nextCursor: string;
}

export interface DirectorySource {
  /** Secret-free description for logs and the admin center, e.g. "ldap://127.0.0.1:3890 (openldap)". */
  readonly description: string;
  /** Which mapping flavor applies to its entries. */
  readonly flavor: 'openldap' | '389ds' | 'ad' | 'ldif';
  /** Every entry in scope, page by page (streamed: never the whole directory in memory). */
  readAll(purpose: ReadPurpose): AsyncIterable<DirectoryEntry[]>;
  /**
   * Changes since `cursor`; null when the source has no delta (LDIF: re-read and compare) or the
   * cursor is no longer valid (the engine then runs a full cycle).
   */
  readChanges(cursor: string | null, purpose: ReadPurpose): Promise<ChangeSet | null>;
  /**
   * The source's change position now (e.g. the highest entryCSN / contextCSN, uSNChanged), read
   * before a full cycle so the next delta starts there. null when the source has no delta.
   */
  currentCursor(): Promise<string | null>;
  /** Every anchor in scope, page by page, for delete detection by comparison. */
  listAnchors(): AsyncIterable<string[]>;
  /**
   * Calls `onChange` as soon as the directory reports a change (RFC 4533 refreshAndPersist).
   * Absent when the source cannot push. Returns a function that stops watching.
   */
  watch?(onChange: () => void, onError: (error: unknown) => void): () => void;
  /**
   * Problems of the last read that are not entries (an LDIF record that cannot be parsed), as
   * per-object errors. Their anchors count as present, so nothing is deleted because of them.
   */
  readProblems?(): ObjectSyncError[];
  close(): Promise<void>;
}

export interface ExportedRecord {
  anchor: string;
  kind: 'user' | 'group';
  dn: string;
  /** sha256 of the exported object's canonical JSON: a change of any exported attribute changes it. */
  fingerprint: string;
  /** The user's uid, so posixGroup memberUid values resolve to anchors in a delta. */
  uid?: string | null;
}

/** The agent's memory of what it exported (so a delta sends only changes and a restart resumes). */
export interface ExportState {
  get(anchor: string): ExportedRecord | undefined;
  /** The records of many anchors at once (a page), by anchor: one lookup instead of one per object. */
  getMany(anchors: readonly string[]): Map<string, ExportedRecord>;
  /** The records of many DNs at once, given and keyed normalized (normalizeDn). */
  findByNormalizedDns(dns: readonly string[]): Map<string, ExportedRecord>;
  findByUid?(uid: string): ExportedRecord | undefined;
  /** Every anchor, for delete detection. */
  anchors(): Iterable<string>;
  /** Records of one kind, or of both. */
  count(kind?: 'user' | 'group'): number;
  /**
   * Records what a batch exported, after the tenant acknowledged it. A user not recorded before
   * (new, accepted once a clash was fixed, moved into scope) is marked *password pending* in the
   * same transaction, so its password is read by the next password cycle whatever its cursor says.
   */
  commit(upserts: ExportedRecord[], deletedAnchors: string[]): void;
  /** The newest password-pending mark (0 when none is pending); marks only grow. */
  passwordPendingMark(): number;
  /** Drops the password-pending marks up to `mark` (a password cycle read every entry after taking it). */
  clearPasswordPending(mark: number): void;
  getCursor(name: string): string | null;
  setCursor(name: string, value: string | null): void;
}

/** The agent's memory of which password hash it derived and exported, by keyed fingerprint (never the hash). */
export interface PasswordExportRecord {
  anchor: string;
  fingerprint: string;
  scheme: string | null;
  derivedAt: Date;
  exportedAt: Date;
  resultCode: string | null;
}

export interface PasswordExportState {
  get(anchor: string): PasswordExportRecord | undefined;
  commit(records: PasswordExportRecord[], clearedAnchors: string[]): void;
  /** Forgets every record, so the next cycle re-derives and re-sends everything (after a tenant-side clear). */
  reset(): void;
  getCursor(name: string): string | null;
  setCursor(name: string, value: string | null): void;
}

export type PasswordItem =
  /** `fingerprint`: the agent's keyed fingerprint of the hash the verifier came from, so a reconciliation can tell a current verifier from a stale one. */
  | { op: 'set'; anchor: string; verifiers: PasswordVerifier[]; changedAt?: string | undefined; fingerprint?: string | undefined }
  | { op: 'clear'; anchor: string }
  | { op: 'error'; anchor: string; scheme: string | null; code: string; message: string };

export interface BatchOutcome {
  duplicate: boolean;
  applied: number;
  /** `quarantined`: applied without the value named (held by another object), not refused. */
  errors: Array<{ anchor: string; code: string; message: string; hint: string; attribute: string | null; quarantined?: boolean | undefined }>;
}

export interface TenantObjectRef {
  anchor: string;
  kind: 'user' | 'group';
  dn: string;
  fingerprint: string;
}

/** The tenant as the engine sees it. */
export interface TenantSink {
  pushObjects(batchId: string, changes: ObjectChange[]): Promise<BatchOutcome>;
  pushPasswords(batchId: string, items: PasswordItem[]): Promise<BatchOutcome>;
  /**
   * Every object the tenant holds from this directory, page by page, with the fingerprint of what
   * it holds (fingerprintObject of the stored object). A full cycle plans against this rather than
   * the local record: what the tenant lacks or holds differently is sent again, what it holds
   * beyond the directory is deleted.
   */
  syncedObjects(): AsyncIterable<TenantObjectRef[]>;
  /** The users holding a synced verifier, with the fingerprint it was sent with (null: sent before fingerprints were kept). */
  syncedVerifiers(): AsyncIterable<Array<{ anchor: string; fingerprint: string | null }>>;
  reportRun(report: {
    runId: string;
    kind: SyncRunKind;
    mode: 'full' | 'delta' | 'persist';
    startedAt: Date;
    finishedAt: Date;
    outcome: 'success' | 'partial' | 'failed' | 'blocked';
    counts: Record<string, number>;
    errorCode: string | null;
    errorMessage: string | null;
    /** The facts of the run's error by name (bounded by `AppError`), for the template in the admin's language. */
    errorParams?: ErrorParams | null;
    objectErrors: Array<{ anchor: string; kind: 'user' | 'group'; dn: string; attribute: string | null; code: string; message: string; hint: string; params?: ErrorParams }>;
    pendingDeletes?: number;
    /** The held-back deletes by name (the tenant lists them for the admin). */
    heldDeletes?: Array<{ kind: 'user' | 'group'; anchor: string; dn: string }>;
  }): Promise<void>;
}

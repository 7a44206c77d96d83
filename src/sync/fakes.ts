/** Small in-memory fakes of the engine's ports, for unit tests (preferred over mocking libraries). */
import { normalizeDn } from '../directory/dn.js';
import type { DirectoryEntry } from '../directory/entry.js';
import type { ObjectChange } from './model.js';
import { fingerprintObject } from './plan.js';
import { AppError } from '../shared/errors.js';
import type { BatchOutcome, ChangeSet, Departures, DirectorySource, ExportState, ExportedRecord, PasswordExportRecord, PasswordExportState, PasswordItem, TenantSink } from './ports.js';

export class MemoryExportState implements ExportState {
  readonly records = new Map<string, ExportedRecord>();
  readonly cursors = new Map<string, string | null>();
  get(anchor: string) { return this.records.get(anchor); }
  getMany(anchors: readonly string[]) {
    return new Map(anchors.flatMap((a) => { const r = this.records.get(a); return r ? [[a, r] as const] : []; }));
  }
  findByNormalizedDns(dns: readonly string[]) {
    const wanted = new Set(dns);
    return new Map([...this.records.values()].filter((r) => wanted.has(normalizeDn(r.dn))).map((r) => [normalizeDn(r.dn), r] as const));
  }
  findByUid(uid: string) { return [...this.records.values()].find((r) => r.uid === uid && r.kind === 'user'); }
  /** Password-pending marks: anchor -> mark. */
  readonly pending = new Map<string, number>();
  private lastMark = 0;
  anchors() { return [...this.records.keys()]; }
  count(kind?: 'user' | 'group') { return kind ? [...this.records.values()].filter((r) => r.kind === kind).length : this.records.size; }
  commit(upserts: ExportedRecord[], deleted: string[]) {
    for (const r of upserts) {
      if (r.kind === 'user' && this.records.get(r.anchor)?.kind !== 'user') this.pending.set(r.anchor, ++this.lastMark);
      this.records.set(r.anchor, r);
    }
    for (const a of deleted) { this.records.delete(a); this.pending.delete(a); }
  }
  passwordPendingMark() { return Math.max(0, ...this.pending.values()); }
  clearPasswordPending(mark: number) { for (const [a, m] of this.pending) if (m <= mark) this.pending.delete(a); }
  getCursor(name: string) { return this.cursors.get(name) ?? null; }
  setCursor(name: string, value: string | null) { this.cursors.set(name, value); }
}

export class MemoryPasswordState implements PasswordExportState {
  readonly records = new Map<string, PasswordExportRecord>();
  readonly cursors = new Map<string, string | null>();
  get(anchor: string) { return this.records.get(anchor); }
  commit(records: PasswordExportRecord[], cleared: string[]) {
    for (const r of records) this.records.set(r.anchor, r);
    for (const a of cleared) this.records.delete(a);
  }
  reset() { this.records.clear(); this.cursors.delete('passwords'); }
  getCursor(name: string) { return this.cursors.get(name) ?? null; }
  setCursor(name: string, value: string | null) { this.cursors.set(name, value); }
}

/** A tenant that keeps what it receives; `reject` makes it refuse chosen anchors like a duplicate UPN would. */
export class MemoryTenant implements TenantSink {
  readonly objects = new Map<string, Extract<ObjectChange, { op: 'upsert' }>['object']>();
  readonly verifiers = new Map<string, PasswordItem>();
  readonly batches: ObjectChange[][] = [];
  readonly passwordBatches: PasswordItem[][] = [];
  readonly runs: Array<Parameters<TenantSink['reportRun']>[0]> = [];
  reject = new Set<string>();
  /** Fails the push with this number (1 = the next one), as a tenant that went away would. */
  failPush: { at: number; error: Error } | null = null;
  /** Refuses a batch whose JSON body is larger (REQUEST_TOO_LARGE), as the tenant's body limit does. */
  maxBodyBytes = Number.POSITIVE_INFINITY;
  /** Awaited before an object batch is applied (n counts from 1): a slow or failing tenant. */
  beforePush: ((n: number) => Promise<void>) | null = null;
  private pushes = 0;

  async pushObjects(batchId: string, changes: ObjectChange[]): Promise<BatchOutcome> {
    const n = ++this.pushes;
    if (this.beforePush) await this.beforePush(n);
    if (Buffer.byteLength(JSON.stringify({ batchId, changes })) > this.maxBodyBytes) throw new AppError('REQUEST_TOO_LARGE');
    return this.applyObjects(changes);
  }

  private applyObjects(changes: ObjectChange[]): Promise<BatchOutcome> {
    if (this.failPush && --this.failPush.at === 0) {
      const { error } = this.failPush;
      this.failPush = null;
      return Promise.reject(error);
    }
    this.batches.push(changes);
    const errors: BatchOutcome['errors'] = [];
    for (const c of changes) {
      const anchor = c.op === 'upsert' ? c.object.anchor : c.anchor;
      if (this.reject.has(anchor)) {
        errors.push({ anchor, code: 'OBJECT_DUPLICATE_UPN', message: 'duplicate', hint: 'fix it', attribute: 'userPrincipalName' });
        continue;
      }
      if (c.op === 'upsert') this.objects.set(anchor, c.object);
      else { this.objects.delete(anchor); this.verifiers.delete(anchor); }
    }
    return Promise.resolve({ duplicate: false, applied: changes.length - errors.length, errors });
  }

  pushPasswords(_batchId: string, items: PasswordItem[]): Promise<BatchOutcome> {
    this.passwordBatches.push(items);
    for (const item of items) {
      if (item.op === 'clear') this.verifiers.delete(item.anchor);
      else this.verifiers.set(item.anchor, item);
    }
    return Promise.resolve({ duplicate: false, applied: items.length, errors: [] });
  }

  async *syncedObjects() {
    yield [...this.objects.values()].map((o) => ({ anchor: o.anchor, kind: o.kind, dn: o.dn, fingerprint: fingerprintObject(o) }));
  }

  async *syncedVerifiers() {
    yield [...this.verifiers.values()].flatMap((v) => (v.op === 'set' ? [{ anchor: v.anchor, fingerprint: v.fingerprint ?? null }] : []));
  }

  reportRun(report: Parameters<TenantSink['reportRun']>[0]): Promise<void> {
    this.runs.push(report);
    return Promise.resolve();
  }
}

/**
 * A directory held in memory. Each change bumps a counter that serves as the delta cursor, the
 * way entryCSN does. Deletes reach a delta the way `departureMode` says: by anchor comparison,
 * named one by one (an RFC 4533 session log), or as the set of what is still present.
 */
export class MemoryDirectory implements DirectorySource {
  readonly description = 'memory';
  readonly flavor = 'openldap' as const;
  private readonly entries = new Map<string, { entry: DirectoryEntry; csn: number }>();
  private csn = 0;
  private readonly removed = new Map<string, number>();
  failNextRead: Error | null = null;
  reads = { all: 0, changes: 0, anchors: 0 };
  departureMode: Departures['kind'] = 'compare';
  /** Entries per page of a full read. */
  pageSize = Number.MAX_SAFE_INTEGER;

  put(entry: DirectoryEntry): void {
    const anchor = entry.attributes.entryuuid?.[0];
    if (!anchor) throw new Error('entries need an entryuuid');
    this.entries.set(anchor, { entry, csn: ++this.csn });
  }
  remove(anchor: string): void {
    this.entries.delete(anchor);
    this.removed.set(anchor, ++this.csn);
  }

  async *readAll(): AsyncIterable<DirectoryEntry[]> {
    this.reads.all++;
    if (this.failNextRead) { const e = this.failNextRead; this.failNextRead = null; throw e; }
    const all = [...this.entries.values()].map((e) => e.entry);
    for (let i = 0; i < all.length; i += this.pageSize) yield all.slice(i, i + this.pageSize);
  }
  readChanges(cursor: string | null): Promise<ChangeSet | null> {
    if (cursor === null) return Promise.resolve(null);
    this.reads.changes++;
    const since = Number(cursor);
    const changed = [...this.entries.values()].filter((e) => e.csn > since).map((e) => e.entry);
    const failure = this.failNextRead;
    this.failNextRead = null;
    return Promise.resolve({
      changed: (async function* () { if (failure) throw failure; yield changed; })(),
      departures: () => Promise.resolve(this.departuresSince(since)),
      nextCursor: String(this.csn),
    });
  }
  currentCursor(): Promise<string | null> { return Promise.resolve(String(this.csn)); }
  async *listAnchors(): AsyncIterable<string[]> {
    this.reads.anchors++;
    yield [...this.entries.keys()];
  }
  private departuresSince(since: number): Departures {
    if (this.departureMode === 'anchors') return { kind: 'anchors', anchors: [...this.removed].filter(([, csn]) => csn > since).map(([anchor]) => anchor) };
    if (this.departureMode === 'present') return { kind: 'present', anchors: new Set(this.entries.keys()) };
    return { kind: 'compare' };
  }
  close(): Promise<void> { return Promise.resolve(); }
}

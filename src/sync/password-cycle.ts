/**
 * One password hash sync cycle. For every exported user whose stored password changed since the
 * last export (known by a keyed fingerprint, never by keeping the hash), parse the directory's
 * hash, derive the cloud verifier in the worker pool, and export it. A hash that cannot be used
 * becomes a per-user error naming its scheme: never a silent skip.
 *
 * Nothing is lost behind the cursor: a user the directory cycle records as exported for the first
 * time is marked *password pending*, and a cycle with pending users reads every entry (not only
 * those changed since the cursor). A full cycle is a reconciliation: it also reads which verifiers
 * the tenant holds, and sends again what the tenant lacks or holds stale (a verifier removed by
 * hand, a restored backup), deriving only for those.
 * A user with no password value to read is a per-user error too, by cause: the source has no
 * hash sync (AD without replication), the sync account may not read the attribute (no value in
 * the whole read), or the user has none (PASSWORD_UNREAD_CAUSES).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { AppError, ERRORS, isAppError, type ErrorCode } from '../shared/errors.js';
import { anchorOf, type Flavor } from '../directory/mapping.js';
import type { DirectoryEntry } from '../directory/entry.js';
import { kdfFingerprint, type KdfParams, type PasswordVerifier } from '../passwords/verifier-model.js';
import { DEFAULT_PASSWORD_BATCH, jsonBytes, sendSplitting, splitIntoBatches } from './batching.js';
import type { DirectorySource, ExportState, ExportedRecord, PasswordExportRecord, PasswordExportState, PasswordItem, TenantSink } from './ports.js';
import type { ObjectSyncError } from './model.js';

/** What the cycle needs from the password domain (passwords/ provides it; tests may pass a fake). */
/** Where a hash comes from: LDAP's userPassword / sambaNTPassword, or AD's unicodePwd (the NT hash, replicated over MS-DRSR, in hex). */
export type PasswordAttributeName = 'userPassword' | 'sambaNTPassword' | 'unicodePwd';

export interface VerifierDeriver {
  parse(value: string, attribute: PasswordAttributeName): { scheme: string; params: Record<string, string | number>; digest: Buffer };
  derive(source: { scheme: string; params: Record<string, string | number>; digest: Buffer }, kdf: KdfParams): Promise<PasswordVerifier>;
}

export interface PasswordProgress {
  mode: 'full' | 'delta' | 'persist';
  startedAt: Date;
  /** Exported users whose password was looked at so far. */
  processed: number;
  /** Of how many: the exported users for a full read; for a delta, what it read so far. */
  total: number;
  /** Verifiers derived so far (the slow part). */
  derived: number;
  errors: number;
}

export interface PasswordCycleOptions {
  mode: 'full' | 'delta' | 'persist';
  flavor: Flavor;
  kdfParams: KdfParams;
  /** Key of the fingerprints; kept by the agent, never sent. */
  fingerprintKey: Buffer;
  /** Items per batch, and so derivations between two commits (default 200): what a crash may re-derive. */
  batchSize?: number;
  /** Bytes of JSON per batch (default 8 MiB). */
  batchBytes?: number;
  onProgress?: (progress: PasswordProgress) => void;
}

export interface PasswordCycleResult {
  runId: string;
  mode: 'full' | 'delta' | 'persist';
  outcome: 'success' | 'partial' | 'failed';
  startedAt: Date;
  finishedAt: Date;
  /**
   * `restored`: verifiers sent again because the tenant lacked them or held a stale one.
   * `skipped`: entries that are not exported users. Users whose password could not be read or
   * used, per cause: `unreadable` (no read right), `noPassword`, `noHashSync` (source flavor),
   * `unsupportedScheme` (unsupported or malformed hash).
   */
  counts: {
    read: number; derived: number; restored: number; cleared: number; unchanged: number; skipped: number; errors: number;
    unreadable: number; noPassword: number; noHashSync: number; unsupportedScheme: number;
  };
  errors: ObjectSyncError[];
  failure: AppError | null;
}

const CURSOR = 'passwords';
/** Whether the last full read showed any password value: the sync account can read them. */
const READABLE = 'passwords-readable';

/** Why a user in scope has no password value the agent could read, as the error code reported. */
export const PASSWORD_UNREAD_CAUSES = ['PASSWORD_SOURCE_NO_HASH_SYNC', 'PASSWORD_NOT_READABLE', 'PASSWORD_NOT_SET'] as const;
type UnreadCause = typeof PASSWORD_UNREAD_CAUSES[number];

/**
 * LDAP hides an attribute the account may not read exactly as if it were absent, so a single
 * entry cannot tell the two apart; a read in which no user shows any password value can.
 */
export function unreadCause(flavor: Flavor, passwordsReadable: boolean): UnreadCause {
  if (flavor === 'ad') return 'PASSWORD_SOURCE_NO_HASH_SYNC';
  return passwordsReadable ? 'PASSWORD_NOT_SET' : 'PASSWORD_NOT_READABLE';
}

type WorkResult = { item: PasswordItem; record: PasswordExportRecord | null; error: ObjectSyncError | null; warning: ObjectSyncError | null; restored: boolean };
type Work = () => Promise<WorkResult>;

export async function runPasswordCycle(
  source: DirectorySource,
  exported: ExportState,
  state: PasswordExportState,
  sink: TenantSink,
  deriver: VerifierDeriver,
  options: PasswordCycleOptions,
): Promise<PasswordCycleResult> {
  const startedAt = new Date();
  const runId = randomUUID();
  const limits = { maxCount: options.batchSize ?? DEFAULT_PASSWORD_BATCH.maxCount, maxBytes: options.batchBytes ?? DEFAULT_PASSWORD_BATCH.maxBytes };
  const counts = { read: 0, derived: 0, restored: 0, cleared: 0, unchanged: 0, skipped: 0, errors: 0, unreadable: 0, noPassword: 0, noHashSync: 0, unsupportedScheme: 0 };
  /** Users in scope without a password value; their cause is known once the read is over. */
  const unread: Array<{ anchor: string; dn: string; fingerprint: string; before: PasswordExportRecord | undefined }> = [];
  let sawValue = false;
  const errors: ObjectSyncError[] = [];
  let failure: AppError | null = null;
  let mode = options.mode;
  let processed = 0;
  let total = 0;
  let derivedSoFar = 0;
  const progress = () => {
    // A first password sync runs beside the first directory sync, which is still exporting users:
    // "of how many" is counted again as it goes, or the admin would read "62,000 of 62,000" with
    // 38,000 users to go. A count on the agent's own state, every 256 users.
    if (mode === 'full' && processed % 256 === 0) total = exported.count('user');
    options.onProgress?.({ mode, startedAt, processed, total: Math.max(total, processed), derived: derivedSoFar, errors: errors.length });
  };

  const send = async (results: WorkResult[]): Promise<void> => {
    const outcome = await sink.pushPasswords(randomUUID(), results.map((r) => r.item));
    const rejected = new Set(outcome.errors.map((e) => e.anchor));
    for (const e of outcome.errors) {
      const dn = exported.get(e.anchor)?.dn ?? '';
      errors.push({ anchor: e.anchor, kind: 'user', dn, attribute: 'userPassword', code: e.code, message: e.message, hint: e.hint });
    }
    const accepted = results.filter((r) => !rejected.has(r.item.anchor));
    for (const r of accepted) {
      if (r.item.op === 'set') (r.restored ? counts.restored++ : counts.derived++);
      if (r.item.op === 'clear') counts.cleared++;
      if (r.error) errors.push(r.error);
      if (r.warning) errors.push(r.warning);
    }
    state.commit(
      accepted.flatMap((r) => (r.record ? [r.record] : [])),
      accepted.filter((r) => r.item.op === 'clear').map((r) => r.item.anchor),
    );
  };

  // Derive a batch, send it, record it: a crash loses at most the batch in flight.
  const run = async (work: Work[]): Promise<void> => {
    for (let i = 0; i < work.length; i += limits.maxCount) {
      const results = await Promise.all(work.slice(i, i + limits.maxCount).map((w) => w().then((r) => {
        processed++;
        if (r.item.op === 'set') derivedSoFar++;
        progress();
        return r;
      })));
      for (const batch of splitIntoBatches(results, limits, (r) => jsonBytes(r.item))) {
        await sendSplitting(batch, send, (r, error) => {
          const e = isAppError(error) ? error : new AppError('REQUEST_TOO_LARGE');
          errors.push({ anchor: r.item.anchor, kind: 'user', dn: exported.get(r.item.anchor)?.dn ?? '', attribute: 'userPassword', code: e.code, message: e.message, hint: e.hint });
        });
      }
    }
  };

  try {
    // Users recorded as exported for the first time since the last password cycle: their entries
    // may sit before the cursor, so this cycle reads every entry.
    const pendingMark = exported.passwordPendingMark();
    const cursorAtStart = await source.currentCursor();
    if (pendingMark > 0) mode = 'full';
    // A full read from a source that knows its position only once it has read (AD replication:
    // the watermark comes with the last page) is a change set from the start, so it ends with a cursor.
    const changeSet = mode === 'full'
      ? (cursorAtStart === null ? await source.readChanges(null, 'passwords') : null)
      : await source.readChanges(state.getCursor(CURSOR), 'passwords');
    if (!changeSet) mode = 'full';
    const held = mode === 'full' ? await readTenantVerifiers(sink) : null;
    progress();
    const pages = changeSet ? changeSet.changed : source.readAll('passwords');

    for await (const page of pages) {
      const work: Work[] = [];
      const anchors = page.map((entry) => anchorOf(entry, options.flavor));
      const users = exported.getMany(anchors.filter((a): a is string => a !== null));
      let quick = 0;
      for (const [i, entry] of page.entries()) {
        counts.read++;
        const anchor = anchors[i];
        const user: ExportedRecord | undefined = anchor ? users.get(anchor) : undefined;
        // Only exported users get a verifier: others are out of scope, in error, or not exported
        // yet (then the directory cycle marks them pending when it exports them).
        if (!anchor || !user || user.kind !== 'user') { counts.skipped++; continue; }
        const values = passwordValues(entry);
        const fingerprint = fingerprintValues(options.fingerprintKey, values, options.kdfParams);
        const before = state.get(anchor);
        const tenantHolds = held ? held.has(anchor) : null;
        if (values.length === 0) {
          // It had a password the last time (or the tenant still holds a verifier): its verifier goes.
          // Otherwise it is reported by cause once the read is over.
          if ((before && before.fingerprint !== fingerprint) || tenantHolds) {
            work.push(() => Promise.resolve({ item: { op: 'clear', anchor }, record: null, error: null, warning: null, restored: false }));
          } else {
            unread.push({ anchor, dn: user.dn, fingerprint, before });
            quick++;
          }
          continue;
        }
        sawValue = true;
        const sameHash = before?.fingerprint === fingerprint;
        // Current: the same hash was sent, and (in a reconciliation) the tenant still holds the
        // verifier made from it. A verifier stored before fingerprints were kept (null) counts as current.
        const tenantCurrent = held === null || before?.resultCode !== 'OK' || (tenantHolds === true && [null, fingerprint].includes(held.get(anchor) ?? null));
        if (sameHash && tenantCurrent) {
          counts.unchanged++;
          quick++;
          // Still true of an unchanged hash: say it again, since a run's report replaces the last one's.
          const standing = standingProblem(before);
          if (standing) errors.push(objectError(anchor, user.dn, standing));
          continue;
        }
        work.push(() => deriveItem(anchor, user.dn, entry, values, fingerprint, deriver, options.kdfParams, sameHash));
      }
      processed += quick;
      await run(work);
      progress();
    }
    if (mode === 'full') exported.clearPasswordPending(pendingMark);
    // A delta may read a single new user without a password: what the last full read showed decides then.
    const readable = sawValue || (mode !== 'full' && state.getCursor(READABLE) === 'yes');
    if (sawValue || mode === 'full') state.setCursor(READABLE, readable ? 'yes' : 'no');
    const cause = unreadCause(options.flavor, readable);
    const now = new Date();
    for (const u of unread) errors.push(objectError(u.anchor, u.dn, new AppError(cause)));
    // Recorded with their empty fingerprint, so a user stays reported until a value appears.
    state.commit(
      unread.filter((u) => u.before?.resultCode !== cause)
        .map((u) => ({ anchor: u.anchor, fingerprint: u.fingerprint, scheme: null, derivedAt: now, exportedAt: now, resultCode: cause })),
      [],
    );
    const next = changeSet?.nextCursor ?? cursorAtStart;
    if (next) state.setCursor(CURSOR, next);
  } catch (error) {
    failure = isAppError(error) ? error : new AppError('DIR_SEARCH_FAILED', { message: `The password cycle failed: ${(error as Error).message}`, params: { form: 'passwordCycle', reason: (error as Error).message }, cause: error });
  }
  counts.errors = errors.filter((e) => e.code !== 'PASSWORD_CLEARTEXT').length;
  for (const e of errors) {
    if (e.code === 'PASSWORD_NOT_READABLE') counts.unreadable++;
    else if (e.code === 'PASSWORD_NOT_SET') counts.noPassword++;
    else if (e.code === 'PASSWORD_SOURCE_NO_HASH_SYNC') counts.noHashSync++;
    else if (e.code === 'PASSWORD_SCHEME_UNSUPPORTED' || e.code === 'PASSWORD_HASH_MALFORMED') counts.unsupportedScheme++;
  }
  const outcome = failure ? 'failed' : counts.errors > 0 ? 'partial' : 'success';
  return { runId, mode, outcome, startedAt, finishedAt: new Date(), counts, errors, failure };
}

async function readTenantVerifiers(sink: TenantSink): Promise<Map<string, string | null>> {
  const held = new Map<string, string | null>();
  for await (const page of sink.syncedVerifiers()) for (const v of page) held.set(v.anchor, v.fingerprint);
  return held;
}

function passwordValues(entry: DirectoryEntry): Array<{ attribute: PasswordAttributeName; value: string }> {
  return [
    ...(entry.attributes.userpassword ?? []).map((value) => ({ attribute: 'userPassword' as const, value })),
    ...(entry.attributes.sambantpassword ?? []).map((value) => ({ attribute: 'sambaNTPassword' as const, value })),
    ...(entry.attributes.unicodepwd ?? []).map((value) => ({ attribute: 'unicodePwd' as const, value })),
  ].filter((v) => v.value !== '');
}

/**
 * One keyed fingerprint over every stored value of the user and the KDF parameters, so changing
 * either re-derives the verifier on the next cycle.
 */
export function fingerprintValues(key: Buffer, values: Array<{ attribute: string; value: string }>, kdf: KdfParams): string {
  const sorted = values.map((v) => [v.attribute, v.value]).sort((a, b) => (`${a[0]}\u0000${a[1]}` < `${b[0]}\u0000${b[1]}` ? -1 : 1));
  return createHmac('sha256', key).update(JSON.stringify([kdfFingerprint(kdf), sorted])).digest('base64url');
}

async function deriveItem(
  anchor: string, dn: string, entry: DirectoryEntry,
  values: Array<{ attribute: PasswordAttributeName; value: string }>,
  fingerprint: string, deriver: VerifierDeriver, kdf: KdfParams, restored: boolean,
): Promise<WorkResult> {
  const verifiers: PasswordVerifier[] = [];
  let firstProblem: AppError | null = null;
  let firstScheme: string | null = null;
  for (const { attribute, value } of values) {
    try {
      const source = deriver.parse(value, attribute);
      verifiers.push(await deriver.derive(source, kdf));
    } catch (error) {
      if (!isAppError(error)) throw error;
      firstProblem ??= error;
      firstScheme ??= schemeName(value);
    }
  }
  const now = new Date();
  // AD's pwdLastSet arrives as an ISO time from the replication source; LDAP servers give modifyTimestamp.
  const changedAt = entry.attributes.pwdlastset?.[0] ?? generalizedTimeToIso(entry.attributes.modifytimestamp?.[0]);
  const scheme = verifiers[0]?.scheme ?? firstScheme;
  const record: PasswordExportRecord = { anchor, fingerprint, scheme, derivedAt: now, exportedAt: now, resultCode: verifiers.length > 0 ? 'OK' : firstProblem?.code ?? null };
  const warning: ObjectSyncError | null = verifiers.some((v) => v.scheme === 'CLEARTEXT')
    ? objectError(anchor, dn, new AppError('PASSWORD_CLEARTEXT'))
    : null;
  if (verifiers.length > 0) {
    return { item: { op: 'set' as const, anchor, verifiers, fingerprint, ...(changedAt ? { changedAt } : {}) }, record, error: null, warning, restored };
  }
  const problem = firstProblem ?? new AppError('PASSWORD_HASH_MALFORMED');
  return {
    item: { op: 'error' as const, anchor, scheme: firstScheme, code: problem.code, message: problem.message },
    record,
    error: objectError(anchor, dn, problem, values[0]?.attribute),
    warning: null,
    restored,
  };
}

/** What an unchanged hash still has against it: an unusable scheme, or cleartext storage. */
function standingProblem(record: PasswordExportRecord | undefined): AppError | null {
  if (!record) return null;
  if (record.scheme === 'CLEARTEXT') return new AppError('PASSWORD_CLEARTEXT');
  const code = record.resultCode;
  if (code && code !== 'OK' && code in ERRORS) {
    return new AppError(code as ErrorCode, record.scheme ? { message: `${ERRORS[code as ErrorCode].message} (scheme {${record.scheme}})`, params: { scheme: record.scheme } } : {});
  }
  return null;
}

function objectError(anchor: string, dn: string, error: AppError, attribute: PasswordAttributeName = 'userPassword'): ObjectSyncError {
  return { anchor, kind: 'user', dn, attribute, code: error.code, message: error.message, hint: error.hint, ...(error.params ? { params: error.params } : {}) };
}

/** The {SCHEME} prefix only: safe to show, it is not hash material. */
function schemeName(value: string): string | null {
  const match = /^\{([A-Za-z0-9_.-]+)\}/.exec(value);
  return match ? match[1]!.toUpperCase() : null;
}

/** LDAP GeneralizedTime (RFC 4517 3.3.13), e.g. 20261125183000Z or 20261125183000.123456Z. */
export function generalizedTimeToIso(value: string | undefined): string | null {
  const m = value ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:[.,](\d+))?Z$/.exec(value) : null;
  if (!m) return null;
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms)).toISOString();
}

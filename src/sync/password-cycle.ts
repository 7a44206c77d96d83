/**
 * One password hash sync cycle. For every exported user whose stored password changed since the
 * last export (known by a keyed fingerprint, never by keeping the hash), parse the directory's
 * hash, derive the cloud verifier in the worker pool, and export it. A hash that cannot be used
 * becomes a per-user error naming its scheme: never a silent skip.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { AppError, ERRORS, isAppError, type ErrorCode } from '../shared/errors.js';
import { anchorOf, type Flavor } from '../directory/mapping.js';
import type { DirectoryEntry } from '../directory/entry.js';
import { kdfFingerprint, type KdfParams, type PasswordVerifier } from '../passwords/verifier-model.js';
import type { DirectorySource, ExportState, PasswordExportRecord, PasswordExportState, PasswordItem, TenantSink } from './ports.js';
import type { ObjectSyncError } from './model.js';

/** What the cycle needs from the password domain (passwords/ provides it; tests may pass a fake). */
export interface VerifierDeriver {
  parse(value: string, attribute: 'userPassword' | 'sambaNTPassword'): { scheme: string; params: Record<string, string | number>; digest: Buffer };
  derive(source: { scheme: string; params: Record<string, string | number>; digest: Buffer }, kdf: KdfParams): Promise<PasswordVerifier>;
}

export interface PasswordCycleOptions {
  mode: 'full' | 'delta' | 'persist';
  flavor: Flavor;
  kdfParams: KdfParams;
  /** Key of the fingerprints; kept by the agent, never sent. */
  fingerprintKey: Buffer;
  batchSize?: number;
  onProgress?: (progress: { read: number; derived: number; errors: number }) => void;
}

export interface PasswordCycleResult {
  runId: string;
  mode: 'full' | 'delta' | 'persist';
  outcome: 'success' | 'partial' | 'failed';
  startedAt: Date;
  finishedAt: Date;
  counts: { read: number; derived: number; cleared: number; unchanged: number; skipped: number; errors: number };
  errors: ObjectSyncError[];
  failure: AppError | null;
}

const CURSOR = 'passwords';

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
  const batchSize = options.batchSize ?? 500;
  const counts = { read: 0, derived: 0, cleared: 0, unchanged: 0, skipped: 0, errors: 0 };
  const errors: ObjectSyncError[] = [];
  let failure: AppError | null = null;
  let mode = options.mode;

  try {
    const cursorAtStart = await source.currentCursor();
    const changeSet = mode === 'full' ? null : await source.readChanges(state.getCursor(CURSOR), 'passwords');
    if (!changeSet) mode = 'full';
    const pages = changeSet ? changeSet.changed : source.readAll('passwords');

    for await (const page of pages) {
      const pending: Array<Promise<{ item: PasswordItem; record: PasswordExportRecord | null; error: ObjectSyncError | null; warning: ObjectSyncError | null }>> = [];
      for (const entry of page) {
        counts.read++;
        const anchor = anchorOf(entry, options.flavor);
        const user = anchor ? exported.get(anchor) : undefined;
        // Only users that were exported get a verifier: others are out of scope or in error.
        if (!anchor || !user || user.kind !== 'user') { counts.skipped++; continue; }
        const values = passwordValues(entry);
        const fingerprint = fingerprintValues(options.fingerprintKey, values, options.kdfParams);
        const before = state.get(anchor);
        if (before?.fingerprint === fingerprint) {
          counts.unchanged++;
          // Still true of an unchanged hash: say it again, since a run's report replaces the last one's.
          const standing = standingProblem(before);
          if (standing) errors.push(objectError(anchor, user.dn, standing));
          continue;
        }
        if (values.length === 0) {
          if (before) pending.push(Promise.resolve({ item: { op: 'clear', anchor }, record: null, error: null, warning: null }));
          else counts.skipped++;
          continue;
        }
        pending.push(deriveItem(anchor, user.dn, entry, values, fingerprint, deriver, options.kdfParams));
      }
      const results = await Promise.all(pending);
      options.onProgress?.({ read: counts.read, derived: counts.derived, errors: errors.length });
      for (let i = 0; i < results.length; i += batchSize) {
        const chunk = results.slice(i, i + batchSize);
        const outcome = await sink.pushPasswords(randomUUID(), chunk.map((r) => r.item));
        const rejected = new Set(outcome.errors.map((e) => e.anchor));
        for (const e of outcome.errors) {
          const dn = exported.get(e.anchor)?.dn ?? '';
          errors.push({ anchor: e.anchor, kind: 'user', dn, attribute: 'userPassword', code: e.code, message: e.message, hint: e.hint });
        }
        const accepted = chunk.filter((r) => !rejected.has(r.item.anchor));
        for (const r of accepted) {
          if (r.item.op === 'set') counts.derived++;
          if (r.item.op === 'clear') counts.cleared++;
          if (r.error) errors.push(r.error);
          if (r.warning) errors.push(r.warning);
        }
        state.commit(
          accepted.flatMap((r) => (r.record ? [r.record] : [])),
          accepted.filter((r) => r.item.op === 'clear').map((r) => r.item.anchor),
        );
      }
    }
    const next = changeSet?.nextCursor ?? cursorAtStart;
    if (next) state.setCursor(CURSOR, next);
  } catch (error) {
    failure = isAppError(error) ? error : new AppError('DIR_SEARCH_FAILED', { message: `The password cycle failed: ${(error as Error).message}`, cause: error });
  }
  counts.errors = errors.filter((e) => e.code !== 'PASSWORD_CLEARTEXT').length;
  const outcome = failure ? 'failed' : counts.errors > 0 ? 'partial' : 'success';
  return { runId, mode, outcome, startedAt, finishedAt: new Date(), counts, errors, failure };
}

function passwordValues(entry: DirectoryEntry): Array<{ attribute: 'userPassword' | 'sambaNTPassword'; value: string }> {
  return [
    ...(entry.attributes.userpassword ?? []).map((value) => ({ attribute: 'userPassword' as const, value })),
    ...(entry.attributes.sambantpassword ?? []).map((value) => ({ attribute: 'sambaNTPassword' as const, value })),
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
  values: Array<{ attribute: 'userPassword' | 'sambaNTPassword'; value: string }>,
  fingerprint: string, deriver: VerifierDeriver, kdf: KdfParams,
) {
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
  const changedAt = generalizedTimeToIso(entry.attributes.modifytimestamp?.[0]);
  const scheme = verifiers[0]?.scheme ?? firstScheme;
  const record: PasswordExportRecord = { anchor, fingerprint, scheme, derivedAt: now, exportedAt: now, resultCode: verifiers.length > 0 ? 'OK' : firstProblem?.code ?? null };
  const warning: ObjectSyncError | null = verifiers.some((v) => v.scheme === 'CLEARTEXT')
    ? objectError(anchor, dn, new AppError('PASSWORD_CLEARTEXT'))
    : null;
  if (verifiers.length > 0) {
    return { item: { op: 'set' as const, anchor, verifiers, ...(changedAt ? { changedAt } : {}) }, record, error: null, warning };
  }
  const problem = firstProblem ?? new AppError('PASSWORD_HASH_MALFORMED');
  return {
    item: { op: 'error' as const, anchor, scheme: firstScheme, code: problem.code, message: problem.message },
    record,
    error: objectError(anchor, dn, problem),
    warning: null,
  };
}

/** What an unchanged hash still has against it: an unusable scheme, or cleartext storage. */
function standingProblem(record: PasswordExportRecord): AppError | null {
  if (record.scheme === 'CLEARTEXT') return new AppError('PASSWORD_CLEARTEXT');
  const code = record.resultCode;
  if (code && code !== 'OK' && code in ERRORS) {
    return new AppError(code as ErrorCode, record.scheme ? { message: `${ERRORS[code as ErrorCode].message} (scheme {${record.scheme}})` } : {});
  }
  return null;
}

function objectError(anchor: string, dn: string, error: AppError): ObjectSyncError {
  return { anchor, kind: 'user', dn, attribute: 'userPassword', code: error.code, message: error.message, hint: error.hint };
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

/**
 * Applies one batch of password items in one transaction, idempotent by batch id like object
 * batches. `set` stores the user's verifiers and a successful password state and clears the
 * user's password errors (but for the warning of a cleartext source); `error` records a failed
 * attempt and an agent-side password error; `clear` removes the verifiers. An anchor the tenant
 * does not know becomes a per-item error.
 */
import { storedErrorParams, type ErrorParams } from '../../shared/error-params.js';
import type { Transaction } from 'kysely';
import { ERRORS, type ErrorCode } from '../../shared/errors.js';
import type { PasswordVerifier } from '../../passwords/verifier-model.js';
import { claimBatch, recordBatchResult } from './batch-ledger.js';
import { insertRows } from './bulk-write.js';
import { chunk, inList, listChunk, toNumber } from './dialect.js';
import type { ApplyObjectsResult } from './ports.js';
import type { RepoContext } from './repo-context.js';
import type { PasswordStateTable, StoreDatabase, SyncErrorsTable } from './schema.js';

export type PasswordBatchItem =
  | { op: 'set'; anchor: string; verifiers: PasswordVerifier[]; changedAt?: string | undefined; fingerprint?: string | undefined }
  | { op: 'clear'; anchor: string }
  | { op: 'error'; anchor: string; scheme: string | null; code: string; message: string };

/** `result_code` of a password state after a successful `set`. */
export const PASSWORD_RESULT_OK = 'OK';

const CLEARTEXT_WARNING = { code: 'PASSWORD_CLEARTEXT', message: ERRORS.PASSWORD_CLEARTEXT.message };

const GENERIC_PASSWORD_HINT = 'Look at the agent log for this user, then have the user change the password in the directory.';

export async function applyPasswordBatch(
  ctx: RepoContext,
  batchId: string,
  agentId: string,
  items: PasswordBatchItem[],
  now: Date,
): Promise<ApplyObjectsResult & { duplicate: boolean }> {
  return ctx.db.transaction().execute(async (trx) => {
    const earlier = await claimBatch(trx, ctx.tenantId, batchId, 'passwords', agentId, now);
    if (earlier) return { ...earlier, duplicate: true };
    const result = await applyItems(trx, ctx, items, now.getTime());
    await recordBatchResult(trx, ctx.tenantId, batchId, result);
    return { ...result, duplicate: false };
  });
}

async function applyItems(trx: Transaction<StoreDatabase>, ctx: RepoContext, items: PasswordBatchItem[], now: number): Promise<ApplyObjectsResult> {
  const { tenantId: t, dialect: d } = ctx;
  const anchors = [...new Set(items.map((i) => i.anchor))];
  const dnOf = new Map<string, string | null>();
  const stateOf = new Map<string, PasswordStateTable>();
  for (const part of chunk(anchors, listChunk(d))) {
    const users = await trx.selectFrom('users').select(['anchor', 'dn']).where('tenant_id', '=', t).where(inList(d, 'anchor', part)).execute();
    for (const u of users) dnOf.set(u.anchor, u.dn);
    const states = await trx.selectFrom('password_state').selectAll().where('tenant_id', '=', t).where(inList(d, 'anchor', part)).execute();
    for (const s of states) stateOf.set(s.anchor, s);
  }

  // Last item per anchor wins; the effects are written in bulk below.
  const finalVerifiers = new Map<string, { verifiers: PasswordVerifier[]; fingerprint: string | null } | null>();
  const finalErrors = new Map<string, { code: string; message: string; params?: ErrorParams } | null>();
  const errors: ApplyObjectsResult['errors'] = [];
  let applied = 0;

  for (const item of items) {
    if (!dnOf.has(item.anchor)) {
      errors.push({
        anchor: item.anchor,
        code: 'PASSWORD_USER_UNKNOWN',
        message: `No synchronized user has the anchor ${item.anchor}; its password was not stored.`,
        hint: ERRORS.PASSWORD_USER_UNKNOWN.hint,
        attribute: null,
      });
      continue;
    }
    const previous = stateOf.get(item.anchor);
    if (item.op === 'set') {
      finalVerifiers.set(item.anchor, { verifiers: item.verifiers, fingerprint: item.fingerprint ?? null });
      // A cleartext source is stored, with its warning written here in the same transaction: left to
      // the run's report, the warning would be missing from the list until the whole run ends.
      finalErrors.set(item.anchor, item.verifiers.some((v) => v.scheme === 'CLEARTEXT') ? CLEARTEXT_WARNING : null);
      stateOf.set(item.anchor, {
        tenant_id: t,
        anchor: item.anchor,
        scheme: item.verifiers[0]?.scheme ?? null,
        last_attempt_at: now,
        last_success_at: now,
        result_code: PASSWORD_RESULT_OK,
        source_changed_at: item.changedAt ? Date.parse(item.changedAt) : (previous?.source_changed_at ?? null),
      });
    } else if (item.op === 'clear') {
      finalVerifiers.set(item.anchor, null);
    } else {
      // The scheme is the one fact of a password error the admin needs (it is checked: at most 64 characters).
      finalErrors.set(item.anchor, { code: item.code, message: item.message, ...(item.scheme ? { params: { scheme: item.scheme } } : {}) });
      stateOf.set(item.anchor, {
        tenant_id: t,
        anchor: item.anchor,
        scheme: item.scheme,
        last_attempt_at: now,
        last_success_at: previous?.last_success_at ?? null,
        result_code: item.code,
        source_changed_at: previous?.source_changed_at ?? null,
      });
    }
    applied++;
  }

  // verifiers
  const cleared = [...finalVerifiers].filter(([, v]) => v === null).map(([a]) => a);
  for (const part of chunk(cleared, listChunk(d))) {
    await trx.deleteFrom('password_verifiers').where('tenant_id', '=', t).where(inList(d, 'anchor', part)).execute();
  }
  const verifierRows = [...finalVerifiers].flatMap(([anchor, v]) => (v === null ? [] : [{
    tenant_id: t, anchor, verifiers: JSON.stringify(v.verifiers), scheme: v.verifiers[0]?.scheme ?? '', updated_at: now, fingerprint: v.fingerprint,
  }]));
  await insertRows(trx, ctx, 'password_verifiers', verifierRows, { conflict: ['tenant_id', 'anchor'], update: ['verifiers', 'scheme', 'updated_at', 'fingerprint'] });

  // password state (only anchors this batch changed)
  const stateRows = [...finalErrors.keys()].map((a) => stateOf.get(a)).filter((s): s is PasswordStateTable => s !== undefined);
  await insertRows(trx, ctx, 'password_state', stateRows, {
    conflict: ['tenant_id', 'anchor'],
    update: ['scheme', 'last_attempt_at', 'last_success_at', 'result_code', 'source_changed_at'],
  });

  // password errors: each anchor's agent-side password errors become its last outcome here
  const touched = [...finalErrors.keys()];
  const firstSeen = new Map<string, number>();
  for (const part of chunk(touched, listChunk(d))) {
    const rows = await trx.selectFrom('sync_errors').select(['anchor', 'code', 'first_seen'])
      .where('tenant_id', '=', t).where('origin', '=', 'agent').where('run_kind', '=', 'password').where(inList(d, 'anchor', part)).execute();
    for (const r of rows) firstSeen.set(`${r.anchor}\u0000${r.code}`, toNumber(r.first_seen));
    await trx.deleteFrom('sync_errors')
      .where('tenant_id', '=', t).where('origin', '=', 'agent').where('run_kind', '=', 'password').where(inList(d, 'anchor', part)).execute();
  }
  const errorRows: SyncErrorsTable[] = [...finalErrors].flatMap(([anchor, e]) => (e === null ? [] : [{
    tenant_id: t, origin: 'agent', run_kind: 'password', anchor, code: e.code, kind: 'user', dn: dnOf.get(anchor) ?? anchor,
    attribute: 'userPassword', message: e.message, hint: hintFor(e.code), params: storedErrorParams(e.params),
    first_seen: firstSeen.get(`${anchor}\u0000${e.code}`) ?? now, last_seen: now,
  }]));
  await insertRows(trx, ctx, 'sync_errors', errorRows);

  return { applied, errors };
}

function hintFor(code: string): string {
  return code in ERRORS ? ERRORS[code as ErrorCode].hint : GENERIC_PASSWORD_HINT;
}

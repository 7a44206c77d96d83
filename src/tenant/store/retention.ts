/**
 * Retention: history tables pruned by age and by count, so none grows without bound. What the
 * status and the agents still rely on is never pruned: the last run of each kind and the last
 * successful one (the status's last-sync times and blocked deletes), and a lockout still in force.
 * Batch ids are kept long enough for any retry of an agent (idempotency lasts the age limit).
 */
import { sql, type Kysely } from 'kysely';
import { toNumber } from './dialect.js';
import type { PruneResult, RetentionPolicy } from './ports.js';
import type { RepoContext } from './repo-context.js';
import type { StoreDatabase } from './schema.js';

const DAY_MS = 86_400_000;

export async function pruneHistory(ctx: RepoContext, policy: RetentionPolicy, now: Date): Promise<PruneResult> {
  const { db, tenantId: t } = ctx;
  const at = now.getTime();
  return db.transaction().execute(async (trx) => ({
    runs: await pruneRuns(trx, t, at - policy.runs.maxAgeDays * DAY_MS, policy.runs.maxCount),
    batches: await pruneByTime(trx, 'applied_batches', 'applied_at', t, at - policy.batches.maxAgeDays * DAY_MS, policy.batches.maxCount),
    audit: await pruneByTime(trx, 'audit_log', 'at', t, at - policy.audit.maxAgeDays * DAY_MS, policy.audit.maxCount),
    lockouts: await pruneLockouts(trx, t, at, at - policy.lockouts.maxAgeDays * DAY_MS, policy.lockouts.maxCount),
  }));
}

type TimedTable = 'applied_batches' | 'audit_log' | 'sync_runs' | 'lockouts';

/**
 * The time of the row just past the newest `maxCount` (by time), or null when there are no more:
 * rows at or before it go. Rows sharing that time with kept rows go too; the count is a bound.
 */
async function countCutoff(trx: Kysely<StoreDatabase>, table: TimedTable, column: string, t: string, maxCount: number): Promise<number | null> {
  const result = await sql<{ at: number | string }>`select ${sql.ref(column)} as at from ${sql.table(table)}
    where tenant_id = ${t} order by ${sql.ref(column)} desc limit 1 offset ${maxCount}`.execute(trx);
  const row = result.rows[0];
  return row ? toNumber(row.at) : null;
}

/** Rows older than `olderThan`, or beyond the newest `maxCount`, whichever bound is later. */
async function pruneBound(trx: Kysely<StoreDatabase>, table: TimedTable, column: string, t: string, olderThan: number, maxCount: number): Promise<number> {
  const cutoff = await countCutoff(trx, table, column, t, maxCount);
  return cutoff === null ? olderThan : Math.max(olderThan, cutoff + 1);
}

async function pruneByTime(trx: Kysely<StoreDatabase>, table: 'applied_batches' | 'audit_log', column: 'applied_at' | 'at', t: string, olderThan: number, maxCount: number): Promise<number> {
  const bound = await pruneBound(trx, table, column, t, olderThan, maxCount);
  const result = await sql`delete from ${sql.table(table)} where tenant_id = ${t} and ${sql.ref(column)} < ${bound}`.execute(trx);
  return Number(result.numAffectedRows ?? 0n);
}

async function pruneRuns(trx: Kysely<StoreDatabase>, t: string, olderThan: number, maxCount: number): Promise<number> {
  const bound = await pruneBound(trx, 'sync_runs', 'finished_at', t, olderThan, maxCount);
  // The runs the status reads: the last of each kind, and the last that synced (success or partial).
  const keep = new Set<string>();
  for (const kind of ['directory', 'password']) {
    const last = await trx.selectFrom('sync_runs').select('id').where('tenant_id', '=', t).where('kind', '=', kind)
      .orderBy('finished_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    const synced = await trx.selectFrom('sync_runs').select('id').where('tenant_id', '=', t).where('kind', '=', kind).where('outcome', 'in', ['success', 'partial'])
      .orderBy('finished_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    if (last) keep.add(last.id);
    if (synced) keep.add(synced.id);
  }
  let query = trx.deleteFrom('sync_runs').where('tenant_id', '=', t).where('finished_at', '<', bound);
  if (keep.size > 0) query = query.where('id', 'not in', [...keep]);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** A lockout row in force (locked_until ahead) stays whatever its age: pruning must never unlock. */
async function pruneLockouts(trx: Kysely<StoreDatabase>, t: string, now: number, olderThan: number, maxCount: number): Promise<number> {
  const bound = await pruneBound(trx, 'lockouts', 'last_failure_at', t, olderThan, maxCount);
  const result = await trx.deleteFrom('lockouts').where('tenant_id', '=', t).where('last_failure_at', '<', bound)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * The record of applied batches that makes them idempotent. The batch row is claimed as the
 * transaction's first statement: it takes the write lock at once on SQLite (no deferred-lock
 * upgrade failures), and on PostgreSQL a concurrent copy of the same batch waits on the key and
 * then sees it as a duplicate.
 */
import type { Transaction } from 'kysely';
import type { ApplyObjectsResult } from './ports.js';
import type { StoreDatabase } from './schema.js';

export type BatchKind = 'objects' | 'passwords';

/** Returns null when the batch is new (and now claimed), or the stored result of the earlier one. */
export async function claimBatch(
  trx: Transaction<StoreDatabase>,
  tenantId: string,
  batchId: string,
  kind: BatchKind,
  agentId: string,
  now: Date,
): Promise<ApplyObjectsResult | null> {
  const claimed = await trx.insertInto('applied_batches')
    .values({ tenant_id: tenantId, batch_id: batchId, kind, agent_id: agentId, result: '{}', applied_at: now.getTime() })
    .onConflict((oc) => oc.columns(['tenant_id', 'batch_id']).doNothing())
    .returning('batch_id')
    .executeTakeFirst();
  if (claimed) return null;
  const stored = await trx.selectFrom('applied_batches').select('result')
    .where('tenant_id', '=', tenantId).where('batch_id', '=', batchId).executeTakeFirstOrThrow();
  return JSON.parse(stored.result) as ApplyObjectsResult;
}

export async function recordBatchResult(trx: Transaction<StoreDatabase>, tenantId: string, batchId: string, result: ApplyObjectsResult): Promise<void> {
  await trx.updateTable('applied_batches').set({ result: JSON.stringify(result) })
    .where('tenant_id', '=', tenantId).where('batch_id', '=', batchId).execute();
}

/** The admin-requested cycle preview: one row per tenant, replaced by each new request. */
import type { CyclePreviewResult } from '../api/contract.js';
import { toDate } from './dialect.js';
import type { PreviewRecord } from './ports.js';
import type { RepoContext } from './repo-context.js';

export async function requestPreview(ctx: RepoContext, by: string, at: Date): Promise<void> {
  await ctx.db.insertInto('cycle_previews')
    .values({ tenant_id: ctx.tenantId, requested_at: at.getTime(), requested_by: by, completed_at: null, result: null })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ requested_at: at.getTime(), requested_by: by, completed_at: null, result: null }))
    .execute();
}

export async function getPreview(ctx: RepoContext): Promise<PreviewRecord | null> {
  const row = await ctx.db.selectFrom('cycle_previews').selectAll().where('tenant_id', '=', ctx.tenantId).executeTakeFirst();
  if (!row) return null;
  return {
    requestedAt: toDate(row.requested_at),
    requestedBy: row.requested_by,
    completedAt: toDate(row.completed_at),
    result: row.result === null ? null : (JSON.parse(row.result) as CyclePreviewResult),
  };
}

/** Stores the agent's answer, unless a newer request replaced the one it answers. Returns whether it was stored. */
export async function savePreview(ctx: RepoContext, requestedAt: Date, result: CyclePreviewResult, at: Date): Promise<boolean> {
  const updated = await ctx.db.updateTable('cycle_previews')
    .set({ completed_at: at.getTime(), result: JSON.stringify(result) })
    .where('tenant_id', '=', ctx.tenantId).where('requested_at', '=', requestedAt.getTime())
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}

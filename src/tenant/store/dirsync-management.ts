/**
 * Store side of DirSync management: the "Sync now" request (one row per tenant, replaced by each
 * request; the agent marks the one it answers running, then done), the deletes the last blocked
 * directory cycle held back (replaced by every directory run report), and an agent's sign-off.
 */
import { toDate } from './dialect.js';
import type { PendingDeleteRecord, SyncRequestRecord } from './ports.js';
import type { RepoContext } from './repo-context.js';
import type { SyncNowOutcome, SyncMode } from '../api/dirsync-manage-contract.js';

export async function requestSync(ctx: RepoContext, mode: SyncMode, by: string, at: Date): Promise<void> {
  const row = { mode, requested_at: at.getTime(), requested_by: by, agent_id: null, started_at: null, finished_at: null, run_id: null, outcome: null };
  await ctx.db.insertInto('sync_requests').values({ tenant_id: ctx.tenantId, ...row })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet(row))
    .execute();
}

export async function getSyncRequest(ctx: RepoContext): Promise<SyncRequestRecord | null> {
  const row = await ctx.db.selectFrom('sync_requests').selectAll().where('tenant_id', '=', ctx.tenantId).executeTakeFirst();
  if (!row) return null;
  return {
    mode: row.mode as SyncMode,
    requestedAt: toDate(row.requested_at),
    requestedBy: row.requested_by,
    agentId: row.agent_id,
    startedAt: toDate(row.started_at),
    finishedAt: toDate(row.finished_at),
    runId: row.run_id,
    outcome: row.outcome as SyncNowOutcome | null,
  };
}

/**
 * Records the agent's progress on the request made at `requestedAt`, unless a newer request
 * replaced it, it is already done, or another agent took it. Returns whether it was recorded.
 */
export async function markSyncRequest(
  ctx: RepoContext, requestedAt: Date, agentId: string,
  update: { state: 'running'; at: Date } | { state: 'done'; at: Date; runId: string | null; outcome: SyncNowOutcome },
): Promise<boolean> {
  const set = update.state === 'running'
    ? { agent_id: agentId, started_at: update.at.getTime() }
    : { agent_id: agentId, finished_at: update.at.getTime(), run_id: update.runId, outcome: update.outcome };
  const result = await ctx.db.updateTable('sync_requests').set(set)
    .where('tenant_id', '=', ctx.tenantId).where('requested_at', '=', requestedAt.getTime()).where('finished_at', 'is', null)
    // Only the agent that took it answers it: a late report from an agent presumed dead changes nothing.
    .where((eb) => eb.or([eb('agent_id', 'is', null), eb('agent_id', '=', agentId)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Replaces the held-back deletes with those of this run (none: the list empties). */
export async function replacePendingDeletes(ctx: RepoContext, runId: string, items: Array<{ kind: 'user' | 'group'; anchor: string; dn: string }>): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('pending_deletes').where('tenant_id', '=', ctx.tenantId).execute();
    const unique = [...new Map(items.map((item) => [item.anchor, item])).values()];
    // 5 columns a row: 500 rows stay far below both databases' bound-parameter limits.
    for (let i = 0; i < unique.length; i += 500) {
      await trx.insertInto('pending_deletes')
        .values(unique.slice(i, i + 500).map((item) => ({ tenant_id: ctx.tenantId, anchor: item.anchor, kind: item.kind, dn: item.dn, run_id: runId })))
        .execute();
    }
  });
}

/** The held-back deletes with the name and UPN the tenant holds for each, ordered by kind, then name. */
export async function listPendingDeletes(ctx: RepoContext): Promise<PendingDeleteRecord[]> {
  const rows = await ctx.db.selectFrom('pending_deletes as p')
    .leftJoin('users as u', (join) => join.onRef('u.tenant_id', '=', 'p.tenant_id').onRef('u.anchor', '=', 'p.anchor'))
    .leftJoin('groups as g', (join) => join.onRef('g.tenant_id', '=', 'p.tenant_id').onRef('g.anchor', '=', 'p.anchor'))
    .select(['p.anchor', 'p.kind', 'p.dn', 'u.display_name', 'u.upn', 'g.name'])
    .where('p.tenant_id', '=', ctx.tenantId)
    .execute();
  const items = rows.map((row) => ({
    anchor: row.anchor,
    kind: row.kind as 'user' | 'group',
    dn: row.dn,
    displayName: row.kind === 'user' ? (row.display_name ?? row.upn ?? null) : (row.name ?? null),
    userPrincipalName: row.kind === 'user' ? (row.upn ?? null) : null,
  }));
  // Sorted here, so both databases give the same order whatever their collation.
  return items.sort((a, b) => a.kind.localeCompare(b.kind) || (a.displayName ?? a.dn).toLowerCase().localeCompare((b.displayName ?? b.dn).toLowerCase()) || a.anchor.localeCompare(b.anchor));
}

/** A graceful stop: the agent is offline at once and frees the lease, so a standby takes over now. */
export async function signOffAgent(ctx: RepoContext, agentId: string, at: Date): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('agents').set({ signed_off_at: at.getTime(), password_progress: null, directory_progress: null })
      .where('tenant_id', '=', ctx.tenantId).where('id', '=', agentId).execute();
    await trx.deleteFrom('agent_lease').where('tenant_id', '=', ctx.tenantId).where('agent_id', '=', agentId).execute();
  });
}

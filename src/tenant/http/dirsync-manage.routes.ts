/**
 * DirSync management (issue 15): "Sync now" (delta or full) reaches the agent the way a password
 * reconciliation does, through the settings its next heartbeat reads; the agent marks the request
 * running, then done. The deletes a blocked cycle held back are listed by name before an admin
 * allows them. A gracefully stopping agent signs off, so it shows as offline at once.
 */
import { AppError } from '../../shared/errors.js';
import {
  agentSyncRequestReport, syncNowRequest,
  type PendingDeletesView, type SyncNowView,
} from '../api/dirsync-manage-contract.js';
import { pendingDeletesOf } from '../domain/status.js';
import { syncRequestStateOf } from '../domain/sync-request-state.js';
import type { SyncRequestRecord, TenantRepository } from '../store/ports.js';
import { adminOf, agentOf } from './auth.plugin.js';
import type { TenantAppContext } from './context.js';
import { route, type RouteSpec } from './route.js';

async function syncNowView(repo: TenantRepository, record: SyncRequestRecord | null): Promise<SyncNowView> {
  if (!record) return { status: 'none', interruption: null, mode: null, requestedAt: null, requestedBy: null, startedAt: null, finishedAt: null, outcome: null, agentHost: null };
  // The same agent states as the agents list, so "running" never outlives the agent that runs it.
  const agents = record.agentId ? await repo.listAgents() : [];
  const agent = agents.find((a) => a.id === record.agentId) ?? null;
  const { status, interruption } = syncRequestStateOf(record, agent && { state: agent.state ?? 'offline', holdsLease: agent.active }, agents.some((a) => a.active && a.id !== record.agentId));
  return {
    status,
    interruption,
    mode: record.mode,
    requestedAt: record.requestedAt.toISOString(),
    requestedBy: record.requestedBy,
    startedAt: record.startedAt?.toISOString() ?? null,
    finishedAt: record.finishedAt?.toISOString() ?? null,
    outcome: record.outcome,
    agentHost: agent?.host ?? null,
  };
}

export function dirsyncManageRoutes(ctx: TenantAppContext): RouteSpec[] {
  const { repo, clock } = ctx;
  return [
    route({
      method: 'POST', url: '/api/v1/dirsync/sync-now', tag: 'dirsync', auth: 'global_admin', body: syncNowRequest, status: 202,
      summary: 'Sync now: ask the active agent for a directory cycle (delta or full) followed by a password cycle; it starts at the agent\'s next heartbeat. Audited.',
      handler: async ({ req, body }): Promise<SyncNowView> => {
        const admin = adminOf(req);
        const now = clock.now();
        const settings = await repo.getSettings();
        if (!settings.directorySyncEnabled) {
          throw new AppError('SYNC_NOW_UNAVAILABLE', { message: 'Directory sync is switched off for this tenant, so the agent would not run the cycle.' });
        }
        await repo.requestSync(body.mode, admin.username, now);
        await repo.audit({ actor: admin.username, action: 'sync.requested', details: { mode: body.mode }, at: now });
        return syncNowView(repo, await repo.getSyncRequest());
      },
    }),
    route({
      method: 'GET', url: '/api/v1/dirsync/sync-now', tag: 'dirsync', auth: 'admin',
      summary: 'The last "Sync now" request: requested (waiting for the agent\'s heartbeat), running, or done with its outcome.',
      handler: async (): Promise<SyncNowView> => syncNowView(repo, await repo.getSyncRequest()),
    }),
    route({
      method: 'GET', url: '/api/v1/dirsync/pending-deletes', tag: 'dirsync', auth: 'admin',
      summary: 'The deletes the last directory cycle held back (delete threshold), by name: display name, UPN or DN, kind.',
      handler: async (): Promise<PendingDeletesView> => {
        const last = await repo.lastRun('directory');
        const total = last?.outcome === 'blocked' ? (pendingDeletesOf(last) ?? 0) : 0;
        return { total, items: total > 0 ? await repo.listPendingDeletes() : [] };
      },
    }),
    route({
      method: 'POST', url: '/api/v1/agent/sync-request', tag: 'agent', auth: 'agent', body: agentSyncRequestReport,
      summary: 'The agent took an admin\'s "Sync now" request (running) or finished it (done, with the run and its outcome).',
      handler: async ({ req, body }): Promise<{ recorded: boolean }> => {
        const agent = agentOf(req);
        const now = clock.now();
        const recorded = await repo.markSyncRequest(new Date(body.requestedAt), agent.id, body.state === 'running'
          ? { state: 'running', at: now }
          : { state: 'done', at: now, runId: body.runId, outcome: body.outcome });
        return { recorded };
      },
    }),
    route({
      method: 'POST', url: '/api/v1/agent/sign-off', tag: 'agent', auth: 'agent', status: 204,
      summary: 'A gracefully stopping agent signs off: it shows as offline at once and frees the active lease for a standby. Audited.',
      handler: async ({ req }) => {
        const agent = agentOf(req);
        const now = clock.now();
        await repo.signOffAgent(agent.id, now);
        await repo.audit({ actor: `agent:${agent.id}`, action: 'agent.signed_off', details: { agentId: agent.id, host: agent.host }, at: now });
        req.log.info({ agentId: agent.id, host: agent.host }, 'agent signed off');
      },
    }),
  ];
}

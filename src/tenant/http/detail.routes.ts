/**
 * The detail views of the admin center: one user, one group and its members, and the sync
 * history with the runs in progress. Read-only, for every admin role; never any hash material.
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../shared/errors.js';
import type { Page } from '../api/contract.js';
import { pagedQuery, type GroupDetail, type GroupMemberView, type RunningSync, type SyncHistory, type SyncRunView, type UserDetail } from '../api/detail-contract.js';
import type { SyncRunRecord } from '../store/ports.js';
import type { TenantAppContext } from './context.js';
import { route, type RouteSpec } from './route.js';

/** The `{id}` of the path: an object's anchor, URL-encoded by the caller (a DN anchor has commas and equals signs). */
function idOf(req: FastifyRequest): string {
  const id = (req.params as { id?: unknown }).id;
  if (typeof id !== 'string' || id.length === 0 || id.length > 512) {
    throw new AppError('REQUEST_INVALID', { message: 'The request path is invalid: id: must be an object id of 1 to 512 characters.', details: { in: 'path', fields: ['id'] }, params: { fields: 'id' } });
  }
  return id;
}

const count = (counts: Record<string, number>, key: string): number => counts[key] ?? 0;

export function runView(run: SyncRunRecord): SyncRunView {
  const password = run.kind === 'password';
  return {
    id: run.id,
    kind: run.kind,
    mode: run.mode,
    outcome: run.outcome,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt.toISOString(),
    durationMs: Math.max(0, run.finishedAt.getTime() - run.startedAt.getTime()),
    // A password run's "updated" are verifiers restored from the agent's record, its "deleted" those cleared.
    counts: password
      ? { added: 0, updated: count(run.counts, 'restored'), deleted: count(run.counts, 'cleared'), derived: count(run.counts, 'derived'), errors: count(run.counts, 'errors') }
      : { added: count(run.counts, 'added'), updated: count(run.counts, 'updated'), deleted: count(run.counts, 'deleted'), derived: 0, errors: count(run.counts, 'errors') },
    errorCode: run.errorCode,
    errorMessage: run.errorMessage,
    errorParams: run.errorParams ?? null,
    agentId: run.agentId,
  };
}

export function detailRoutes(ctx: TenantAppContext): RouteSpec[] {
  const { repo, clock } = ctx;
  return [
    route({
      method: 'GET', url: '/api/v1/users/:id', tag: 'directory', auth: 'admin',
      summary: 'One user by id (anchor, URL-encoded): source DN, anchor, attributes as synced, groups, enabled, password sync state, sync errors and history. 404 USER_NOT_FOUND for an unknown id. Never any hash or verifier data.',
      handler: async ({ req }): Promise<UserDetail> => {
        const id = idOf(req);
        const user = await repo.getUserDetail(id);
        if (!user) throw new AppError('USER_NOT_FOUND', { details: { id } });
        return user;
      },
    }),
    route({
      method: 'GET', url: '/api/v1/groups/:id', tag: 'directory', auth: 'admin',
      summary: 'One group by id (anchor, URL-encoded): DN, name, description, mail, member count and the groups it is a member of. 404 GROUP_NOT_FOUND for an unknown id.',
      handler: async ({ req }): Promise<GroupDetail> => {
        const id = idOf(req);
        const group = await repo.getGroupDetail(id);
        if (!group) throw new AppError('GROUP_NOT_FOUND', { details: { id } });
        return group;
      },
    }),
    route({
      method: 'GET', url: '/api/v1/groups/:id/members', tag: 'directory', auth: 'admin', query: pagedQuery,
      summary: 'The direct members of a group, paged: users, nested groups, and members listed but not synchronized (kind unknown). 404 GROUP_NOT_FOUND for an unknown id.',
      handler: async ({ req, query }): Promise<Page<GroupMemberView>> => {
        const id = idOf(req);
        const [group, members] = await Promise.all([repo.getGroupDetail(id), repo.listGroupMembers(id, query)]);
        if (!group) throw new AppError('GROUP_NOT_FOUND', { details: { id } });
        return members;
      },
    }),
    route({
      method: 'GET', url: '/api/v1/sync-runs', tag: 'dirsync', auth: 'admin', query: pagedQuery,
      summary: 'Sync history: every directory and password run with mode, start, duration, counts and error, newest first, paged; and the runs in progress on live agents (objects and passwords done, of how many, ETA).',
      handler: async ({ query }): Promise<SyncHistory> => {
        const [runs, agents] = await Promise.all([repo.listRunsPage(query), repo.listAgents()]);
        const silentBefore = clock.now().getTime() - ctx.agentSilentAfterMinutes * 60_000;
        // An agent that stopped mid-run leaves its last progress behind: only a live agent's counts.
        const running: RunningSync[] = agents
          .filter((a) => !a.revokedAt && a.lastHeartbeat !== null && Date.parse(a.lastHeartbeat) >= silentBefore && (a.directoryProgress || a.passwordProgress))
          .map((a) => ({ agentId: a.id, host: a.host, directory: a.directoryProgress ?? null, password: a.passwordProgress ?? null }));
        return { items: runs.items.map(runView), total: runs.total, page: query.page, pageSize: query.pageSize, running };
      },
    }),
  ];
}

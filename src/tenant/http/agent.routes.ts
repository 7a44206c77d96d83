/**
 * The agent API: registration with a one-time token, heartbeats (which also hand out the
 * settings and the active-agent lease), object and password batches, and run reports.
 */
import { verifierProblem } from '../../passwords/index.js';
import { AppError } from '../../shared/errors.js';
import { newId, newSecret, sha256Hex } from '../../shared/ids.js';
import {
  agentHeartbeatRequest, agentRegisterRequest, objectBatchRequest, passwordBatchRequest, syncRunReport, syncedObjectsQuery, cyclePreviewReport,
  type AgentRegisterResponse, type AgentSettings, type BatchResult, type SyncedObjectsPage, type SyncedVerifiersPage,
} from '../api/contract.js';
import { PENDING_DELETES_COUNT } from '../domain/status.js';
import type { AgentRecord, NewSyncError, TenantRepository } from '../store/ports.js';
import { agentOf } from './auth.plugin.js';
import { AGENT_CREDENTIAL_TTL_MS } from './lifecycle.routes.js';
import type { TenantAppContext } from './context.js';
import { route, type RouteSpec } from './route.js';

/** Default seconds the active-agent lease lasts without a heartbeat; a standby takes over after that. */
export const LEASE_TTL_SECONDS = 60;
/** A batch holds up to 5000 changes; a group may list many members. */
const BATCH_BODY_LIMIT = 64 * 1024 * 1024;

/** Renew when a seventh of the credential's life has passed (a day of a week): six days to retry. */
function renewAtOf(agent: AgentRecord, ttlMs: number): string | null {
  if (!agent.credentialExpiresAt) return null;
  return new Date(agent.credentialExpiresAt.getTime() - ttlMs + Math.floor(ttlMs / 7)).toISOString();
}

export async function agentSettings(repo: TenantRepository, agent: AgentRecord, now: Date, leaseTtlSeconds = LEASE_TTL_SECONDS, credentialTtlMs = AGENT_CREDENTIAL_TTL_MS): Promise<AgentSettings> {
  const [settings, active, preview, syncRequest] = await Promise.all([repo.getSettings(), repo.acquireLease(agent.id, now, leaseTtlSeconds), repo.getPreview(), repo.getSyncRequest()]);
  return {
    directorySyncEnabled: settings.directorySyncEnabled,
    passwordSyncEnabled: settings.passwordSyncEnabled,
    kdfParams: settings.kdfParams,
    deleteThreshold: settings.deleteThreshold,
    deleteThresholdPercent: settings.deleteThresholdPercent,
    allowedDeletes: settings.allowedDeletes,
    active,
    previewRequestedAt: preview && !preview.completedAt ? preview.requestedAt.toISOString() : null,
    passwordEpoch: settings.passwordEpoch,
    passwordReconcileRequestedAt: settings.passwordReconcileRequestedAt?.toISOString() ?? null,
    credentialExpiresAt: agent.credentialExpiresAt?.toISOString() ?? null,
    credentialRenewAt: renewAtOf(agent, credentialTtlMs),
    // A request another agent took is not handed to this one: the other agent's crash shows as interrupted, not re-run.
    syncRequest: syncRequest && !syncRequest.finishedAt && (syncRequest.agentId === null || syncRequest.agentId === agent.id) ? { requestedAt: syncRequest.requestedAt.toISOString(), mode: syncRequest.mode } : null,
  };
}

export function agentRoutes(ctx: TenantAppContext): RouteSpec[] {
  const { repo, clock } = ctx;
  // Only the agent holding the lease exports: two agents writing at once could undo each other.
  const activeAgentOf = async (req: Parameters<typeof agentOf>[0]): Promise<AgentRecord> => {
    const agent = agentOf(req);
    if (!(await repo.acquireLease(agent.id, clock.now(), ctx.leaseTtlSeconds))) throw new AppError('AGENT_NOT_ACTIVE');
    return agent;
  };
  return [
    route({
      method: 'POST', url: '/api/v1/agent/register', tag: 'agent', auth: 'none', body: agentRegisterRequest, status: 201,
      summary: 'Register an agent with a one-time registration token; returns its credential once.',
      handler: async ({ body, req }): Promise<AgentRegisterResponse> => {
        if ((body.agentId === undefined) !== (body.credentialHash === undefined)) {
          throw new AppError('REQUEST_INVALID', { message: 'agentId and credentialHash come together: send both or neither.' });
        }
        const now = clock.now();
        // An agent that generated its own identity keeps its secret; otherwise the tenant makes one.
        const agentId = body.agentId ?? newId();
        const secret = body.credentialHash ? null : newSecret(32);
        const redeemed = await repo.redeemRegistrationToken(sha256Hex(body.registrationToken), now, {
          id: agentId, host: body.host, version: body.version, credentialHash: body.credentialHash ?? sha256Hex(secret!), createdAt: now,
          credentialExpiresAt: new Date(now.getTime() + ctx.agentCredentialTtlMs),
        });
        if (!redeemed) throw new AppError('REGISTRATION_TOKEN_INVALID');
        if ('usedByAnother' in redeemed) {
          const by = redeemed.usedByAnother.host;
          req.log.warn({ host: body.host, registeredHost: by }, 'agent registration refused: the token was used by another agent');
          throw new AppError('REGISTRATION_TOKEN_USED', {
            message: `This registration token was already used by another agent${by ? ` (host ${by})` : ''}; a token registers one agent only.`,
            ...(by ? { details: { registeredHost: by } } : {}),
          });
        }
        const { agent, replayed } = redeemed;
        if (replayed) {
          req.log.info({ agentId: agent.id, host: agent.host }, 'agent registration repeated (its first answer was lost); nothing new created');
        } else {
          await repo.audit({ actor: `agent:${agent.id}`, action: 'agent.registered', details: { agentId: agent.id, host: agent.host, version: agent.version }, at: now });
          req.log.info({ agentId: agent.id, host: agent.host }, 'agent registered');
        }
        return secret === null ? { agentId: agent.id } : { agentId: agent.id, credential: `${agent.id}.${secret}` };
      },
    }),
    route({
      method: 'POST', url: '/api/v1/agent/heartbeat', tag: 'agent', auth: 'agent', body: agentHeartbeatRequest,
      summary: 'Heartbeat: records host, version and source; returns the settings and whether this agent holds the active lease.',
      handler: async ({ body, req }): Promise<AgentSettings> => {
        const agent = agentOf(req);
        const now = clock.now();
        await repo.recordHeartbeat(agent.id, now, body);
        return agentSettings(repo, agent, now, ctx.leaseTtlSeconds, ctx.agentCredentialTtlMs);
      },
    }),
    route({
      method: 'GET', url: '/api/v1/agent/settings', tag: 'agent', auth: 'agent',
      summary: 'The settings the agent obeys (password sync on/off, KDF parameters, delete threshold, allowed deletes).',
      handler: async ({ req }): Promise<AgentSettings> => agentSettings(repo, agentOf(req), clock.now(), ctx.leaseTtlSeconds, ctx.agentCredentialTtlMs),
    }),
    route({
      method: 'GET', url: '/api/v1/agent/objects', tag: 'agent', auth: 'agent', query: syncedObjectsQuery,
      summary: 'The objects synced from the directory (anchor, kind, DN, fingerprint of what the tenant holds), ordered by anchor and paged; a full cycle reconciles the directory with it.',
      handler: async ({ query }): Promise<SyncedObjectsPage> => {
        const items = await repo.listSyncedObjects(query.after, query.limit);
        return { items, next: items.length === query.limit ? items[items.length - 1]!.anchor : null };
      },
    }),
    route({
      method: 'GET', url: '/api/v1/agent/verifiers', tag: 'agent', auth: 'agent', query: syncedObjectsQuery,
      summary: 'The users holding a synced verifier (anchor, and the agent\'s keyed fingerprint it was sent with), ordered by anchor and paged; a password reconciliation compares the directory with it.',
      handler: async ({ query }): Promise<SyncedVerifiersPage> => {
        const items = await repo.listVerifierFingerprints(query.after, query.limit);
        return { items, next: items.length === query.limit ? items[items.length - 1]!.anchor : null };
      },
    }),
    route({
      method: 'POST', url: '/api/v1/agent/batches/objects', tag: 'agent', auth: 'agent', body: objectBatchRequest, bodyLimit: BATCH_BODY_LIMIT,
      summary: 'Apply a batch of object changes all-or-nothing; a batch id seen before changes nothing (duplicate: true).',
      handler: async ({ body, req }): Promise<BatchResult> => {
        const agent = await activeAgentOf(req);
        const result = await repo.applyObjectBatch(body.batchId, agent.id, body.changes, clock.now());
        req.log.info({ batchId: body.batchId, changes: body.changes.length, applied: result.applied, errors: result.errors.length, duplicate: result.duplicate }, 'object batch');
        return { batchId: body.batchId, duplicate: result.duplicate, applied: result.applied, errors: result.errors };
      },
    }),
    route({
      method: 'POST', url: '/api/v1/agent/batches/passwords', tag: 'agent', auth: 'agent', body: passwordBatchRequest, bodyLimit: BATCH_BODY_LIMIT,
      summary: 'Apply a batch of password verifiers (set), removals (clear) and per-user errors; only clear is accepted while password sync is off.',
      handler: async ({ body, req }): Promise<BatchResult> => {
        const agent = await activeAgentOf(req);
        const settings = await repo.getSettings();
        if (!settings.passwordSyncEnabled) {
          const refused = body.items.filter((item) => item.op !== 'clear').length;
          if (refused > 0) {
            throw new AppError('PASSWORD_SYNC_DISABLED', {
              message: `Password sync is switched off for this tenant; the batch holds ${refused} item(s) other than 'clear'. Nothing was applied.`,
              details: { batchId: body.batchId, refusedItems: refused },
            });
          }
        }
        for (const item of body.items) {
          if (item.op !== 'set') continue;
          for (const verifier of item.verifiers) {
            const problem = verifierProblem(verifier, settings.kdfParams);
            if (problem !== null) {
              throw new AppError('PASSWORD_VERIFIER_REJECTED', {
                message: `The verifier for ${item.anchor} was refused: ${problem}. Nothing was applied.`,
                details: { batchId: body.batchId, anchor: item.anchor },
              });
            }
          }
        }
        const result = await repo.applyPasswordBatch(body.batchId, agent.id, body.items, clock.now());
        req.log.info({ batchId: body.batchId, items: body.items.length, applied: result.applied, errors: result.errors.length, duplicate: result.duplicate }, 'password batch');
        return { batchId: body.batchId, duplicate: result.duplicate, applied: result.applied, errors: result.errors };
      },
    }),
    route({
      method: 'POST', url: '/api/v1/agent/preview', tag: 'agent', auth: 'agent', body: cyclePreviewReport, bodyLimit: BATCH_BODY_LIMIT,
      summary: 'Answer a preview request with what the next cycle would add, update and delete (a dry run: nothing was exported).',
      handler: async ({ body }): Promise<{ stored: boolean }> => ({ stored: await repo.savePreview(new Date(body.requestedAt), body.result, clock.now()) }),
    }),
    route({
      method: 'POST', url: '/api/v1/agent/runs', tag: 'agent', auth: 'agent', body: syncRunReport, bodyLimit: BATCH_BODY_LIMIT,
      summary: 'Report a finished (or failed, or blocked) sync cycle with its counts and per-object errors.',
      handler: async ({ body, req }): Promise<{ runId: string; recorded: true }> => {
        const agent = agentOf(req);
        const counts: Record<string, number> = { ...body.counts };
        // The run record has no column of its own for held-back deletes; the status reads it from the counts.
        if (body.pendingDeletes !== undefined) counts[PENDING_DELETES_COUNT] = body.pendingDeletes;
        const agentErrors: NewSyncError[] = body.objectErrors.map((error) => ({ ...error, origin: 'agent', runKind: body.kind }));
        await repo.recordRun({
          id: body.runId, agentId: agent.id, kind: body.kind, mode: body.mode ?? null,
          startedAt: new Date(body.startedAt), finishedAt: new Date(body.finishedAt), outcome: body.outcome,
          counts, errorCode: body.errorCode, errorMessage: body.errorMessage, errorParams: body.errorParams ?? null,
        }, agentErrors);
        // The deletes held back, by name: a blocked cycle names them, one that ran through leaves none.
        if (body.kind === 'directory' && body.outcome !== 'failed') await repo.replacePendingDeletes(body.runId, body.outcome === 'blocked' ? (body.heldDeletes ?? []) : []);
        // A directory cycle that ran through has used the deletes an admin allowed once.
        if (body.kind === 'directory' && (body.outcome === 'success' || body.outcome === 'partial')) {
          const settings = await repo.getSettings();
          if (settings.allowedDeletes > 0) await repo.updateSettings({ allowedDeletes: 0 });
        }
        ctx.runCounters.increment(body.kind, body.outcome);
        req.log.info({ runId: body.runId, kind: body.kind, outcome: body.outcome, errorCode: body.errorCode }, 'sync run reported');
        return { runId: body.runId, recorded: true };
      },
    }),
  ];
}

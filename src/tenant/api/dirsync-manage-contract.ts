/**
 * Request and response shapes of DirSync management (issue 15): "Sync now" (delta or full), which
 * the agent picks up at its next heartbeat and marks running, then done; the schedule the agent
 * reports; the deletes a blocked cycle held back, listed by name; and the agent's sign-off.
 */
import { z } from 'zod';

const ms = z.number().int().min(0).max(10 * 365 * 24 * 3_600_000);
const at = z.string().datetime().nullable();

/** What the agent reports with each heartbeat: its intervals (ms) and when each cycle runs next. */
export const agentScheduleSchema = z.object({
  heartbeatMs: ms,
  deltaMs: ms,
  fullMs: ms,
  passwordMs: ms,
  passwordReconcileMs: ms,
  nextDeltaAt: at,
  nextFullAt: at,
  nextPasswordAt: at,
  nextPasswordReconcileAt: at,
}).strict();
export type AgentSchedule = z.infer<typeof agentScheduleSchema>;

export type SyncMode = 'delta' | 'full';

/** POST /api/v1/dirsync/sync-now (global admin) */
export const syncNowRequest = z.object({ mode: z.enum(['delta', 'full']) }).strict();

/**
 * Outcome of a requested cycle; `skipped` when the agent ran nothing (directory sync switched off, not the active agent);
 * `interrupted` when the agent that took it was killed and, restarted, closed it.
 */
export type SyncNowOutcome = 'success' | 'partial' | 'failed' | 'blocked' | 'skipped' | 'interrupted';

/** Where a request is; `interrupted` when the agent that took it died or lost the active lease before it finished. */
export type SyncNowStatus = 'none' | 'requested' | 'running' | 'done' | 'interrupted';
/** Why a request was interrupted (a code the admin center shows in the admin's language). */
export type SyncNowInterruption = 'AGENT_OFFLINE' | 'LEASE_TAKEN_OVER' | 'AGENT_RESTARTED';

/** GET/POST /api/v1/dirsync/sync-now: the last "Sync now" request and how far it got. */
export interface SyncNowView {
  status: SyncNowStatus;
  /** Set when status is `interrupted`. */
  interruption: SyncNowInterruption | null;
  mode: SyncMode | null;
  requestedAt: string | null;
  requestedBy: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  outcome: SyncNowOutcome | null;
  /** The host of the agent that took the request. */
  agentHost: string | null;
}

/** POST /api/v1/agent/sync-request: the agent took the request (running) or finished it (done). */
export const agentSyncRequestReport = z.discriminatedUnion('state', [
  z.object({ state: z.literal('running'), requestedAt: z.string().datetime() }).strict(),
  z.object({
    state: z.literal('done'),
    requestedAt: z.string().datetime(),
    runId: z.string().min(8).max(128).nullable(),
    outcome: z.enum(['success', 'partial', 'failed', 'blocked', 'skipped', 'interrupted']),
  }).strict(),
]);
export type AgentSyncRequestReport = z.infer<typeof agentSyncRequestReport>;

/** At most this many held-back deletes are named; the count is always complete. */
export const HELD_DELETES_LISTED = 5000;

/** One object a blocked directory cycle held back, as the run report names it. */
export const heldDeleteSchema = z.object({ kind: z.enum(['user', 'group']), anchor: z.string().min(1).max(512), dn: z.string().max(4096) }).strict();

/** GET /api/v1/dirsync/pending-deletes: what an admin allows, by name, before allowing it. */
export interface PendingDeleteView {
  anchor: string;
  kind: 'user' | 'group';
  dn: string;
  /** Display name (users) or name (groups) as the tenant holds it; null when the tenant no longer has the object. */
  displayName: string | null;
  /** Users only. */
  userPrincipalName: string | null;
}
export interface PendingDeletesView {
  /** The count the last blocked cycle held back (may exceed the names listed). */
  total: number;
  items: PendingDeleteView[];
}

/** How an agent is doing: `offline` once it signed off or missed its heartbeats. */
export type AgentState = 'active' | 'standby' | 'offline' | 'revoked';

/**
 * Whether an admin's "Sync now" request is still running. A request the agent marked running is
 * only running while that agent is alive and the active one: an agent killed mid-request never
 * reports "done", so without this the request would show "running" forever.
 */
import type { AgentState, SyncNowInterruption, SyncNowStatus } from '../api/dirsync-manage-contract.js';

export interface SyncRequestProgress {
  agentId: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  outcome: string | null;
}

/** The agent that took the request, as the agents list shows it; null when it no longer exists. */
export interface RequestTaker {
  state: AgentState;
  holdsLease: boolean;
}

export function syncRequestStateOf(
  request: SyncRequestProgress, taker: RequestTaker | null, leaseHeldByAnother: boolean,
): { status: SyncNowStatus; interruption: SyncNowInterruption | null } {
  // The agent that took it restarted and closed it (it does not re-run it: see Agent.answerSyncRequest).
  if (request.finishedAt) return request.outcome === 'interrupted' ? { status: 'interrupted', interruption: 'AGENT_RESTARTED' } : { status: 'done', interruption: null };
  if (!request.startedAt) return { status: 'requested', interruption: null };
  if (!taker || taker.state === 'offline' || taker.state === 'revoked') return { status: 'interrupted', interruption: 'AGENT_OFFLINE' };
  if (!taker.holdsLease && leaseHeldByAnother) return { status: 'interrupted', interruption: 'LEASE_TAKEN_OVER' };
  return { status: 'running', interruption: null };
}

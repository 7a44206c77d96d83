/**
 * Whether an agent is active, standby, offline or revoked, as the admin center shows it. An agent
 * that stopped gracefully signed off, so it is offline at once; one that died is offline once it
 * missed a few heartbeats of its own reported interval, long before the lease (60 s) or the
 * "agent silent" warning (minutes) give up on it.
 */
import type { AgentState } from '../api/dirsync-manage-contract.js';

/** Heartbeats an agent may miss before it shows as offline. */
export const MISSED_HEARTBEATS_OFFLINE = 3;
/** Never sooner than this: a busy event loop or a slow store may delay one heartbeat. */
export const MIN_OFFLINE_AFTER_MS = 10_000;
/** For an agent that never reported its interval (older agents): the lease's lifetime. */
export const DEFAULT_OFFLINE_AFTER_MS = 60_000;

export interface AgentLiveness {
  revokedAt: Date | null;
  signedOffAt: Date | null;
  lastHeartbeat: Date | null;
  /** The heartbeat interval the agent reported; null when unknown. */
  heartbeatMs: number | null;
  /** Whether it holds an unexpired lease. */
  holdsLease: boolean;
}

/** How long after its last heartbeat an agent counts as offline. */
export function offlineAfterMs(heartbeatMs: number | null): number {
  if (heartbeatMs === null || heartbeatMs <= 0) return DEFAULT_OFFLINE_AFTER_MS;
  return Math.max(MIN_OFFLINE_AFTER_MS, MISSED_HEARTBEATS_OFFLINE * heartbeatMs);
}

export function agentStateOf(agent: AgentLiveness, now: Date): AgentState {
  if (agent.revokedAt) return 'revoked';
  if (agent.signedOffAt) return 'offline';
  if (!agent.lastHeartbeat || now.getTime() - agent.lastHeartbeat.getTime() > offlineAfterMs(agent.heartbeatMs)) return 'offline';
  return agent.holdsLease ? 'active' : 'standby';
}

import { describe, expect, it } from 'vitest';
import { agentStateOf, offlineAfterMs, type AgentLiveness } from './agent-state.js';

const now = new Date('2026-12-02T10:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const base: AgentLiveness = { revokedAt: null, signedOffAt: null, lastHeartbeat: ago(1000), heartbeatMs: 5000, holdsLease: true };

describe('agentStateOf', () => {
  it.each<[string, Partial<AgentLiveness>, ReturnType<typeof agentStateOf>]>([
    ['heartbeating with the lease', {}, 'active'],
    ['heartbeating without the lease', { holdsLease: false }, 'standby'],
    ['signed off, though the lease has not run out', { signedOffAt: ago(500) }, 'offline'],
    ['three missed heartbeats of 5 s (15 s)', { lastHeartbeat: ago(15_001) }, 'offline'],
    ['two missed heartbeats of 5 s', { lastHeartbeat: ago(10_500) }, 'active'],
    ['a 1 s heartbeat missed for 9 s (the 10 s floor)', { heartbeatMs: 1000, lastHeartbeat: ago(9000) }, 'active'],
    ['a 1 s heartbeat missed for 11 s', { heartbeatMs: 1000, lastHeartbeat: ago(11_000) }, 'offline'],
    ['no reported interval, 50 s silent', { heartbeatMs: null, lastHeartbeat: ago(50_000) }, 'active'],
    ['no reported interval, 61 s silent', { heartbeatMs: null, lastHeartbeat: ago(61_000) }, 'offline'],
    ['never heartbeated', { lastHeartbeat: null }, 'offline'],
    ['revoked (whatever else)', { revokedAt: ago(1), signedOffAt: ago(1) }, 'revoked'],
  ])('%s', (_name, patch, state) => {
    expect(agentStateOf({ ...base, ...patch }, now)).toBe(state);
  });

  it('waits three heartbeats, never less than 10 s, and a minute when the interval is unknown', () => {
    expect(offlineAfterMs(5000)).toBe(15_000);
    expect(offlineAfterMs(1000)).toBe(10_000);
    expect(offlineAfterMs(null)).toBe(60_000);
  });
});

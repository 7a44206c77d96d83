import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import type { TroubleshooterCheck } from '../api/contract.js';
import type { SyncRunRecord } from '../store/ports.js';
import type { StatusAgent } from './status.js';
import { explainErrorCode, runTroubleshooter, type TroubleshooterInput } from './troubleshooter.js';

const clock = fixedClock('2026-11-25T12:00:00.000Z');
const HOUR = 3_600_000;
const ago = (ms: number): Date => new Date(clock.now().getTime() - ms);

function run(kind: 'directory' | 'password', age: number, outcome: SyncRunRecord['outcome'] = 'success', extra: Partial<SyncRunRecord> = {}): SyncRunRecord {
  const at = ago(age);
  return { id: `r-${kind}-${age}`, agentId: 'a1', kind, mode: 'delta', startedAt: at, finishedAt: at, outcome, counts: {}, errorCode: null, errorMessage: null, ...extra };
}
const agent = (over: Partial<StatusAgent> = {}): StatusAgent => ({
  id: 'a1', host: 'dc1.example.org', version: '0.1.0', lastHeartbeat: ago(30_000).toISOString(), active: true, source: null, syncAccount: null, tlsVerificationDisabled: false, ...over,
});

function healthy(over: Partial<TroubleshooterInput> = {}): TroubleshooterInput {
  const dir = run('directory', HOUR);
  const pw = run('password', HOUR);
  return {
    settings: { directorySyncEnabled: true, passwordSyncEnabled: true, staleAfterHours: 72, deleteThreshold: 500 },
    agents: [agent()], lastSuccessfulDirectoryRun: dir, lastDirectoryRun: dir, lastSuccessfulPasswordRun: pw, lastPasswordRun: pw, syncErrorCount: 0, ...over,
  };
}

function byId(input: TroubleshooterInput): Record<TroubleshooterCheck['id'], TroubleshooterCheck> {
  const report = runTroubleshooter(input, clock.now());
  return Object.fromEntries(report.checks.map((c) => [c.id, c])) as Record<TroubleshooterCheck['id'], TroubleshooterCheck>;
}

describe('runTroubleshooter', () => {
  it('runs every check of the contract, all ok on a healthy tenant, with no action', () => {
    const report = runTroubleshooter(healthy(), clock.now());
    expect(report.ranAt).toBe('2026-11-25T12:00:00.000Z');
    expect(report.checks.map((c) => c.id)).toEqual([
      'agent_heartbeat', 'last_cycle', 'password_sync_enabled', 'password_coverage', 'directory_sync_stale', 'password_sync_stale', 'objects_in_error', 'delete_threshold', 'tls_verification', 'cleartext',
    ]);
    for (const c of report.checks) {
      expect(c.verdict, c.id).toBe('ok');
      expect(c.action, c.id).toBe('');
      expect(c.found.length, c.id).toBeGreaterThan(10);
    }
  });

  it.each([
    ['no agent', { agents: [] }, 'agent_heartbeat', 'error', /No agent is registered/],
    ['silent agent', { agents: [agent({ lastHeartbeat: ago(10 * 60_000).toISOString() })] }, 'agent_heartbeat', 'error', /more than 5 minutes; dc1.example.org last heard from at/],
    ['silent standby', { agents: [agent(), agent({ id: 'a2', host: 'dc2', active: false, lastHeartbeat: null })] }, 'agent_heartbeat', 'warning', /1 of 2 agents.*silent: dc2/],
    ['password sync off', { settings: { directorySyncEnabled: true, passwordSyncEnabled: false, staleAfterHours: 72, deleteThreshold: 500 } }, 'password_sync_enabled', 'warning', /switched off/],
    ['directory sync stale', { lastSuccessfulDirectoryRun: run('directory', 100 * HOUR) }, 'directory_sync_stale', 'warning', /more than three days ago/],
    ['password sync stale', { lastSuccessfulPasswordRun: run('password', 80 * HOUR) }, 'password_sync_stale', 'warning', /last password sync was more than three days ago/],
    ['password sync never ran', { lastSuccessfulPasswordRun: null, lastPasswordRun: null }, 'password_sync_stale', 'warning', /never run/],
    ['objects in error', { syncErrorCount: 3 }, 'objects_in_error', 'warning', /3 objects have sync errors/],
    ['blocked deletes', { lastDirectoryRun: run('directory', 60_000, 'blocked', { counts: { pendingDeletes: 900 } }) }, 'delete_threshold', 'error', /would delete 900 objects, more than the threshold of 500/],
    ['TLS verification off', { agents: [agent({ tlsVerificationDisabled: true })] }, 'tls_verification', 'warning', /switched off on dc1.example.org/],
    ['cleartext allowed', { agents: [agent({ cleartextLinks: ['tenant', 'directory'] })] }, 'cleartext', 'warning', /unencrypted: dc1.example.org \(tenant over http:\/\/, directory over ldap:\/\/ without StartTLS\)/],
  ] as const)('%s', (_what, over, id, verdict, found) => {
    const checks = byId(healthy(over as Partial<TroubleshooterInput>));
    expect(checks[id].verdict).toBe(verdict);
    expect(checks[id].found).toMatch(found);
    expect(checks[id].action.length).toBeGreaterThan(10);
    // the fault shows among the failing checks
    const bad = Object.values(checks).filter((c) => c.verdict !== 'ok').map((c) => c.id);
    expect(bad).toContain(id);
  });

  it.each([
    ['no read right', { PASSWORD_NOT_READABLE: 400 }, 0, 0, 'error', /400 synchronized users have no password in the tenant.*400 users: the sync account cannot read userPassword/, /read access to userPassword/],
    ['mixed causes', { PASSWORD_SCHEME_UNSUPPORTED: 2, PASSWORD_HASH_MALFORMED: 1, PASSWORD_NOT_SET: 1 }, 0, 50, 'warning', /4 synchronized users.*3 users: the hash scheme is unsupported or malformed; 1 user: no password attribute/, /supported scheme.*Set a password/],
    ['AD source', { PASSWORD_SOURCE_NO_HASH_SYNC: 7 }, 0, 0, 'error', /7 users: the directory kind has no password hash sync yet/, /another way to sign in/],
    ['lost behind a cursor', {}, 3, 10, 'warning', /3 users: synchronized before the last password cycle/, /dirbridge sync --full/],
  ] as const)('password coverage: %s', (_what, problemsByCode, unexplained, usersWithPassword, verdict, found, action) => {
    const c = byId(healthy({ passwordCoverage: { problemsByCode, unexplained, usersWithPassword } })).password_coverage;
    expect(c.verdict).toBe(verdict);
    expect(c.found).toMatch(found);
    expect(c.action).toMatch(action);
  });

  it('password coverage is ok when every user has a password, and not judged while password sync is off', () => {
    expect(byId(healthy({ passwordCoverage: { problemsByCode: {}, unexplained: 0, usersWithPassword: 12 } })).password_coverage).toMatchObject({ verdict: 'ok', params: { count: 0, usersWithPassword: 12 } });
    const off = healthy({ settings: { directorySyncEnabled: true, passwordSyncEnabled: false, staleAfterHours: 72, deleteThreshold: 500 }, passwordCoverage: { problemsByCode: { PASSWORD_NOT_READABLE: 5 }, unexplained: 0, usersWithPassword: 0 } });
    expect(byId(off).password_coverage.verdict).toBe('ok');
  });

  it('with password sync off, says the last synced passwords keep working and how to stop that', () => {
    const settings = { directorySyncEnabled: true, passwordSyncEnabled: false, staleAfterHours: 72, deleteThreshold: 500 };
    const kept = byId(healthy({ settings, passwordCoverage: { problemsByCode: {}, unexplained: 0, usersWithPassword: 42 } })).password_sync_enabled;
    expect(kept.verdict).toBe('warning');
    expect(kept.found).toMatch(/passwords synchronized before keep working: 42 users sign in with the password they had when sync stopped/);
    expect(kept.found).not.toMatch(/cannot sign in/);
    expect(kept.action).toMatch(/Remove all synced password hashes/);
    expect(kept.params).toMatchObject({ enabled: 0, usersWithPassword: 42 });
    const none = byId(healthy({ settings, passwordCoverage: { problemsByCode: {}, unexplained: 0, usersWithPassword: 0 } })).password_sync_enabled;
    expect(none.found).toMatch(/no synchronized password is left/);
  });

  it('names the relative delete threshold when a share of the synced objects stopped the cycle', () => {
    const blocked = run('directory', 60_000, 'blocked', { counts: { pendingDeletes: 400, synced: 400 } });
    const c = byId(healthy({ settings: { directorySyncEnabled: true, passwordSyncEnabled: true, staleAfterHours: 72, deleteThreshold: 500, deleteThresholdPercent: 50 }, lastDirectoryRun: blocked })).delete_threshold;
    expect(c.verdict).toBe('error');
    expect(c.found).toMatch(/would delete 400 of 400 synced objects \(100 %\), more than the threshold of 50 %/);
    expect(c.params).toMatchObject({ threshold: 500, thresholdPercent: 50, pendingDeletes: 400, synced: 400 });
    const ok = byId(healthy({ settings: { directorySyncEnabled: true, passwordSyncEnabled: true, staleAfterHours: 72, deleteThreshold: 500, deleteThresholdPercent: 50 } })).delete_threshold;
    expect(ok.found).toMatch(/500 objects or 50 % of the synced objects/);
  });

  it('explains a failed cycle from the error registry: what happened and what to do', () => {
    const failed = run('directory', 60_000, 'failed', { errorCode: 'DIR_BIND_FAILED', errorMessage: 'Invalid credentials (49)' });
    const c = byId(healthy({ lastDirectoryRun: failed })).last_cycle;
    expect(c.verdict).toBe('error');
    expect(c.found).toContain('the source directory rejected the sync account credentials (DIR_BIND_FAILED)');
    expect(c.action).toContain('Check the bind DN and password of the sync account');
    expect(c.params).toMatchObject({ kind: 'directory', errorCode: 'DIR_BIND_FAILED', errorMessage: 'Invalid credentials (49)' });
  });

  it('falls back to the reported message for a code it does not know', () => {
    const failed = run('password', 60_000, 'failed', { errorCode: 'SOMETHING_NEW', errorMessage: 'disk full.' });
    const c = byId(healthy({ lastPasswordRun: failed })).last_cycle;
    expect(c.found).toContain('password sync cycle failed');
    expect(c.found).toContain('disk full (SOMETHING_NEW)');
    expect(c.action).toMatch(/agent log/);
  });

  it('does not check the age of a switched-off sync', () => {
    const checks = byId(healthy({ settings: { directorySyncEnabled: true, passwordSyncEnabled: false, staleAfterHours: 72, deleteThreshold: 500 }, lastSuccessfulPasswordRun: null }));
    expect(checks.password_sync_stale.verdict).toBe('ok');
  });

  it('links the sync errors page', () => {
    expect(byId(healthy({ syncErrorCount: 1 })).objects_in_error.params).toEqual({ count: 1, url: '/sync-errors' });
  });

  it('explainErrorCode knows registry codes only', () => {
    expect(explainErrorCode('DIR_UNREACHABLE')?.what).toBe('The source directory cannot be reached.');
    expect(explainErrorCode('toString')).toBeNull();
    expect(explainErrorCode(null)).toBeNull();
  });
});

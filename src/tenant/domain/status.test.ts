import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import type { SyncRunRecord } from '../store/ports.js';
import { computeDirSyncStatus, describeHours, type DirSyncStatusInput, type StatusAgent } from './status.js';

const NOW = '2026-11-25T12:00:00.000Z';
const HOUR = 3_600_000;
const clock = fixedClock(NOW);
const ago = (ms: number): Date => new Date(clock.now().getTime() - ms);

function run(kind: 'directory' | 'password', finishedAt: Date, outcome: SyncRunRecord['outcome'] = 'success', extra: Partial<SyncRunRecord> = {}): SyncRunRecord {
  return { id: `run-${kind}-${finishedAt.getTime()}`, agentId: 'a1', kind, mode: 'delta', startedAt: finishedAt, finishedAt, outcome, counts: {}, errorCode: null, errorMessage: null, ...extra };
}

function agent(over: Partial<StatusAgent> = {}): StatusAgent {
  return { id: 'a1', host: 'dc1.example.org', version: '0.1.0', lastHeartbeat: ago(60_000).toISOString(), active: true, source: 'ldap://dc1:389 (openldap)', syncAccount: 'cn=sync,dc=example,dc=org', tlsVerificationDisabled: false, ...over };
}

function input(over: Partial<DirSyncStatusInput> = {}): DirSyncStatusInput {
  const dir = run('directory', ago(HOUR));
  const pw = run('password', ago(HOUR));
  return {
    settings: { directorySyncEnabled: true, passwordSyncEnabled: true, staleAfterHours: 72, deleteThreshold: 500 },
    agents: [agent()],
    lastSuccessfulDirectoryRun: dir,
    lastSuccessfulPasswordRun: pw,
    lastDirectoryRun: dir,
    lastPasswordRun: pw,
    syncErrorCount: 0,
    ...over,
  };
}

const codes = (i: DirSyncStatusInput) => computeDirSyncStatus(i, clock.now()).warnings.map((w) => w.code).sort();

describe('computeDirSyncStatus: passwords that do not flow', () => {
  const coverage = (problemsByCode: Record<string, number>, unexplained = 0, usersWithPassword = 10) => ({ problemsByCode, unexplained, usersWithPassword });
  it.each([
    // [what, password sync on, coverage, expected warnings, state]
    ['every password arrived', true, coverage({}), [], 'healthy'],
    ['no read right on userPassword', true, coverage({ PASSWORD_NOT_READABLE: 400 }, 0, 0), ['PASSWORDS_NOT_SYNCED'], 'warning'],
    ['an unsupported scheme', true, coverage({ PASSWORD_SCHEME_UNSUPPORTED: 1 }), ['PASSWORDS_NOT_SYNCED'], 'warning'],
    ['no password attribute', true, coverage({ PASSWORD_NOT_SET: 2 }), ['PASSWORDS_NOT_SYNCED'], 'warning'],
    ['a source without hash sync', true, coverage({ PASSWORD_SOURCE_NO_HASH_SYNC: 5 }, 0, 0), ['PASSWORDS_NOT_SYNCED'], 'warning'],
    ['users nothing explains', true, coverage({}, 3), ['PASSWORDS_NOT_SYNCED'], 'warning'],
    ['codes that are not password causes', true, coverage({ OBJECT_DUPLICATE_UPN: 4, PASSWORD_CLEARTEXT: 1 }), [], 'healthy'],
    ['password sync off: expected to be quiet', false, coverage({ PASSWORD_NOT_READABLE: 400 }, 0, 0), [], 'healthy'],
  ] as const)('%s', (_what, passwordSyncEnabled, passwordCoverage, expected, state) => {
    const status = computeDirSyncStatus(input({ settings: { directorySyncEnabled: true, passwordSyncEnabled, staleAfterHours: 72, deleteThreshold: 500 }, passwordCoverage }), clock.now());
    expect(status.warnings.map((w) => w.code)).toEqual(expected);
    expect(status.state).toBe(state);
  });

  it('counts and lists the users per cause, in the order an admin fixes them', () => {
    const status = computeDirSyncStatus(input({ passwordCoverage: coverage({ PASSWORD_NOT_SET: 1, PASSWORD_NOT_READABLE: 3, PASSWORD_HASH_MALFORMED: 1, PASSWORD_SCHEME_UNSUPPORTED: 2 }, 2, 5) }), clock.now());
    expect(status.passwords).toEqual({
      usersWithPassword: 5,
      usersWithoutPassword: 9,
      problems: [{ cause: 'no_read_right', count: 3 }, { cause: 'not_synced', count: 2 }, { cause: 'unsupported_scheme', count: 3 }, { cause: 'no_password', count: 1 }],
    });
    expect(status.warnings[0]?.message).toBe('9 synchronized users have no password in the tenant (3 users: the sync account cannot read userPassword; 2 users: synchronized before the last password cycle, yet no password arrived and no cause was reported; 3 users: the hash scheme is unsupported or malformed; 1 user: no password attribute in the directory).');
  });

  it('shows both delete thresholds and says which one a blocked cycle passed', () => {
    const settings = { directorySyncEnabled: true, passwordSyncEnabled: true, staleAfterHours: 72, deleteThreshold: 500, deleteThresholdPercent: 50 };
    const blocked = run('directory', ago(60_000), 'blocked', { counts: { pendingDeletes: 400, synced: 400 } });
    const status = computeDirSyncStatus(input({ settings, lastDirectoryRun: blocked }), clock.now());
    expect(status).toMatchObject({ deleteThreshold: 500, deleteThresholdPercent: 50, pendingDeletes: 400 });
    expect(status.warnings.find((w) => w.code === 'DELETE_THRESHOLD_EXCEEDED')?.message)
      .toBe('The last directory sync cycle would delete 400 of 400 synced objects (100 %), more than the threshold of 50 %; no deletes were exported.');
  });
});

describe('computeDirSyncStatus: stale rule', () => {
  it.each([
    // [what, password sync enabled, last directory sync age (ms or null), last password sync age, expected warnings, expected state]
    ['all fresh', true, HOUR, HOUR, [], 'healthy'],
    ['password exactly at 72h is not stale', true, HOUR, 72 * HOUR, [], 'healthy'],
    ['password 72h + 1ms is stale', true, HOUR, 72 * HOUR + 1, ['PASSWORD_SYNC_STALE'], 'warning'],
    ['directory exactly at 72h is not stale', true, 72 * HOUR, HOUR, [], 'healthy'],
    ['directory 73h is stale', true, 73 * HOUR, HOUR, ['DIRECTORY_SYNC_STALE'], 'warning'],
    ['password never ran', true, HOUR, null, ['PASSWORD_SYNC_NEVER_RAN'], 'warning'],
    ['password never ran but sync disabled', false, HOUR, null, [], 'healthy'],
    ['password stale but sync disabled', false, HOUR, 500 * HOUR, [], 'healthy'],
    ['directory never ran', true, null, HOUR, ['DIRECTORY_SYNC_NEVER_RAN'], 'never_synced'],
    ['nothing ever ran', true, null, null, ['DIRECTORY_SYNC_NEVER_RAN', 'PASSWORD_SYNC_NEVER_RAN'], 'never_synced'],
    ['both stale', true, 100 * HOUR, 100 * HOUR, ['DIRECTORY_SYNC_STALE', 'PASSWORD_SYNC_STALE'], 'warning'],
  ] as const)('%s', (_what, passwordSyncEnabled, dirAge, pwAge, expected, state) => {
    const dir = dirAge === null ? null : run('directory', ago(dirAge));
    const pw = pwAge === null ? null : run('password', ago(pwAge));
    const i = input({
      settings: { directorySyncEnabled: true, passwordSyncEnabled, staleAfterHours: 72, deleteThreshold: 500 },
      lastSuccessfulDirectoryRun: dir, lastDirectoryRun: dir, lastSuccessfulPasswordRun: pw, lastPasswordRun: pw,
    });
    const status = computeDirSyncStatus(i, clock.now());
    expect(status.warnings.map((w) => w.code).sort()).toEqual([...expected].sort());
    expect(status.state).toBe(state);
    expect(status.lastDirectorySync).toBe(dir ? dir.finishedAt.toISOString() : null);
    expect(status.lastPasswordSync).toBe(pw ? pw.finishedAt.toISOString() : null);
  });

  it('says "more than three days" for the default and links the troubleshooter', () => {
    const pw = run('password', ago(80 * HOUR));
    const status = computeDirSyncStatus(input({ lastSuccessfulPasswordRun: pw, lastPasswordRun: pw }), clock.now());
    expect(status.warnings).toEqual([{ code: 'PASSWORD_SYNC_STALE', message: 'The last password sync was more than three days ago.', troubleshooterUrl: '/troubleshooter', params: { hours: 72, lastSync: pw.finishedAt.toISOString() } }]);
  });

  it('follows a configured staleAfterHours', () => {
    const dir = run('directory', ago(25 * HOUR));
    const i = input({ lastSuccessfulDirectoryRun: dir, lastDirectoryRun: dir, settings: { directorySyncEnabled: true, passwordSyncEnabled: true, staleAfterHours: 24, deleteThreshold: 500 } });
    const status = computeDirSyncStatus(i, clock.now());
    expect(status.staleAfterHours).toBe(24);
    expect(status.warnings.map((w) => w.message)).toEqual(['The last directory sync was more than one day ago.']);
  });

  it.each([[72, 'three days'], [24, 'one day'], [240, 'ten days'], [264, '11 days'], [36, '36 hours'], [1, '1 hour']])('describeHours(%i) = %s', (h, words) => {
    expect(describeHours(h)).toBe(words);
  });
});

describe('computeDirSyncStatus: agents, cycles and errors', () => {
  it.each([
    ['heartbeat 1 min ago', [agent()], []],
    ['heartbeat exactly 5 min ago', [agent({ lastHeartbeat: ago(5 * 60_000).toISOString() })], []],
    ['heartbeat 5 min + 1 s ago', [agent({ lastHeartbeat: ago(5 * 60_000 + 1000).toISOString() })], ['AGENT_SILENT']],
    ['never heartbeated', [agent({ lastHeartbeat: null })], ['AGENT_SILENT']],
    ['one of two silent', [agent(), agent({ id: 'a2', active: false, lastHeartbeat: ago(HOUR).toISOString() })], []],
    ['no agent', [], ['NO_AGENT']],
    ['TLS verification off', [agent({ tlsVerificationDisabled: true })], ['TLS_VERIFICATION_DISABLED']],
    ['cleartext allowed', [agent({ cleartextLinks: ['directory'] })], ['CLEARTEXT_CONNECTION']],
  ] as const)('%s', (_what, agents, expected) => {
    expect(codes(input({ agents: [...agents] }))).toEqual([...expected]);
  });

  it('honours a configured silence window', () => {
    const agents = [agent({ lastHeartbeat: ago(3 * 60_000).toISOString() })];
    expect(codes(input({ agents, agentSilentAfterMinutes: 2 }))).toEqual(['AGENT_SILENT']);
  });

  it('reports a failed last cycle with its code and message', () => {
    const errorParams = { form: 'invalidCredentials', url: 'ldap://dc.example.org' };
    const failed = run('directory', ago(60_000), 'failed', { errorCode: 'DIR_BIND_FAILED', errorMessage: 'The source directory rejected the sync account credentials.', errorParams });
    const status = computeDirSyncStatus(input({ lastDirectoryRun: failed }), clock.now());
    expect(status.warnings).toEqual([expect.objectContaining({ code: 'LAST_CYCLE_FAILED', message: 'The last directory sync cycle failed (DIR_BIND_FAILED): The source directory rejected the sync account credentials.' })]);
    expect(status.lastCycle).toEqual({ kind: 'directory', outcome: 'failed', finishedAt: failed.finishedAt.toISOString(), errorCode: 'DIR_BIND_FAILED', errorMessage: 'The source directory rejected the sync account credentials.', errorParams });
    // the last successful sync still counts for the stale rule
    expect(status.lastDirectorySync).not.toBeNull();
  });

  it('reports a blocked cycle with the pending deletes', () => {
    const blocked = run('directory', ago(60_000), 'blocked', { counts: { pendingDeletes: 812 } });
    const status = computeDirSyncStatus(input({ lastDirectoryRun: blocked }), clock.now());
    expect(status.warnings.map((w) => w.code)).toEqual(['DELETE_THRESHOLD_EXCEEDED']);
    expect(status.warnings[0]?.message).toContain('812 objects');
    expect(status.pendingDeletes).toBe(812);
    expect(status.state).toBe('warning');
  });

  it('has no pending deletes once a cycle succeeded', () => {
    expect(computeDirSyncStatus(input(), clock.now()).pendingDeletes).toBeNull();
  });

  it.each([[0, []], [1, ['OBJECTS_IN_ERROR']], [17, ['OBJECTS_IN_ERROR']]] as const)('%i objects in error', (count, expected) => {
    expect(codes(input({ syncErrorCount: count }))).toEqual([...expected]);
  });

  it('names the active agent version and account, and hides the TLS flag from the views', () => {
    const standby = agent({ id: 'a2', host: 'dc2', version: '0.0.9', active: false, syncAccount: 'cn=other' });
    const status = computeDirSyncStatus(input({ agents: [standby, agent()] }), clock.now());
    expect(status.syncClientVersion).toBe('0.1.0');
    expect(status.syncServiceAccount).toBe('cn=sync,dc=example,dc=org');
    expect(status.agents[0]).not.toHaveProperty('tlsVerificationDisabled');
  });

  it('picks the later of the two last runs as lastCycle', () => {
    const dir = run('directory', ago(10 * 60_000));
    const pw = run('password', ago(60_000), 'partial');
    const status = computeDirSyncStatus(input({ lastDirectoryRun: dir, lastPasswordRun: pw }), clock.now());
    expect(status.lastCycle?.kind).toBe('password');
    expect(status.lastCycle?.outcome).toBe('partial');
  });
});

describe('computeDirSyncStatus: the facts of each warning as params (rendered in the admin\'s language)', () => {
  const paramsOf = (i: DirSyncStatusInput) => Object.fromEntries(computeDirSyncStatus(i, clock.now()).warnings.map((w) => [w.code, w.params]));

  it('gives a failed cycle its kind, time and code, and the run\'s own error as the cause', () => {
    const errorParams = { url: 'ldap://127.0.0.1:1', reason: 'ECONNREFUSED' };
    const failed = run('password', ago(60_000), 'failed', { errorCode: 'DIR_UNREACHABLE', errorMessage: 'The directory cannot be reached.', errorParams });
    const [w] = computeDirSyncStatus(input({ lastPasswordRun: failed }), clock.now()).warnings;
    expect(w?.params).toEqual({ form: 'password', finishedAt: failed.finishedAt.toISOString(), errorCode: 'DIR_UNREACHABLE' });
    expect(w?.cause).toEqual({ errorCode: 'DIR_UNREACHABLE', errorMessage: 'The directory cannot be reached.', errorParams });
  });

  it('counts, hosts and thresholds', () => {
    const blocked = run('directory', ago(60_000), 'blocked', { counts: { pendingDeletes: 1200, synced: 5000 } });
    const params = paramsOf(input({
      lastDirectoryRun: blocked,
      syncErrorCount: 7,
      agents: [agent({ tlsVerificationDisabled: true, cleartextLinks: ['tenant', 'directory'] })],
      passwordCoverage: { problemsByCode: {}, unexplained: 2, usersWithPassword: 10 },
      settings: { directorySyncEnabled: true, passwordSyncEnabled: true, staleAfterHours: 72, deleteThreshold: 1000, deleteThresholdPercent: 10 },
    }));
    expect(params['DELETE_THRESHOLD_EXCEEDED']).toEqual({ pending: 1200, synced: 5000, threshold: 1000, percent: 10 });
    expect(params['OBJECTS_IN_ERROR']).toEqual({ errors: 7 });
    expect(params['PASSWORDS_NOT_SYNCED']).toEqual({ users: 2 });
    expect(params['TLS_VERIFICATION_DISABLED']).toEqual({ hosts: 'dc1.example.org' });
    expect(params['CLEARTEXT_CONNECTION']).toEqual({ hosts: 'dc1.example.org (http://, ldap://)' });
  });

  it('an empty read, a silent agent, a stale sync', () => {
    const empty = run('directory', ago(60_000), 'blocked', { counts: { pendingDeletes: 31 }, errorCode: 'SOURCE_READ_EMPTY' });
    expect(paramsOf(input({ lastDirectoryRun: empty }))['SOURCE_READ_EMPTY']).toEqual({ pending: 31 });
    expect(paramsOf(input({ agents: [agent({ lastHeartbeat: null })], agentSilentAfterMinutes: 7 }))['AGENT_SILENT']).toEqual({ form: 'silent', minutes: 7 });
    expect(paramsOf(input({ agents: [agent({ state: 'offline' })] }))['AGENT_SILENT']).toEqual({ form: 'offline' });
    const old = run('directory', ago(100 * HOUR));
    expect(paramsOf(input({ lastSuccessfulDirectoryRun: old, lastDirectoryRun: old }))['DIRECTORY_SYNC_STALE']).toEqual({ hours: 72, lastSync: old.finishedAt.toISOString() });
  });
});

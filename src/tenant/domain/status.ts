/**
 * The DirSync status rules: from what the store knows (settings, agents, last runs, error count)
 * to the state and warnings the admin center shows. Pure: the caller loads the input and passes
 * the current time, so the rules are tested as a truth table with an injected clock.
 */
import { WARNING_PARAM_NAMES, type AgentView, type DirSyncStatus, type StatusWarning, type WarningCode } from '../api/contract.js';
import { boundErrorParams } from '../../shared/error-params.js';
import { describeDeleteVerdict, judgeDeletes } from '../../sync/delete-guard.js';
import type { PasswordCoverage, SyncRunRecord, TenantSettings } from '../store/ports.js';
import { NO_PASSWORD_PROBLEMS, describeProblems, passwordProblems } from './password-flow.js';

export const TROUBLESHOOTER_URL = '/troubleshooter';
export const DEFAULT_STALE_AFTER_HOURS = 72;
/** An agent heartbeats every few seconds; five silent minutes means it is down or cut off. */
export const DEFAULT_AGENT_SILENT_AFTER_MINUTES = 5;

export interface StatusAgent extends AgentView {
  tlsVerificationDisabled: boolean;
  /** Links the agent runs in clear because an admin allowed it (agent.allowCleartext). */
  cleartextLinks?: ReadonlyArray<'tenant' | 'directory'> | undefined;
}

export interface DirSyncStatusInput {
  settings: Pick<TenantSettings, 'directorySyncEnabled' | 'passwordSyncEnabled' | 'staleAfterHours' | 'deleteThreshold'> & Partial<Pick<TenantSettings, 'deleteThresholdPercent'>>;
  agents: StatusAgent[];
  /** Last run per kind whose outcome counts as "synced" (success or partial). */
  lastSuccessfulDirectoryRun: SyncRunRecord | null;
  lastSuccessfulPasswordRun: SyncRunRecord | null;
  /** Last run per kind, whatever its outcome. */
  lastDirectoryRun: SyncRunRecord | null;
  lastPasswordRun: SyncRunRecord | null;
  syncErrorCount: number;
  agentSilentAfterMinutes?: number;
  /** Password flow (absent: nothing known, e.g. no store behind a unit test). */
  passwordCoverage?: PasswordCoverage;
}

/** The count of deletes a blocked directory run held back; recorded in the run's counts. */
export const PENDING_DELETES_COUNT = 'pendingDeletes';

export function pendingDeletesOf(run: SyncRunRecord | null): number | null {
  if (!run || run.outcome !== 'blocked') return null;
  return run.counts[PENDING_DELETES_COUNT] ?? null;
}

/** "640 objects, more than the threshold of 500" or "400 of 400 synced objects (100 %), more than the threshold of 50 %". */
export function describeBlockedDeletes(run: SyncRunRecord, settings: DirSyncStatusInput['settings']): string {
  const pending = pendingDeletesOf(run);
  const synced = run.counts['synced'];
  const limits = { threshold: settings.deleteThreshold, percent: settings.deleteThresholdPercent ?? 0 };
  if (pending === null) return `more objects than the threshold of ${settings.deleteThreshold} (or ${limits.percent} % of those synced) allows`;
  if (synced === undefined) {
    return pending > settings.deleteThreshold ? `${plural(pending, 'object', 'objects')}, more than the threshold of ${settings.deleteThreshold}` : `${plural(pending, 'object', 'objects')}, more than the threshold allows`;
  }
  const verdict = judgeDeletes(pending, synced, limits);
  // The settings may have changed since the run: still name the share it would have deleted.
  return verdict.exceeded ? describeDeleteVerdict(pending, synced, limits, verdict) : `${pending} of ${synced} synced objects`;
}

const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

/** 72 -> "three days", 24 -> "one day", 36 -> "36 hours": the words of the reference message. */
export function describeHours(hours: number): string {
  if (hours % 24 === 0) {
    const days = hours / 24;
    const word = NUMBER_WORDS[days] ?? String(days);
    return `${word} ${days === 1 ? 'day' : 'days'}`;
  }
  return `${hours} ${hours === 1 ? 'hour' : 'hours'}`;
}

export function isStale(last: Date | null, now: Date, staleAfterHours: number): boolean {
  // Exactly at the boundary is not stale: the rule is "more than three days ago".
  return last === null || now.getTime() - last.getTime() > staleAfterHours * 3_600_000;
}

export function isSilent(lastHeartbeat: string | Date | null, now: Date, silentAfterMinutes: number): boolean {
  if (lastHeartbeat === null) return true;
  return now.getTime() - new Date(lastHeartbeat).getTime() > silentAfterMinutes * 60_000;
}

type WarningParams = { [C in keyof typeof WARNING_PARAM_NAMES]: Partial<Record<(typeof WARNING_PARAM_NAMES)[C][number], string | number>> };

/** A warning with its English words and, where it has facts, the same facts as params (the admin center renders those). */
function warning<C extends WarningCode>(code: C, message: string, params?: C extends keyof WarningParams ? WarningParams[C] : never): StatusWarning {
  const out: StatusWarning = { code, message, troubleshooterUrl: TROUBLESHOOTER_URL };
  if (params) out.params = boundErrorParams(params);
  return out;
}

function latestOf(...runs: Array<SyncRunRecord | null>): SyncRunRecord | null {
  let latest: SyncRunRecord | null = null;
  for (const run of runs) if (run && (!latest || run.finishedAt.getTime() > latest.finishedAt.getTime())) latest = run;
  return latest;
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

export function computeDirSyncStatus(input: DirSyncStatusInput, now: Date): DirSyncStatus {
  const { settings } = input;
  const staleAfterHours = settings.staleAfterHours || DEFAULT_STALE_AFTER_HOURS;
  const silentAfter = input.agentSilentAfterMinutes ?? DEFAULT_AGENT_SILENT_AFTER_MINUTES;
  const period = describeHours(staleAfterHours);
  const warnings: StatusWarning[] = [];

  const lastDirectory = input.lastSuccessfulDirectoryRun?.finishedAt ?? null;
  const lastPassword = input.lastSuccessfulPasswordRun?.finishedAt ?? null;

  // A switched-off sync is expected to go quiet, so its staleness is not a warning.
  if (settings.directorySyncEnabled) {
    if (lastDirectory === null) warnings.push(warning('DIRECTORY_SYNC_NEVER_RAN', 'Directory sync has never run.'));
    else if (isStale(lastDirectory, now, staleAfterHours)) warnings.push(warning('DIRECTORY_SYNC_STALE', `The last directory sync was more than ${period} ago.`, { hours: staleAfterHours, lastSync: lastDirectory.toISOString() }));
  }
  if (settings.passwordSyncEnabled) {
    if (lastPassword === null) warnings.push(warning('PASSWORD_SYNC_NEVER_RAN', 'Password sync has never run.'));
    else if (isStale(lastPassword, now, staleAfterHours)) warnings.push(warning('PASSWORD_SYNC_STALE', `The last password sync was more than ${period} ago.`, { hours: staleAfterHours, lastSync: lastPassword.toISOString() }));
  }

  if (input.agents.length === 0) {
    warnings.push(warning('NO_AGENT', 'No agent is registered, so nothing is synchronized.'));
  } else if (input.agents.every((agent) => isSilent(agent.lastHeartbeat, now, silentAfter))) {
    // With several agents one silent standby is not an outage; all of them silent is.
    warnings.push(warning('AGENT_SILENT', `No agent has sent a heartbeat for more than ${plural(silentAfter, 'minute', 'minutes')}.`, { form: 'silent', minutes: silentAfter }));
  } else if (input.agents.every((agent) => agent.state === 'offline' || agent.state === 'revoked')) {
    // Offline as the agents list shows it (stopped, or missed its heartbeats): nothing syncs, long before the silence period ends.
    warnings.push(warning('AGENT_SILENT', 'No agent is online: every registered agent stopped or missed its heartbeats, so nothing is synchronized.', { form: 'offline' }));
  }

  for (const run of [input.lastDirectoryRun, input.lastPasswordRun]) {
    if (run?.outcome === 'failed') {
      const reason = run.errorMessage ? `: ${run.errorMessage}` : '.';
      const code = run.errorCode ? ` (${run.errorCode})` : '';
      const failed = warning('LAST_CYCLE_FAILED', `The last ${run.kind} sync cycle failed${code}${reason}`,
        { form: run.kind, finishedAt: run.finishedAt.toISOString(), ...(run.errorCode ? { errorCode: run.errorCode } : {}) });
      failed.cause = { errorCode: run.errorCode, errorMessage: run.errorMessage, errorParams: run.errorParams ?? null };
      warnings.push(failed);
    }
  }

  const pendingDeletes = pendingDeletesOf(input.lastDirectoryRun);
  if (input.lastDirectoryRun?.outcome === 'blocked') {
    const run = input.lastDirectoryRun;
    // An empty read holds deletes whatever the thresholds: its own code, so no one reads it as a threshold to raise.
    warnings.push(run.errorCode === 'SOURCE_READ_EMPTY'
      ? warning('SOURCE_READ_EMPTY', `The last directory sync cycle read no objects from the source, so it would delete all ${plural(pendingDeletes ?? 0, 'synced object', 'synced objects')}; no deletes were exported. Check the source: it returned nothing; allow the deletes only if the directory is really empty.`,
        pendingDeletes === null ? undefined : { pending: pendingDeletes })
      : warning('DELETE_THRESHOLD_EXCEEDED', `The last directory sync cycle would delete ${describeBlockedDeletes(run, settings)}; no deletes were exported.`,
        pendingDeletes === null ? undefined : { pending: pendingDeletes, threshold: settings.deleteThreshold, percent: settings.deleteThresholdPercent ?? 0, ...(run.counts['synced'] === undefined ? {} : { synced: run.counts['synced'] }) }));
  }

  // Passwords that do not arrive are never healthy, whatever the last run's outcome says.
  const coverage = input.passwordCoverage ?? NO_PASSWORD_PROBLEMS;
  const problems = passwordProblems(coverage);
  const withoutPassword = problems.reduce((sum, p) => sum + p.count, 0);
  if (settings.passwordSyncEnabled && withoutPassword > 0) {
    warnings.push(warning('PASSWORDS_NOT_SYNCED',
      `${plural(withoutPassword, 'synchronized user has', 'synchronized users have')} no password in the tenant (${describeProblems(problems)}).`, { users: withoutPassword }));
  }

  if (input.syncErrorCount > 0) {
    warnings.push(warning('OBJECTS_IN_ERROR', `${plural(input.syncErrorCount, 'object has', 'objects have')} sync errors.`, { errors: input.syncErrorCount }));
  }

  const insecure = input.agents.filter((agent) => agent.tlsVerificationDisabled);
  if (insecure.length > 0) {
    warnings.push(warning('TLS_VERIFICATION_DISABLED',
      `TLS certificate verification towards the directory is switched off on ${insecure.map((agent) => agent.host).join(', ')}.`, { hosts: insecure.map((agent) => agent.host).join(', ') }));
  }

  const cleartext = input.agents.filter((agent) => (agent.cleartextLinks?.length ?? 0) > 0);
  if (cleartext.length > 0) {
    warnings.push(warning('CLEARTEXT_CONNECTION',
      `Credentials or password hashes travel unencrypted: ${cleartext.map((agent) => `${agent.host} (${cleartextLinksText(agent.cleartextLinks ?? [])})`).join(', ')}.`,
      // The schemes, not the English link words: the same facts read in any language.
      { hosts: cleartext.map((agent) => `${agent.host} (${(agent.cleartextLinks ?? []).map((link) => (link === 'tenant' ? 'http://' : 'ldap://')).join(', ')})`).join(', ') }));
  }

  const reporting = activeOrLatestAgent(input.agents);
  const lastCycle = latestOf(input.lastDirectoryRun, input.lastPasswordRun);

  return {
    state: lastDirectory === null ? 'never_synced' : warnings.length > 0 ? 'warning' : 'healthy',
    directorySyncEnabled: settings.directorySyncEnabled,
    lastDirectorySync: lastDirectory?.toISOString() ?? null,
    passwordSyncEnabled: settings.passwordSyncEnabled,
    lastPasswordSync: lastPassword?.toISOString() ?? null,
    staleAfterHours,
    warnings,
    agents: input.agents.map(({ tlsVerificationDisabled: _omit, cleartextLinks: _links, ...view }) => view),
    syncErrorCount: input.syncErrorCount,
    syncClientVersion: reporting?.version ?? null,
    syncServiceAccount: reporting?.syncAccount ?? null,
    lastCycle: lastCycle
      ? { kind: lastCycle.kind, outcome: lastCycle.outcome, finishedAt: lastCycle.finishedAt.toISOString(), errorCode: lastCycle.errorCode, errorMessage: lastCycle.errorMessage, errorParams: lastCycle.errorParams ?? null }
      : null,
    pendingDeletes,
    deleteThreshold: settings.deleteThreshold,
    deleteThresholdPercent: settings.deleteThresholdPercent ?? 0,
    passwords: { usersWithPassword: coverage.usersWithPassword, usersWithoutPassword: withoutPassword, problems },
  };
}

/** The agent whose version and sync account the admin center shows: the active one, else the last heard from. */
export function activeOrLatestAgent<A extends AgentView>(agents: A[]): A | null {
  const active = agents.find((agent) => agent.active);
  if (active) return active;
  let latest: A | null = null;
  for (const agent of agents) {
    const at = agent.lastHeartbeat ? new Date(agent.lastHeartbeat).getTime() : -Infinity;
    const best = latest?.lastHeartbeat ? new Date(latest.lastHeartbeat).getTime() : -Infinity;
    if (!latest || at > best) latest = agent;
  }
  return latest;
}

/** "tenant over http://, directory over ldap:// without StartTLS" */
export function cleartextLinksText(links: ReadonlyArray<'tenant' | 'directory'>): string {
  return links.map((link) => (link === 'tenant' ? 'tenant over http://' : 'directory over ldap:// without StartTLS')).join(', ');
}

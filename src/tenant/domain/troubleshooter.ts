/**
 * The troubleshooter: diagnostics over the same facts as the status, each saying in plain words
 * what was found and what to do. Pure; the admin center translates by check id + verdict and
 * fills in `params`, so the English here is the API's default wording.
 */
import { storedErrorParams } from '../../shared/error-params.js';
import { ERRORS, type ErrorCode } from '../../shared/errors.js';
import type { TroubleshooterCheck, TroubleshooterReport, Verdict } from '../api/contract.js';
import type { SyncRunRecord } from '../store/ports.js';
import {
  DEFAULT_AGENT_SILENT_AFTER_MINUTES, DEFAULT_STALE_AFTER_HOURS, activeOrLatestAgent, describeBlockedDeletes, cleartextLinksText, describeHours, isSilent, isStale, pendingDeletesOf,
  type DirSyncStatusInput,
} from './status.js';
import { CAUSE_ACTIONS, NO_PASSWORD_PROBLEMS, describeProblems, passwordProblems } from './password-flow.js';

export type TroubleshooterInput = DirSyncStatusInput;

/** Where the admin center lists the objects in error. */
export const SYNC_ERRORS_URL = '/sync-errors';

type CheckId = TroubleshooterCheck['id'];
type Params = TroubleshooterCheck['params'];

function check(id: CheckId, verdict: Verdict, found: string, action: string, params: Params = {}): TroubleshooterCheck {
  return { id, verdict, found, action: verdict === 'ok' ? '' : action, params };
}

const iso = (date: Date | string | null | undefined): string | null => (date ? new Date(date).toISOString() : null);

/** Plain words for an error code an agent reported: the registry's message and hint when it is ours. */
export function explainErrorCode(code: string | null): { what: string; action: string } | null {
  if (!code || !Object.hasOwn(ERRORS, code)) return null;
  const definition = ERRORS[code as ErrorCode];
  return { what: definition.message, action: definition.hint };
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function agentHeartbeat(input: TroubleshooterInput, now: Date): TroubleshooterCheck {
  const silentAfter = input.agentSilentAfterMinutes ?? DEFAULT_AGENT_SILENT_AFTER_MINUTES;
  if (input.agents.length === 0) {
    return check('agent_heartbeat', 'error', 'No agent is registered, so nothing is synchronized.',
      'Create a registration token under Agents and start the agent next to your directory with it (dirbridge agent --token ...).',
      { agents: 0, silentAfterMinutes: silentAfter });
  }
  const agent = activeOrLatestAgent(input.agents);
  const heard = agent?.lastHeartbeat ?? null;
  const params: Params = { agents: input.agents.length, host: agent?.host ?? null, lastHeartbeat: iso(heard), silentAfterMinutes: silentAfter };
  if (input.agents.every((a) => isSilent(a.lastHeartbeat, now, silentAfter))) {
    const when = heard ? `last heard from at ${iso(heard)}` : 'never sent a heartbeat';
    return check('agent_heartbeat', 'error',
      `No agent has sent a heartbeat for more than ${silentAfter} minutes; ${agent?.host ?? 'the agent'} ${when}.`,
      `Check that the dirbridge agent runs on ${agent?.host ?? 'the agent host'} and can reach this tenant service (network, proxy, firewall); look at the agent's log.`,
      params);
  }
  const silent = input.agents.filter((a) => isSilent(a.lastHeartbeat, now, silentAfter));
  if (silent.length > 0) {
    return check('agent_heartbeat', 'warning',
      `${input.agents.length - silent.length} of ${input.agents.length} agents send heartbeats; silent: ${silent.map((a) => a.host).join(', ')}.`,
      'Start the silent standby agents again, or ignore this if they were taken out of service.',
      { ...params, silent: silent.length });
  }
  return check('agent_heartbeat', 'ok', `The agent on ${agent?.host ?? 'the agent host'} sends heartbeats.`, '', params);
}

function lastCycle(input: TroubleshooterInput): TroubleshooterCheck {
  const failed = [input.lastDirectoryRun, input.lastPasswordRun].filter((run): run is SyncRunRecord => run?.outcome === 'failed');
  const first = failed[0];
  if (first) {
    const explained = explainErrorCode(first.errorCode);
    const what = explained ? lowerFirst(explained.what).replace(/\.$/, '') : (first.errorMessage ?? 'no reason was reported').replace(/\.$/, '');
    const others = failed.slice(1).map((run) => `The last ${run.kind} sync cycle failed too (${run.errorCode ?? 'no code'}).`).join(' ');
    return check('last_cycle', 'error',
      `The last ${first.kind} sync cycle failed at ${first.finishedAt.toISOString()}: ${what}${first.errorCode ? ` (${first.errorCode})` : ''}.${others ? ` ${others}` : ''}`,
      explained?.action ?? 'Look at the agent log around that time for the cause, fix it, and the next cycle will retry.',
      // The run's error facts (JSON `ErrorParams`), so the admin center names them in the admin's language.
      { kind: first.kind, errorCode: first.errorCode, errorMessage: first.errorMessage, finishedAt: first.finishedAt.toISOString(), errorParams: storedErrorParams(first.errorParams) });
  }
  const last = [input.lastDirectoryRun, input.lastPasswordRun].filter((run): run is SyncRunRecord => run !== null)
    .sort((a, b) => b.finishedAt.getTime() - a.finishedAt.getTime())[0];
  if (!last) return check('last_cycle', 'warning', 'No sync cycle has run yet.', 'Start the agent; its first cycle runs as soon as it has registered.', {});
  const params: Params = { kind: last.kind, outcome: last.outcome, finishedAt: last.finishedAt.toISOString() };
  if (last.outcome === 'partial') {
    return check('last_cycle', 'ok', `The last ${last.kind} sync cycle finished at ${last.finishedAt.toISOString()}; some objects had errors (see objects in error).`, '', params);
  }
  return check('last_cycle', 'ok', `The last ${last.kind} sync cycle finished at ${last.finishedAt.toISOString()} (${last.outcome}).`, '', params);
}

function passwordSyncEnabled(input: TroubleshooterInput): TroubleshooterCheck {
  const kept = (input.passwordCoverage ?? NO_PASSWORD_PROBLEMS).usersWithPassword;
  if (input.settings.passwordSyncEnabled) return check('password_sync_enabled', 'ok', 'Password sync is switched on.', '', { enabled: 1, usersWithPassword: kept });
  // As in Entra ID: switching password sync off stops new hashes, it does not remove the synced ones.
  const found = kept > 0
    ? `Password sync is switched off. The passwords synchronized before keep working: ${kept} ${kept === 1 ? 'user signs' : 'users sign'} in with the password they had when sync stopped; password changes made on-premises since then do not reach the tenant.`
    : 'Password sync is switched off, and no synchronized password is left in the tenant: users cannot sign in with their on-premises password.';
  return check('password_sync_enabled', 'warning', found,
    'To sync passwords again, a global admin switches it on in DirSync management (Password sync enabled: True); the agent picks it up within seconds. To stop the synchronized passwords from working, use "Remove all synced password hashes" in DirSync management.',
    { enabled: 0, usersWithPassword: kept, ...(kept > 0 ? { count: kept } : {}) });
}

function passwordCoverage(input: TroubleshooterInput): TroubleshooterCheck {
  const coverage = input.passwordCoverage ?? NO_PASSWORD_PROBLEMS;
  const problems = passwordProblems(coverage);
  const missing = problems.reduce((sum, p) => sum + p.count, 0);
  const params: Params = { count: missing, usersWithPassword: coverage.usersWithPassword, url: SYNC_ERRORS_URL };
  for (const p of problems) params[p.cause] = p.count;
  if (!input.settings.passwordSyncEnabled) return check('password_coverage', 'ok', 'Password sync is switched off, so password coverage is not checked.', '', params);
  if (missing === 0) return check('password_coverage', 'ok', `Every synchronized user the agent read has a password in the tenant (${coverage.usersWithPassword}).`, '', params);
  // No password at all arrives: nobody can sign in, an error rather than a warning.
  const verdict = coverage.usersWithPassword === 0 ? 'error' : 'warning';
  return check('password_coverage', verdict,
    `${missing} synchronized ${missing === 1 ? 'user has' : 'users have'} no password in the tenant, so ${missing === 1 ? 'that user cannot' : 'they cannot'} sign in with the on-premises password: ${describeProblems(problems)}.`,
    problems.map((p) => CAUSE_ACTIONS[p.cause]).join(' '),
    params);
}

function staleCheck(id: 'directory_sync_stale' | 'password_sync_stale', label: 'directory' | 'password', enabled: boolean, last: SyncRunRecord | null, staleAfterHours: number, now: Date): TroubleshooterCheck {
  const params: Params = { lastSync: iso(last?.finishedAt), staleAfterHours };
  const name = label === 'directory' ? 'Directory sync' : 'Password sync';
  if (!enabled) return check(id, 'ok', `${name} is switched off, so its age is not checked.`, '', params);
  if (!last) {
    return check(id, 'warning', `${name} has never run.`,
      label === 'directory'
        ? 'Start the agent and check the agent_heartbeat and last_cycle checks above.'
        : 'Check that the agent runs and that the directory gives the sync account read access to userPassword.',
      params);
  }
  if (isStale(last.finishedAt, now, staleAfterHours)) {
    return check(id, 'warning', `The last ${label} sync was more than ${describeHours(staleAfterHours)} ago (${last.finishedAt.toISOString()}).`,
      'Check that the agent runs and sends heartbeats, and look at the last cycle result above; a failing or blocked cycle stops the sync.',
      params);
  }
  return check(id, 'ok', `The last ${label} sync was at ${last.finishedAt.toISOString()}.`, '', params);
}

function objectsInError(input: TroubleshooterInput): TroubleshooterCheck {
  const count = input.syncErrorCount;
  const params: Params = { count, url: SYNC_ERRORS_URL };
  if (count === 0) return check('objects_in_error', 'ok', 'No object has a sync error.', '', params);
  return check('objects_in_error', 'warning', `${count} ${count === 1 ? 'object has a sync error' : 'objects have sync errors'}.`,
    `Open Sync errors (${SYNC_ERRORS_URL}): each error names the object, the attribute and what to change in the directory; fixed objects sync on the next cycle.`, params);
}

function deleteThreshold(input: TroubleshooterInput): TroubleshooterCheck {
  const pending = pendingDeletesOf(input.lastDirectoryRun);
  const percent = input.settings.deleteThresholdPercent ?? 0;
  const params: Params = { threshold: input.settings.deleteThreshold, thresholdPercent: percent, pendingDeletes: pending, synced: input.lastDirectoryRun?.counts['synced'] ?? null };
  const limits = `${input.settings.deleteThreshold} objects${percent > 0 ? ` or ${percent} % of the synced objects` : ''}`;
  if (input.lastDirectoryRun?.outcome !== 'blocked') {
    return check('delete_threshold', 'ok', `No cycle was stopped by the delete threshold (${limits}).`, '', params);
  }
  if (input.lastDirectoryRun.errorCode === 'SOURCE_READ_EMPTY') {
    return check('delete_threshold', 'error',
      `The last directory sync cycle read no objects from the source (SOURCE_READ_EMPTY), so it would delete all ${pending ?? 0} synced objects; it exported no deletes.`,
      'Check the source: it returned nothing (an emptied or replaced LDIF file, a base DN or filter that matches nothing, a sync account that lost read access). Allow the deletes only if the directory is really empty.',
      params);
  }
  return check('delete_threshold', 'error',
    `The last directory sync cycle would delete ${describeBlockedDeletes(input.lastDirectoryRun, input.settings)}; it exported no deletes.`,
    'Check why so many objects left the sync scope (a changed filter or base DN, a moved OU). If the deletes are intended, a global admin allows them once in DirSync management (Allow deletes).',
    params);
}

function tlsVerification(input: TroubleshooterInput): TroubleshooterCheck {
  const insecure = input.agents.filter((agent) => agent.tlsVerificationDisabled);
  if (insecure.length === 0) return check('tls_verification', 'ok', 'Agents verify the TLS certificate of the directory (or do not use TLS).', '', { agents: 0 });
  return check('tls_verification', 'warning',
    `TLS certificate verification towards the directory is switched off on ${insecure.map((agent) => agent.host).join(', ')}: the bind password could be intercepted.`,
    'Give the agent the CA that signed the directory server certificate (--ca-file) and remove the option that turns verification off.',
    { agents: insecure.length, hosts: insecure.map((agent) => agent.host).join(', ') });
}

function cleartextConnections(input: TroubleshooterInput): TroubleshooterCheck {
  const cleartext = input.agents.filter((agent) => (agent.cleartextLinks?.length ?? 0) > 0);
  if (cleartext.length === 0) return check('cleartext', 'ok', 'Agents reach the tenant and the directory encrypted (or on the same host).', '', { agents: 0 });
  const hosts = cleartext.map((agent) => `${agent.host} (${cleartextLinksText(agent.cleartextLinks ?? [])})`).join(', ');
  return check('cleartext', 'warning',
    `Credentials or password hashes travel unencrypted: ${hosts}. Anyone on the network path can read them.`,
    'Give the agent an https:// tenant URL and connect to the directory with ldaps:// or StartTLS (--start-tls), then remove --allow-cleartext (agent.allowCleartext).',
    { agents: cleartext.length, hosts });
}

export function runTroubleshooter(input: TroubleshooterInput, now: Date): TroubleshooterReport {
  const staleAfterHours = input.settings.staleAfterHours || DEFAULT_STALE_AFTER_HOURS;
  return {
    ranAt: now.toISOString(),
    checks: [
      agentHeartbeat(input, now),
      lastCycle(input),
      passwordSyncEnabled(input),
      passwordCoverage(input),
      staleCheck('directory_sync_stale', 'directory', input.settings.directorySyncEnabled, input.lastSuccessfulDirectoryRun, staleAfterHours, now),
      staleCheck('password_sync_stale', 'password', input.settings.passwordSyncEnabled, input.lastSuccessfulPasswordRun, staleAfterHours, now),
      objectsInError(input),
      deleteThreshold(input),
      tlsVerification(input),
      cleartextConnections(input),
    ],
  };
}

/**
 * Loads what the status rules and the troubleshooter judge, from the store. Shared by the HTTP API
 * and the CLI (`dirbridge status`, `dirbridge troubleshoot`), so both always say the same.
 */
import type { DirSyncStatusInput } from './domain/status.js';
import { PASSWORD_PROBLEM_CODES } from './domain/password-flow.js';
import type { PasswordTraceInput } from './domain/password-trace.js';
import type { TenantRepository } from './store/ports.js';
import type { AgentView } from './api/contract.js';

export async function loadStatusInput(repo: TenantRepository, agentSilentAfterMinutes: number): Promise<DirSyncStatusInput> {
  const [settings, agents, lastSuccessfulDirectoryRun, lastSuccessfulPasswordRun, lastDirectoryRun, lastPasswordRun, syncErrorCount] = await Promise.all([
    repo.getSettings(), repo.listAgents(),
    repo.lastSuccessfulRun('directory'), repo.lastSuccessfulRun('password'),
    repo.lastRun('directory'), repo.lastRun('password'),
    repo.countSyncErrors(),
  ]);
  // A revoked agent no longer syncs: the status judges the agents that may.
  const current = agents.filter((agent) => !agent.revokedAt);
  // The views do not carry the transport flags; the records do.
  const records = await Promise.all(current.map((agent) => repo.findAgent(agent.id)));
  // Users that arrived before the last password cycle that ran through should have a password or a cause by now.
  const passwordCoverage = await repo.passwordCoverage(PASSWORD_PROBLEM_CODES, lastSuccessfulPasswordRun?.startedAt ?? null);
  return {
    settings,
    agents: current.map(({ revokedAt: _revoked, credentialExpiresAt: _expires, ...agent }, i) => ({
      ...agent, tlsVerificationDisabled: records[i]?.tlsVerificationDisabled ?? false, cleartextLinks: records[i]?.cleartextLinks ?? [],
    })),
    lastSuccessfulDirectoryRun, lastSuccessfulPasswordRun, lastDirectoryRun, lastPasswordRun, syncErrorCount,
    agentSilentAfterMinutes,
    passwordCoverage,
  };
}

/** Reads what the per-user password trace judges. */
export async function loadPasswordTraceInput(repo: TenantRepository, username: string): Promise<PasswordTraceInput> {
  const [signIn, settings, lastPasswordRun, agents] = await Promise.all([repo.findUserForSignIn(username), repo.getSettings(), repo.lastRun('password'), repo.listAgents()]);
  const user = signIn ? (await repo.listUsers({ search: signIn.userPrincipalName, page: 1, pageSize: 20 })).items.find((u) => u.anchor === signIn.anchor) ?? null : null;
  const [state, errors] = await Promise.all([
    signIn ? repo.getPasswordState(signIn.anchor) : Promise.resolve(null),
    repo.listSyncErrors({ page: 1, pageSize: 20, search: signIn?.anchor ?? username }),
  ]);
  return {
    username,
    user,
    passwordSyncEnabled: settings.passwordSyncEnabled,
    state,
    verifierSchemes: signIn?.verifiers.map((v) => v.scheme) ?? [],
    errors: errors.items.filter((e) => !signIn || e.anchor === signIn.anchor),
    lastPasswordRunAt: lastPasswordRun?.finishedAt ?? null,
    passwordPath: passwordPathOf(agents),
  };
}

/**
 * From the source flavor the most recently heard agent reported in its heartbeat: Active Directory
 * hashes come by replication (MS-DRSR). Null when no agent reported a flavor (agents before the
 * field, unless migration 0031 could tell it): the trace then does not name a path.
 */
function passwordPathOf(agents: AgentView[]): 'ms-drsr' | 'ldap' | null {
  const latest = agents.filter((a) => a.source && !a.revokedAt).sort((a, b) => (b.lastHeartbeat ?? '').localeCompare(a.lastHeartbeat ?? ''))[0];
  if (!latest?.sourceFlavor) return null;
  return latest.sourceFlavor === 'ad' ? 'ms-drsr' : 'ldap';
}

/**
 * Loads what the status rules and the troubleshooter judge, from the store. Shared by the HTTP API
 * and the CLI (`dirbridge status`, `dirbridge troubleshoot`), so both always say the same.
 */
import type { DirSyncStatusInput } from './domain/status.js';
import type { TenantRepository } from './store/ports.js';

export async function loadStatusInput(repo: TenantRepository, agentSilentAfterMinutes: number): Promise<DirSyncStatusInput> {
  const [settings, agents, lastSuccessfulDirectoryRun, lastSuccessfulPasswordRun, lastDirectoryRun, lastPasswordRun, syncErrorCount] = await Promise.all([
    repo.getSettings(), repo.listAgents(),
    repo.lastSuccessfulRun('directory'), repo.lastSuccessfulRun('password'),
    repo.lastRun('directory'), repo.lastRun('password'),
    repo.countSyncErrors(),
  ]);
  // The views do not carry the TLS flag; the records do.
  const records = await Promise.all(agents.map((agent) => repo.findAgent(agent.id)));
  return {
    settings,
    agents: agents.map((agent, i) => ({ ...agent, tlsVerificationDisabled: records[i]?.tlsVerificationDisabled ?? false })),
    lastSuccessfulDirectoryRun, lastSuccessfulPasswordRun, lastDirectoryRun, lastPasswordRun, syncErrorCount,
    agentSilentAfterMinutes,
  };
}

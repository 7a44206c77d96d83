/**
 * `dirbridge status` exit codes, by the monitoring convention (Nagios, Icinga, Zabbix agents):
 * 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Critical means sync is not happening (or holds
 * changes back); warning means it runs with something an admin should look at.
 */
import type { DirSyncStatus, WarningCode } from '../tenant/api/contract.js';

const CRITICAL: ReadonlySet<WarningCode> = new Set<WarningCode>([
  'DIRECTORY_SYNC_NEVER_RAN', 'DIRECTORY_SYNC_STALE', 'PASSWORD_SYNC_STALE', 'NO_AGENT', 'AGENT_SILENT',
  'LAST_CYCLE_FAILED', 'DELETE_THRESHOLD_EXCEEDED', 'SOURCE_READ_EMPTY', 'PASSWORDS_NOT_SYNCED',
]);

export function statusExitCode(status: Pick<DirSyncStatus, 'state' | 'warnings'>): 0 | 1 | 2 {
  if (status.warnings.some((w) => CRITICAL.has(w.code))) return 2;
  if (status.warnings.length > 0 || status.state !== 'healthy') return 1;
  return 0;
}

export const STATUS_EXIT_HELP = `
Exit codes (monitoring convention):
  0  OK        healthy
  1  WARNING   sync runs, with something to look at (objects in error, TLS verification off, cleartext links, passwords never synced yet)
  2  CRITICAL  sync is not happening or holds changes back (never ran, stale, no agent, agent silent, last cycle failed,
               deletes held by the threshold, passwords not flowing)
  3  UNKNOWN   the status could not be read (no store there, database unreachable)
`;

/** Commands that read or change the tenant directly in its store (run them where the store is reachable). */
import { openStore, redactUrl, storeExists, isPostgresUrl } from '../tenant/store/open-store.js';
import { resolve } from 'node:path';
import { localTime, localTimeWithAge, localTimesIn } from './time-format.js';
import type { TenantRepository, TenantStore } from '../tenant/store/ports.js';
import { computeDirSyncStatus, DEFAULT_AGENT_SILENT_AFTER_MINUTES } from '../tenant/domain/status.js';
import { runTroubleshooter } from '../tenant/domain/troubleshooter.js';
import { loadPasswordTraceInput, loadStatusInput } from '../tenant/status-input.js';
import { tracePasswordSync } from '../tenant/domain/password-trace.js';
import { createAdminAccount } from '../tenant/admin-accounts.js';
import { AppError } from '../shared/errors.js';
import type { DirbridgeConfig } from '../config/schema.js';
import type { DirSyncStatus, PasswordProgressView } from '../tenant/api/contract.js';

export async function withTenant<T>(config: DirbridgeConfig, work: (repo: TenantRepository, store: TenantStore) => Promise<T>): Promise<T> {
  const store = await openStore({ databaseUrl: config.tenant.databaseUrl, dataDir: config.tenant.dataDir });
  try {
    await store.migrate();
    return await work(store.forTenant(config.tenant.tenantId), store);
  } finally {
    await store.close();
  }
}

const when = (iso: string | null): string => localTimeWithAge(iso);

/**
 * Like withTenant, for commands that work on an existing store only: where there is none (a typo
 * in --data-dir, a database without dirbridge's tables) they say so and create nothing.
 */
export async function withExistingTenant<T>(config: DirbridgeConfig, work: (repo: TenantRepository, store: TenantStore) => Promise<T>): Promise<T> {
  const { databaseUrl, dataDir } = config.tenant;
  if (!(await storeExists({ databaseUrl, dataDir }))) {
    const where = isPostgresUrl(databaseUrl) ? `the PostgreSQL database ${redactUrl(databaseUrl.trim())} (it has no dirbridge tables)` : `the data folder ${resolve(dataDir)}`;
    throw new AppError('STORE_NOT_FOUND', { message: `There is no dirbridge store in ${where}; nothing was created.`, details: { where } });
  }
  return withTenant(config, work);
}

/** "45,000 of 100,000 users (12,000 derived), about 3 min left"; a delta, whose size is known only once read: "12 changed so far (12 derived)". */
export function describePasswordProgress(p: PasswordProgressView): string {
  const n = (v: number) => v.toLocaleString('en-US');
  if (p.mode !== 'full') return `${n(p.processed)} changed so far (${n(p.derived)} derived)`;
  const eta = p.etaSeconds === null ? '' : `, about ${p.etaSeconds >= 90 ? `${Math.round(p.etaSeconds / 60)} min` : `${p.etaSeconds} s`} left`;
  return `${n(p.processed)} of ${n(p.total)} users (${n(p.derived)} derived)${eta}`;
}

export function formatStatus(status: DirSyncStatus): string {
  const lines = [
    `DirSync status: ${status.state.replace('_', ' ')}`,
    `  Directory sync enabled:  ${status.directorySyncEnabled ? 'True' : 'False'}`,
    `  Last directory sync:     ${when(status.lastDirectorySync)}`,
    `  Password sync enabled:   ${status.passwordSyncEnabled ? 'True' : 'False'}`,
    `  Last password sync:      ${when(status.lastPasswordSync)}`,
    `  Objects in error:        ${status.syncErrorCount}`,
    `  Agents:                  ${status.agents.length === 0 ? 'none registered' : ''}`,
    ...status.agents.flatMap((a) => [
      `    ${a.host} (version ${a.version}, ${a.state ?? (a.active ? 'active' : 'standby')}), last heartbeat ${when(a.lastHeartbeat)}`,
      ...(a.passwordProgress ? [`      Password sync running: ${describePasswordProgress(a.passwordProgress)}`] : []),
    ]),
  ];
  if (status.warnings.length > 0) {
    lines.push('Warnings:');
    for (const w of status.warnings) lines.push(`  ${w.code}: ${localTimesIn(w.message)} See the troubleshooter: ${w.troubleshooterUrl} or run dirbridge troubleshoot.`);
  }
  return lines.join('\n');
}

/** Prints the status and returns it (the caller turns it into the exit code). */
export async function printStatus(config: DirbridgeConfig, json: boolean): Promise<DirSyncStatus> {
  const status = await withExistingTenant(config, async (repo) => computeDirSyncStatus(await loadStatusInput(repo, DEFAULT_AGENT_SILENT_AFTER_MINUTES), new Date()));
  process.stdout.write(json ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(status)}\n`);
  return status;
}

const mark = { ok: 'OK     ', warning: 'WARNING', error: 'ERROR  ' } as const;

export async function printTroubleshooter(config: DirbridgeConfig, json: boolean, user?: string): Promise<void> {
  if (user) {
    const trace = await withExistingTenant(config, async (repo) => tracePasswordSync(await loadPasswordTraceInput(repo, user), new Date()));
    if (json) {
      process.stdout.write(`${JSON.stringify(trace, null, 2)}\n`);
      return;
    }
    const lines = [`Password sync trace for ${trace.user} (${localTime(trace.ranAt)})`];
    for (const s of trace.steps) {
      lines.push(`  [${mark[s.verdict]}] ${localTimesIn(s.found)}`);
      if (s.action) lines.push(`            What to do: ${localTimesIn(s.action)}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return;
  }
  const report = await withExistingTenant(config, async (repo) => runTroubleshooter(await loadStatusInput(repo, DEFAULT_AGENT_SILENT_AFTER_MINUTES), new Date()));
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const lines = [`Troubleshooter (${localTime(report.ranAt)})`];
  for (const check of report.checks) {
    lines.push(`  [${mark[check.verdict]}] ${localTimesIn(check.found)}`);
    if (check.action) lines.push(`            What to do: ${localTimesIn(check.action)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function printUsers(config: DirbridgeConfig, query: { search?: string | undefined; page: number; pageSize: number; json: boolean }): Promise<void> {
  if (!Number.isInteger(query.page) || query.page < 1 || !Number.isInteger(query.pageSize) || query.pageSize < 1 || query.pageSize > 200) {
    throw new AppError('REQUEST_INVALID', { message: '--page must be 1 or more and --page-size from 1 to 200.' });
  }
  const page = await withExistingTenant(config, (repo) => repo.listUsers({ search: query.search, page: query.page, pageSize: query.pageSize }));
  if (query.json) {
    process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
    return;
  }
  const rows = page.items.map((u) => [u.displayName ?? '', u.userPrincipalName, u.mail ?? '', u.source === 'on_premises' ? 'synced' : 'cloud only', u.enabled ? 'enabled' : 'disabled']);
  const header = ['Display name', 'UPN', 'Mail', 'Source', 'State'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const first = page.total === 0 ? 0 : (page.page - 1) * page.pageSize + 1;
  // A search with very many matches counts up to a bound (directory-queries.ts) and says so.
  const total = page.totalIsLowerBound ? `${page.total}+` : String(page.total);
  process.stdout.write([line(header), ...rows.map(line), `${first}-${first + page.items.length - (page.total === 0 ? 0 : 1)} of ${total}`].join('\n') + '\n');
}

export async function createAdmin(config: DirbridgeConfig, input: { username: string; role: 'global_admin' | 'global_reader'; password?: string | undefined }): Promise<void> {
  const { generatedPassword } = await withTenant(config, async (repo, store) => {
    await store.ensureTenant(config.tenant.tenantId, config.tenant.tenantId);
    return createAdminAccount(repo, input, 'cli', new Date());
  });
  process.stdout.write(`Admin ${input.username} (${input.role}) created; the password must be changed at the first sign-in.\n`);
  if (generatedPassword) process.stdout.write(`Password (shown only now): ${generatedPassword}\n`);
}

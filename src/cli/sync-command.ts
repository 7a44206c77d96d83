/** `dirbridge sync`: one cycle now, with a progress bar, or a dry run that prints the plan. */
import cliProgress from 'cli-progress';
import type { Agent } from '../agent/agent.js';
import { AppError } from '../shared/errors.js';

export async function runSyncCommand(agent: Agent, options: { mode: 'full' | 'delta'; dryRun: boolean; allowDeletes: boolean; json: boolean; passwordsOnly?: boolean }): Promise<void> {
  const settings = await agent.connect();
  if (!settings) throw new AppError('TENANT_UNREACHABLE', { message: 'The agent could not read its settings from the tenant.' });
  if (!settings.active) throw new AppError('CONFIG_INVALID', { message: 'Another agent holds the active lease for this tenant; this one is standby.', hint: 'Run the cycle on the active agent, or stop it first.' });
  if (options.passwordsOnly) {
    await runPasswordsOnly(agent, options);
    return;
  }

  const bar = options.json || !process.stderr.isTTY ? null : new cliProgress.SingleBar({
    format: ' {phase} |{bar}| {read} read · {exported} exported · {errors} errors',
    stream: process.stderr,
    hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  bar?.start(1, 0, { phase: 'reading', read: 0, exported: 0, errors: 0 });
  const result = await agent.syncDirectory(options.mode, {
    dryRun: options.dryRun,
    allowDeletes: options.allowDeletes,
    onProgress: (p) => {
      bar?.setTotal(Math.max(p.read, 1));
      bar?.update(p.phase === 'done' ? Math.max(p.read, 1) : p.read, { phase: p.phase.padEnd(7), read: p.read, exported: p.exported, errors: p.errors });
    },
  });
  bar?.stop();
  if (!result) throw new AppError('CONFIG_INVALID', { message: 'Directory sync is switched off for this tenant.', hint: 'Switch it on in DirSync management.' });

  if (options.dryRun && result.plan) {
    const plan = result.plan;
    if (options.json) {
      process.stdout.write(`${JSON.stringify({
        add: plan.adds.map((u) => u.record.dn), update: plan.updates.map((u) => u.record.dn), delete: plan.deletes.map((d) => d.dn),
        unchanged: plan.unchanged, errors: [...result.errors, ...result.rejected], pendingDeletes: result.pendingDeletes,
      }, null, 2)}\n`);
      return;
    }
    const lines = [`Dry run (${result.mode}): nothing was exported.`];
    for (const u of plan.adds) lines.push(`  + add     ${u.record.kind.padEnd(5)} ${u.record.dn}`);
    for (const u of plan.updates) lines.push(`  ~ update  ${u.record.kind.padEnd(5)} ${u.record.dn}`);
    for (const d of plan.deletes) lines.push(`  - delete  ${d.kind.padEnd(5)} ${d.dn}`);
    for (const e of [...result.errors, ...result.rejected]) lines.push(`  ! error   ${e.code} ${e.dn}: ${e.message}`);
    lines.push(`${plan.adds.length} to add, ${plan.updates.length} to update, ${plan.deletes.length} to delete, ${plan.unchanged} unchanged, ${result.errors.length} in error.`);
    if (result.failure) lines.push(`${result.failure.code}: ${result.failure.message}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return;
  }

  const passwords = await agent.syncPasswords(options.mode);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ directory: summary(result), passwords: passwords ? summary(passwords) : null }, null, 2)}\n`);
  } else {
    process.stdout.write(`Directory ${result.mode} cycle: ${result.outcome}. ${Object.entries(result.counts).map(([k, v]) => `${k} ${v}`).join(', ')}.\n`);
    const problems = [...result.errors, ...result.rejected];
    for (const e of problems.slice(0, 20)) process.stdout.write(`  ${e.code} ${e.dn}: ${e.message}\n`);
    if (problems.length > 20) process.stdout.write(`  ... and ${problems.length - 20} more (see Sync errors in the admin center)\n`);
    if (passwords) process.stdout.write(`Password cycle: ${passwords.outcome}. ${Object.entries(passwords.counts).map(([k, v]) => `${k} ${v}`).join(', ')}.\n`);
    else process.stdout.write('Password sync is switched off: no password hashes were sent.\n');
  }
  if (result.failure) throw result.failure;
}

/**
 * The password bar's line: a full read fills towards its users in scope, with the time left; a
 * delta knows its size only once it has read it, so it counts ("12 of 12" would claim it done).
 */
export const passwordBarFormat: cliProgress.GenericFormatter = (options, params, payload: { mode?: string }) => cliProgress.Format.Formatter({
  ...options,
  format: payload.mode === 'full'
    ? ' passwords |{bar}| {value} of {total} users · {derived} derived · {eta_formatted} left'
    : ' passwords | {value} changed so far · {derived} derived',
}, params, payload);

/** A password cycle alone (with --full, a reconciliation), with its progress: derived so far, of how many, ETA. */
async function runPasswordsOnly(agent: Agent, options: { mode: 'full' | 'delta'; json: boolean }): Promise<void> {
  const bar = options.json || !process.stderr.isTTY ? null : new cliProgress.SingleBar({
    format: passwordBarFormat,
    stream: process.stderr,
    hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  bar?.start(1, 0, { derived: 0, mode: options.mode });
  const timer = setInterval(() => {
    const p = agent.currentPasswordProgress;
    if (!p) return;
    bar?.setTotal(Math.max(p.total, 1));
    bar?.update(p.processed, { derived: p.derived, mode: p.mode });
  }, 250);
  const passwords = await agent.syncPasswords(options.mode).finally(() => { clearInterval(timer); bar?.stop(); });
  if (!passwords) throw new AppError('PASSWORD_SYNC_DISABLED', { message: 'Password sync is switched off for this tenant: no password cycle ran.' });
  if (options.json) process.stdout.write(`${JSON.stringify({ passwords: summary(passwords) }, null, 2)}\n`);
  else process.stdout.write(`Password ${passwords.mode} cycle: ${passwords.outcome}. ${Object.entries(passwords.counts).map(([k, v]) => `${k} ${v}`).join(', ')}.\n`);
  if (passwords.failure) throw passwords.failure;
}

function summary(result: { mode: string; outcome: string; counts: object; errors: unknown[]; failure: AppError | null }) {
  return { mode: result.mode, outcome: result.outcome, counts: result.counts, errors: result.errors, failure: result.failure?.toJSON() ?? null };
}

/**
 * The credential lifecycle from the command line, directly in the store (like `admin create`),
 * audited with actor `cli`: `admin list|disable|enable|remove|reset-password`,
 * `agents list|revoke`, `token list|revoke`. The rules are those of the admin API (admin-accounts.ts).
 * They work on an existing store only (STORE_NOT_FOUND otherwise: a typo in --data-dir creates nothing).
 */
import type { Command } from 'commander';
import type { DirbridgeConfig } from '../config/schema.js';
import { AppError } from '../shared/errors.js';
import {
  findAdminByIdOrName, removeAdminAccount, resetAdminPassword, setAdminDisabled, toAdminAccountView,
} from '../tenant/admin-accounts.js';
import { withExistingTenant as withTenant } from './tenant-commands.js';
import { localTime } from './time-format.js';

type Flags = Record<string, unknown>;

export interface LifecycleCommandWiring {
  storeOptions(command: Command): Command;
  configFrom(flags: Flags): DirbridgeConfig;
  action(run: (flags: Flags, command: Command) => Promise<void>): (...args: unknown[]) => Promise<void>;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

const print = (json: boolean, value: unknown, text: () => string) => process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text());

export function registerLifecycleCommands(program: Command, admin: Command, token: Command, wiring: LifecycleCommandWiring): void {
  const { storeOptions, configFrom, action } = wiring;

  storeOptions(admin.command('list'))
    .description('list the admins: role, created, disabled, password change pending')
    .option('--json', 'print JSON (the shape of GET /api/v1/admins)')
    .action(action(async (flags) => {
      const admins = (await withTenant(configFrom(flags), (repo) => repo.listAdmins())).map(toAdminAccountView);
      print(Boolean(flags.json), admins, () => table(['User name', 'Role', 'Created', 'State'], admins.map((a) => [
        a.username, a.role, localTime(a.createdAt), a.disabledAt ? `disabled ${localTime(a.disabledAt)}` : a.mustChangePassword ? 'enabled (must change password)' : 'enabled',
      ])));
    }));

  for (const [name, disabled] of [['disable', true], ['enable', false]] as const) {
    storeOptions(admin.command(name))
      .description(disabled ? 'disable an admin: they cannot sign in and their sessions end' : 'enable a disabled admin')
      .argument('<username>', 'user name (or id) of the admin')
      .action(action(async (flags, command) => {
        const username = command.args[0]!;
        await withTenant(configFrom(flags), async (repo) => setAdminDisabled(repo, (await findAdminByIdOrName(repo, username)).id, disabled, 'cli', new Date()));
        process.stdout.write(`Admin ${username} ${disabled ? 'disabled; their sessions ended' : 'enabled'}.\n`);
      }));
  }

  storeOptions(admin.command('remove'))
    .description('remove an admin and end their sessions (the last enabled global admin stays)')
    .argument('<username>', 'user name (or id) of the admin')
    .action(action(async (flags, command) => {
      const username = command.args[0]!;
      await withTenant(configFrom(flags), async (repo) => removeAdminAccount(repo, (await findAdminByIdOrName(repo, username)).id, 'cli', new Date()));
      process.stdout.write(`Admin ${username} removed.\n`);
    }));

  storeOptions(admin.command('reset-password'))
    .description('give an admin a new generated password (printed once), to be changed at the next sign-in; their sessions end')
    .argument('<username>', 'user name (or id) of the admin')
    .action(action(async (flags, command) => {
      const username = command.args[0]!;
      const { password } = await withTenant(configFrom(flags), async (repo) => resetAdminPassword(repo, (await findAdminByIdOrName(repo, username)).id, 'cli', new Date()));
      process.stdout.write(`New password for ${username} (shown only now; must be changed at the next sign-in): ${password}\n`);
    }));

  const agents = program.command('agents').description('registered agents');
  storeOptions(agents.command('list'))
    .description('list agents: host, version, last heartbeat (local time), state as the admin center shows it (active, standby, offline, revoked)')
    .option('--json', 'print JSON (the shape of GET /api/v1/agents)')
    .action(action(async (flags) => {
      const list = await withTenant(configFrom(flags), (repo) => repo.listAgents());
      print(Boolean(flags.json), list, () => table(['Id', 'Host', 'Version', 'Last heartbeat', 'State'], list.map((a) => [
        a.id, a.host, a.version, localTime(a.lastHeartbeat), a.revokedAt ? `revoked ${localTime(a.revokedAt)}` : (a.state ?? (a.active ? 'active' : 'standby')),
      ])));
    }));
  storeOptions(agents.command('revoke'))
    .description('revoke an agent: its next call is refused (AGENT_REVOKED)')
    .argument('<id>', 'agent id (dirbridge agents list)')
    .action(action(async (flags, command) => {
      const id = command.args[0]!;
      await withTenant(configFrom(flags), async (repo) => {
        const agent = await repo.findAgent(id);
        if (!agent) throw new AppError('NOT_FOUND', { message: `No agent with id ${id} is registered.`, params: { form: 'agent', id } });
        await repo.revokeAgent(id, new Date());
        await repo.audit({ actor: 'cli', action: 'agent.revoked', details: { agentId: id, host: agent.host }, at: new Date() });
      });
      process.stdout.write(`Agent ${id} revoked.\n`);
    }));

  storeOptions(token.command('list'))
    .description('list registration tokens (never the token itself): created by, expiry, used, revoked')
    .option('--json', 'print JSON')
    .action(action(async (flags) => {
      const tokens = await withTenant(configFrom(flags), (repo) => repo.listRegistrationTokens());
      const views = tokens.map((t) => ({ id: t.id, createdBy: t.createdBy, expiresAt: t.expiresAt.toISOString(), usedAt: t.usedAt?.toISOString() ?? null, revokedAt: t.revokedAt?.toISOString() ?? null }));
      print(Boolean(flags.json), views, () => table(['Id', 'Created by', 'Expires', 'State'], views.map((t) => [
        t.id, t.createdBy, localTime(t.expiresAt), t.revokedAt ? 'revoked' : t.usedAt ? 'used' : Date.parse(t.expiresAt) <= Date.now() ? 'expired' : 'unused',
      ])));
    }));
  storeOptions(token.command('revoke'))
    .description('revoke an unused registration token')
    .argument('<id>', 'token id (dirbridge token list)')
    .action(action(async (flags, command) => {
      const id = command.args[0]!;
      await withTenant(configFrom(flags), async (repo) => {
        if (!(await repo.revokeRegistrationToken(id, new Date()))) throw new AppError('NOT_FOUND', { message: `No unused registration token with id ${id} exists.`, params: { form: 'registrationToken', id } });
        await repo.audit({ actor: 'cli', action: 'registration_token.revoked', details: { id }, at: new Date() });
      });
      process.stdout.write(`Registration token ${id} revoked.\n`);
    }));
}

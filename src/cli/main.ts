/**
 * The composition root: the `dirbridge` command. Each subcommand wires the parts it needs;
 * nothing else in the code base wires adapters together.
 */
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { loadConfig, deepMerge } from '../config/load.js';
import type { DirbridgeConfig } from '../config/schema.js';
import { AppError } from '../shared/errors.js';
import { createCliLogger, failWith, version } from './runtime.js';
import { startAllInOne, startTenant, createRegistrationToken } from './all-in-one.js';
import { buildAgent, startAgent, storedTenantUrl } from './agent-wiring.js';
import { printStatus, printUsers, createAdmin, printTroubleshooter } from './tenant-commands.js';
import { registerLifecycleCommands } from './lifecycle-commands.js';
import { runSyncCommand } from './sync-command.js';
import { registerSyncErrorsCommands } from './sync-errors-command.js';
import { checkSourceFiles, checkWritableDir, preflightTenant } from './preflight.js';
import { statusExitCode, STATUS_EXIT_HELP } from './status-exit.js';
import { registerOidcClientCommands } from './oidc-commands.js';

type Flags = Record<string, unknown>;

const program = new Command()
  .name('dirbridge')
  .description('Synchronize an on-premises directory into a cloud identity tenant, with password hash sync and an admin center.')
  .version(version)
  .showHelpAfterError();

/** Flags shared by every command that opens the tenant's store. */
function storeOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'config file (YAML or JSON); also DIRBRIDGE_CONFIG')
    .option('--data-dir <dir>', 'data folder (SQLite store, agent state); also DIRBRIDGE_DATA_DIR')
    .option('--database-url <url>', 'postgres://... to use PostgreSQL instead of SQLite; also DATABASE_URL')
    .option('--tenant <id>', 'tenant id', undefined);
}

function serverOptions(command: Command): Command {
  return storeOptions(command)
    .option('-p, --port <port>', 'HTTP port (0 = any free port); also DIRBRIDGE_PORT', parsePort)
    .option('--host <address>', 'address to listen on; also DIRBRIDGE_HOST')
    .option('--public-url <url>', 'the https:// URL people and agents reach the service by (OIDC issuer, Secure cookies, HSTS); also DIRBRIDGE_PUBLIC_URL')
    .option('--trust-proxy <addresses>', 'comma-separated addresses/CIDRs of reverse proxies whose X-Forwarded-For is believed; also DIRBRIDGE_TRUST_PROXY')
    .option('--tls-cert <file>', 'serve HTTPS: PEM certificate (with chain)')
    .option('--tls-key <file>', 'serve HTTPS: PEM private key');
}

function sourceOptions(command: Command): Command {
  return command
    .option('--source-ldif <file>', 'synchronize this LDIF file')
    .option('--source-url <url>', 'synchronize this LDAP directory: ldap://host:389 or ldaps://host:636')
    .addOption(new Option('--flavor <flavor>', 'directory flavor: openldap, 389ds (389-DS, FreeIPA) or ad').choices(['openldap', '389ds', 'ad']))
    .option('--bind-dn <dn>', 'DN of the sync account')
    .option('--bind-password-file <file>', 'file holding the sync account password')
    .option('--base-dn <dn...>', 'subtree(s) to synchronize')
    .option('--ca-file <file>', 'PEM file of the CA of the directory server certificate')
    .option('--start-tls', 'upgrade ldap:// with StartTLS')
    .option('--allow-cleartext', 'allow an http:// tenant URL or ldap:// without StartTLS to a non-loopback host (shown as a warning)')
    .option('--replace-source', 'this data folder synced another source: switch it to the source given (the old source\'s objects leave the tenant)');
}

function parsePort(value: string): number {
  const port = Number(value);
  // Said as a coded error and the process ends here: commander would print a thrown error's stack.
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(port) || port < 0 || port > 65535) {
    failWith(new AppError('CONFIG_INVALID', { message: `--port must be a number from 0 to 65535, not "${value}".`, hint: 'Give a port number, e.g. --port 8080 (0 picks any free port).' }));
  }
  return port;
}

/** Flags become a partial config tree on top of file and environment. */
function configFrom(flags: Flags): DirbridgeConfig {
  const tenant: Flags = {};
  if (flags.port !== undefined) tenant.port = flags.port;
  if (flags.host) tenant.host = flags.host;
  if (flags.dataDir) tenant.dataDir = flags.dataDir;
  if (flags.databaseUrl) tenant.databaseUrl = flags.databaseUrl;
  if (flags.tenant) tenant.tenantId = flags.tenant;
  if (flags.publicUrl) tenant.publicUrl = flags.publicUrl;
  if (typeof flags.trustProxy === 'string') tenant.trustProxy = flags.trustProxy.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (flags.tlsCert || flags.tlsKey) tenant.tls = { certFile: flags.tlsCert, keyFile: flags.tlsKey };
  const agent: Flags = {};
  if (flags.tenantUrl) agent.tenantUrl = flags.tenantUrl;
  if (flags.token) agent.registrationToken = flags.token;
  if (flags.stateDir) agent.stateDir = flags.stateDir;
  if (flags.allowCleartext) agent.allowCleartext = true;
  if (flags.sourceLdif) agent.source = { type: 'ldif', path: flags.sourceLdif };
  if (flags.sourceUrl) {
    agent.source = {
      type: 'ldap',
      url: flags.sourceUrl,
      ...(flags.flavor ? { flavor: flags.flavor } : {}),
      ...(flags.bindDn ? { bindDn: flags.bindDn } : {}),
      ...(flags.bindPasswordFile ? { bindPasswordFile: flags.bindPasswordFile } : {}),
      ...(flags.baseDn ? { baseDns: flags.baseDn } : {}),
      ...(flags.caFile ? { caFile: flags.caFile } : {}),
      ...(flags.startTls ? { startTls: true } : {}),
    };
  }
  // A source given by flags is completed by the file's source settings of the same type.
  const base = loadConfig({ file: flags.config as string | undefined });
  const fileSource = base.agent.source as Flags | undefined;
  if (agent.source && fileSource && fileSource.type === (agent.source as Flags).type) agent.source = deepMerge(fileSource, agent.source as Flags);
  return loadConfig({ file: flags.config as string | undefined, overrides: { tenant, agent } });
}

function action(run: (flags: Flags, command: Command) => Promise<void>) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const flags = command.opts();
    try {
      await run(flags, command);
    } catch (error) {
      failWith(error, Boolean(flags.json));
    }
  };
}

function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write('Stopping dirbridge...\n');
    void stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

function announce(url: string, initialAdmin: { username: string; password: string | null; passwordFile: string | null } | null): void {
  const lines = [``, `  dirbridge ${version} is running.`, `  Admin center: ${url}/`];
  if (initialAdmin && !initialAdmin.password) {
    lines.push('', `  First start: the initial global admin "${initialAdmin.username}" was created with the configured password.`);
  } else if (initialAdmin?.password && process.stdout.isTTY) {
    lines.push(
      ``,
      `  First start: an initial global admin was created. Sign in with`,
      `    user name: ${initialAdmin.username}`,
      `    password:  ${initialAdmin.password}`,
      `  It must be changed at the first sign-in. It is also in ${initialAdmin.passwordFile} (readable by this user only);`,
      `  delete that file once you have signed in.`,
    );
  } else if (initialAdmin?.password) {
    // Not a terminal: stdout goes to a service log, which is no place for a password.
    lines.push(
      ``,
      `  First start: an initial global admin "${initialAdmin.username}" was created.`,
      `  Its password is in ${initialAdmin.passwordFile} (readable by this user only); it must be changed at the first sign-in.`,
      `  Delete the file once you have signed in.`,
    );
  }
  lines.push('', '  Press Ctrl+C to stop.', '');
  process.stdout.write(`${lines.join('\n')}\n`);
}

sourceOptions(serverOptions(program.command('start')))
  .description('start the all-in-one: tenant service, admin center and an agent (bundled sample directory unless a source is given)')
  .action(action(async (flags) => {
    const config = configFrom(flags);
    // Checked before anything is created, so a failed first start leaves nothing behind.
    await preflightTenant(config);
    checkSourceFiles(config.agent.source);
    const logger = createCliLogger();
    const running = await startAllInOne(config, logger, { replaceSource: Boolean(flags.replaceSource) });
    announce(running.tenant.url, running.tenant.initialAdmin);
    onShutdown(() => running.stop());
  }));

serverOptions(program.command('serve'))
  .description('start the tenant service and admin center only (agents connect to it)')
  .action(action(async (flags) => {
    const config = configFrom(flags);
    await preflightTenant(config);
    const logger = createCliLogger();
    const tenant = await startTenant(config, logger);
    announce(tenant.url, tenant.initialAdmin);
    onShutdown(() => tenant.close());
  }));

sourceOptions(storeOptions(program.command('agent')))
  .description('start an agent that synchronizes a directory into a tenant')
  .option('--tenant-url <url>', 'URL of the tenant service; also DIRBRIDGE_TENANT_URL')
  .option('--token <token>', 'one-time registration token (first start only); also DIRBRIDGE_REGISTRATION_TOKEN')
  .option('--state-dir <dir>', 'folder of the agent state (default <data-dir>/agent)')
  .action(action(async (flags) => {
    const config = configFrom(flags);
    const tenantUrl = requireTenantUrl(config);
    checkWritableDir(config.agent.stateDir ?? config.tenant.dataDir, 'The agent state folder');
    checkSourceFiles(config.agent.source);
    const logger = createCliLogger();
    const running = await startAgent(config, logger, { tenantUrl, replaceSource: Boolean(flags.replaceSource) });
    process.stdout.write(`dirbridge agent ${version}: synchronizing ${running.source.description} into ${tenantUrl}\n`);
    onShutdown(() => running.stop());
  }));

sourceOptions(storeOptions(program.command('sync')))
  .description('run one directory cycle (and a password cycle) now, with a progress bar')
  .option('--tenant-url <url>', 'URL of the tenant service; also DIRBRIDGE_TENANT_URL')
  .option('--state-dir <dir>', 'folder of the agent state (default <data-dir>/agent)')
  .option('--full', 'read the whole directory (default: delta)')
  .option('--delta', 'read only what changed since the last cycle')
  .option('--dry-run', 'print what the cycle would add, update and delete; export nothing')
  .option('--allow-deletes', 'allow this cycle to export more deletes than the threshold')
  .option('--passwords-only', 'run only a password cycle; with --full, a password reconciliation (every user without a current verifier gets one)')
  .option('--json', 'print the result as JSON')
  .action(action(async (flags) => {
    const config = configFrom(flags);
    const tenantUrl = requireTenantUrl(config);
    const running = await buildAgent(config, createCliLogger('warn'), { tenantUrl, allowSample: 'if-recorded', replaceSource: Boolean(flags.replaceSource) });
    try {
      await runSyncCommand(running.agent, {
        passwordsOnly: Boolean(flags.passwordsOnly),
        mode: flags.full ? 'full' : 'delta',
        dryRun: Boolean(flags.dryRun),
        allowDeletes: Boolean(flags.allowDeletes),
        json: Boolean(flags.json),
      });
    } finally {
      await running.stop();
    }
  }));

storeOptions(program.command('status'))
  .description('print the DirSync status of the tenant in the configured store; the exit code says how it is (for monitoring)')
  .option('--json', 'print the same JSON as GET /api/v1/dirsync/status')
  .addHelpText('after', STATUS_EXIT_HELP)
  .action(async (...args: unknown[]) => {
    const flags = (args[args.length - 1] as Command).opts();
    try {
      process.exitCode = statusExitCode(await printStatus(configFrom(flags), Boolean(flags.json)));
    } catch (error) {
      failWith(error, Boolean(flags.json), 3);
    }
  });

storeOptions(program.command('troubleshoot'))
  .description('run the troubleshooter checks and print what is wrong and what to do')
  .option('--user <upn>', 'trace the last password sync of one user (UPN or mail)')
  .option('--json', 'print JSON')
  .action(action(async (flags) => printTroubleshooter(configFrom(flags), Boolean(flags.json), flags.user as string | undefined)));

const users = program.command('users').description('the tenant\'s users');
storeOptions(users.command('list'))
  .description('list users (synced and cloud-only)')
  .option('--search <text>', 'filter by name, UPN or mail')
  .option('--page <n>', 'page number', (v) => Number(v), 1)
  .option('--page-size <n>', 'users per page (max 200)', (v) => Number(v), 50)
  .option('--json', 'print JSON (the same page shape as GET /api/v1/users)')
  .action(action(async (flags) => printUsers(configFrom(flags), {
    search: flags.search as string | undefined, page: flags.page as number, pageSize: flags.pageSize as number, json: Boolean(flags.json),
  })));

const admin = program.command('admin').description('admin accounts of the admin center');
storeOptions(admin.command('create'))
  .description('add an admin; prints a generated password unless --password-file is given')
  .requiredOption('--username <name>', 'user name')
  .addOption(new Option('--role <role>', 'role').choices(['global_admin', 'global_reader']).default('global_reader'))
  .option('--password-file <file>', 'file holding the password (at least 12 characters)')
  .action(action(async (flags) => {
    const password = flags.passwordFile ? readFileSync(flags.passwordFile as string, 'utf8').replace(/\r?\n$/, '') : undefined;
    await createAdmin(configFrom(flags), { username: flags.username as string, role: flags.role as 'global_admin' | 'global_reader', password });
  }));

const token = program.command('token').description('agent registration tokens');
storeOptions(token.command('create'))
  .description('create a one-time registration token for an agent (valid 24 hours)')
  .action(action(async (flags) => {
    const config = configFrom(flags);
    const { openStore } = await import('../tenant/store/open-store.js');
    const store = await openStore({ databaseUrl: config.tenant.databaseUrl, dataDir: config.tenant.dataDir });
    try {
      await store.migrate();
      const created = await createRegistrationToken(store, config.tenant.tenantId, 'cli');
      process.stdout.write(`Registration token (valid 24 hours, usable once):\n  ${created}\nOn the agent host run:\n  dirbridge agent --tenant-url <tenant URL> --token <token>\n`);
    } finally {
      await store.close();
    }
  }));

registerOidcClientCommands(program, { storeOptions, configFrom, action });
registerLifecycleCommands(program, admin, token, { storeOptions, configFrom, action });
registerSyncErrorsCommands(program, { storeOptions, configFrom, action });

function requireTenantUrl(config: DirbridgeConfig): string {
  const url = config.agent.tenantUrl ?? storedTenantUrl(config);
  if (!url) {
    throw new AppError('CONFIG_INVALID', { message: 'agent.tenantUrl is not set.', hint: 'Give the tenant service URL with --tenant-url or DIRBRIDGE_TENANT_URL.' });
  }
  return url;
}

await program.parseAsync(process.argv);

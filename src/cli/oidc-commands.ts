/**
 * `dirbridge oidc-client create|list|delete`: registering OpenID Connect relying parties from the
 * command line, directly in the store (like `dirbridge admin create`). Audited with actor `cli`.
 */
import type { Command } from 'commander';
import type { DirbridgeConfig } from '../config/schema.js';
import { AppError } from '../shared/errors.js';
import { requestInvalid } from '../tenant/http/route.js';
import { oidcClientCreateRequest } from '../tenant/oidc/client-contract.js';
import { createOidcClient, toClientView } from '../tenant/oidc/oidc-clients.js';
import { summarizeKeyRing } from '../tenant/oidc/key-ring.js';
import { keyRingPolicy, rotateKeys } from '../tenant/oidc/keys.js';
import type { OidcRepository } from '../tenant/store/oidc-repository.js';
import { openStore } from '../tenant/store/open-store.js';
import { localTime } from './time-format.js';
import type { TenantRepository } from '../tenant/store/ports.js';

type Flags = Record<string, unknown>;

export interface OidcCommandWiring {
  storeOptions(command: Command): Command;
  configFrom(flags: Flags): DirbridgeConfig;
  action(run: (flags: Flags, command: Command) => Promise<void>): (...args: unknown[]) => Promise<void>;
}

async function withOidc<T>(config: DirbridgeConfig, work: (oidc: OidcRepository, repo: TenantRepository) => Promise<T>): Promise<T> {
  const store = await openStore({ databaseUrl: config.tenant.databaseUrl, dataDir: config.tenant.dataDir });
  try {
    await store.migrate();
    await store.ensureTenant(config.tenant.tenantId, config.tenant.tenantId);
    return await work(store.oidc(config.tenant.tenantId), store.forTenant(config.tenant.tenantId));
  } finally {
    await store.close();
  }
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerOidcClientCommands(program: Command, wiring: OidcCommandWiring): void {
  const { storeOptions, configFrom, action } = wiring;
  const group = program.command('oidc-client').description('OpenID Connect clients (applications that sign users in with the tenant)');

  storeOptions(group.command('create'))
    .description('register a client for the authorization code flow with PKCE; prints its id and (once) its secret')
    .requiredOption('--name <name>', 'name shown on the sign-in page')
    .requiredOption('--redirect-uri <url>', 'redirect URI (https://, or http:// to localhost); repeat for more', collect)
    .option('--public', 'a public client (single-page or native app): no secret, PKCE only')
    .option('--json', 'print JSON (the same shape as POST /api/v1/oidc-clients, without the issuer)')
    .action(action(async (flags) => {
      const parsed = oidcClientCreateRequest.safeParse({ name: flags.name, redirectUris: flags.redirectUri, public: Boolean(flags.public) });
      if (!parsed.success) {
        const error = requestInvalid(parsed.error, 'body');
        throw new AppError('REQUEST_INVALID', { message: error.message.replace('The request body is invalid', 'The client is invalid'), hint: 'Correct the named option (--name, --redirect-uri) and run the command again.', details: error.details });
      }
      const config = configFrom(flags);
      const created = await withOidc(config, async (oidc, repo) => {
        const now = new Date();
        const result = await createOidcClient(oidc, { name: parsed.data.name, redirectUris: parsed.data.redirectUris, public: parsed.data.public }, 'cli', now);
        await repo.audit({ actor: 'cli', action: 'oidc_client.created', details: { clientId: result.client.clientId, name: result.client.name, redirectUris: result.client.redirectUris, public: result.client.public }, at: now });
        return result;
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ ...created.client, clientSecret: created.clientSecret }, null, 2)}\n`);
        return;
      }
      const lines = [
        `OpenID Connect client "${created.client.name}" registered.`,
        `  Client id:      ${created.client.clientId}`,
        created.clientSecret === null
          ? '  Client secret:  none (public client: authorization code flow with PKCE only)'
          : `  Client secret:  ${created.clientSecret}\n  The secret is shown only now; store it in the application's configuration.`,
        `  Redirect URIs:  ${created.client.redirectUris.join(', ')}`,
        '  Issuer:         <tenant URL>/oidc (discovery at <tenant URL>/oidc/.well-known/openid-configuration)',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }));

  storeOptions(group.command('list'))
    .description('list registered clients (never their secrets)')
    .option('--json', 'print JSON (the same shape as GET /api/v1/oidc-clients)')
    .action(action(async (flags) => {
      const clients = (await withOidc(configFrom(flags), (oidc) => oidc.listClients())).map(toClientView);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(clients, null, 2)}\n`);
        return;
      }
      if (clients.length === 0) {
        process.stdout.write('No OpenID Connect clients are registered. Add one with: dirbridge oidc-client create --name <name> --redirect-uri <url>\n');
        return;
      }
      for (const c of clients) {
        process.stdout.write(`${c.clientId}  ${c.name}  (${c.public ? 'public, PKCE only' : 'confidential'})  created ${localTime(c.createdAt)} by ${c.createdBy}\n    ${c.redirectUris.join('\n    ')}\n`);
      }
    }));

  storeOptions(group.command('delete'))
    .description('remove a client; its codes and tokens stop working')
    .argument('<clientId>', 'the client id (see dirbridge oidc-client list)')
    .action(action(async (flags, command) => {
      const clientId = String(command.args[0]);
      await withOidc(configFrom(flags), async (oidc, repo) => {
        const client = await oidc.findClient(clientId);
        if (!client || !(await oidc.deleteClient(clientId))) {
          throw new AppError('NOT_FOUND', { message: `No OpenID Connect client ${clientId} is registered.`, hint: 'List the clients with dirbridge oidc-client list.', details: { clientId }, params: { form: 'oidcClient', id: clientId } });
        }
        await repo.audit({ actor: 'cli', action: 'oidc_client.deleted', details: { clientId, name: client.name }, at: new Date() });
      });
      process.stdout.write(`OpenID Connect client ${clientId} deleted.\n`);
    }));

  const keys = program.command('oidc').description('the OpenID Connect provider\'s keys');
  storeOptions(keys.command('rotate-keys'))
    .description('rotate the signing and cookie keys now (the published next key starts signing; retired keys stay until their tokens and cookies expire). Audited.')
    .option('--json', 'print JSON (the same shape as POST /api/v1/oidc-keys/rotate)')
    .action(action(async (flags) => {
      const config = configFrom(flags);
      const policy = keyRingPolicy(config.tenant.oidc?.keyRotationDays);
      const summary = await withOidc(config, async (oidc, repo) => {
        const now = new Date();
        const result = summarizeKeyRing(await rotateKeys(oidc, now, policy), policy);
        const current = result.signing.find((k) => k.state === 'current')!;
        await repo.audit({ actor: 'cli', action: 'oidc_keys.rotated', details: { signingKid: current.kid, retiredKids: result.signing.filter((k) => k.state === 'retired').map((k) => k.kid) }, at: now });
        return result;
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        return;
      }
      const lines = ['OpenID Connect keys rotated (running services pick them up within a minute).'];
      for (const k of summary.signing) lines.push(`  signing key ${k.kid}  ${k.state}${k.removedAt ? `  (published until ${k.removedAt.toISOString()})` : ''}`);
      lines.push(`  cookie keys: ${summary.cookieKeys.length} (the newest signs, older ones verify until their sessions expire)`);
      lines.push(`  next rotation: ${summary.nextRotationAt.toISOString()}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }));
}

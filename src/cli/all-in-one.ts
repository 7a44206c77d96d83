/**
 * The all-in-one: a tenant on its store plus an agent that synchronizes into it, in one process.
 * The agent talks to the tenant over HTTP like a remote agent would, so the all-in-one exercises
 * the same paths as a distributed installation.
 */
import { sha256Hex, newId, newSecret } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import type { DirbridgeConfig } from '../config/schema.js';
import { openStore } from '../tenant/store/open-store.js';
import type { TenantStore } from '../tenant/store/ports.js';
import { bootstrapTenant, startTenantService } from '../tenant/service.js';
import { startAgent, type RunningAgent } from './agent-wiring.js';
import { adminUiDir, version } from './runtime.js';
import { initialAdminNote, writeInitialAdminPassword } from './initial-admin.js';
import { portError } from './preflight.js';

export interface TenantRuntime {
  store: TenantStore;
  url: string;
  /**
   * Present on the first start only: the initial admin; `password` only when it was generated
   * (never echo one the admin chose), then also saved in `passwordFile` (owner-only, data folder).
   */
  initialAdmin: { username: string; password: string | null; passwordFile: string | null } | null;
  close(): Promise<void>;
}

export async function startTenant(config: DirbridgeConfig, logger: Logger): Promise<TenantRuntime> {
  const store = await openStore({ databaseUrl: config.tenant.databaseUrl, dataDir: config.tenant.dataDir });
  let passwordFile: string | null = null;
  let createdAdmin: string | null = null;
  try {
    await store.migrate();
    const boot = await bootstrapTenant(store, config.tenant.tenantId, { initialAdminPassword: config.tenant.initialAdminPassword });
    const generated = boot.created && !config.tenant.initialAdminPassword ? boot.password : null;
    // Saved before anything else can fail: a first start that fails later must not lose it.
    passwordFile = generated ? writeInitialAdminPassword(config.tenant.dataDir, generated) : null;
    if (boot.created) createdAdmin = boot.username;
    const service = await startTenantService({
      store, tenantId: config.tenant.tenantId, port: config.tenant.port, host: config.tenant.host, logger, uiDir: adminUiDir, version,
      publicUrl: config.tenant.publicUrl, trustProxy: config.tenant.trustProxy, tls: config.tenant.tls,
      signIn: config.tenant.signIn,
      oidcKeyRotationDays: config.tenant.oidc?.keyRotationDays,
      retention: config.tenant.retention,
      alerts: {
        smtp: config.alerts.smtp ?? null, intervalMs: config.alerts.intervalSeconds * 1000, repeatAfterHours: config.alerts.repeatHours,
        adminUrl: config.alerts.publicUrl ?? config.tenant.publicUrl ?? null,
      },
    });
    return {
      store,
      url: service.url,
      initialAdmin: boot.created ? { username: boot.username, password: generated, passwordFile } : null,
      async close() {
        await service.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    if (createdAdmin && passwordFile) process.stderr.write(initialAdminNote(createdAdmin, passwordFile));
    // The port can be taken between the start-up check and the listen.
    throw error instanceof Error && 'code' in error ? portError(error as NodeJS.ErrnoException, config.tenant.host, config.tenant.port) : error;
  }
}

/** A registration token made directly in the store, for the in-process agent's first start. */
export async function createRegistrationToken(store: TenantStore, tenantId: string, createdBy: string, ttlHours = 24): Promise<string> {
  const token = newSecret();
  await store.forTenant(tenantId).createRegistrationToken({
    id: newId(), tokenHash: sha256Hex(token), createdBy, expiresAt: new Date(Date.now() + ttlHours * 3_600_000), usedAt: null,
  });
  return token;
}

export interface AllInOne {
  tenant: TenantRuntime;
  agent: RunningAgent;
  stop(): Promise<void>;
}

export async function startAllInOne(config: DirbridgeConfig, logger: Logger, options: { replaceSource?: boolean } = {}): Promise<AllInOne> {
  const tenant = await startTenant(config, logger);
  try {
    const agent = await startAgent(config, logger.child({ part: 'agent' }), {
      tenantUrl: tenant.url,
      allowSample: true,
      ...(options.replaceSource ? { replaceSource: true } : {}),
      createToken: () => createRegistrationToken(tenant.store, config.tenant.tenantId, 'all-in-one'),
    });
    return {
      tenant,
      agent,
      async stop() {
        await agent.stop();
        await tenant.close();
      },
    };
  } catch (error) {
    await tenant.close();
    const admin = tenant.initialAdmin;
    if (admin?.passwordFile) process.stderr.write(initialAdminNote(admin.username, admin.passwordFile));
    throw error;
  }
}

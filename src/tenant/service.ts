/**
 * Starting the tenant service: the first-start bootstrap (tenant + initial admin) and the HTTP
 * listener. The CLI (composition root) opens the store and calls these.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../shared/errors.js';
import { hashAdminPassword } from '../passwords/index.js';
import type { Clock } from '../shared/clock.js';
import { newSecret } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import { buildTenantApp, type TenantAppOptions } from './http/app.js';
import type { TenantStore } from './store/ports.js';
import { DEFAULT_RETENTION, type RetentionSchedule } from './domain/retention.js';

export const INITIAL_ADMIN_USERNAME = 'admin';

export type BootstrapResult =
  | { created: true; username: string; password: string }
  | { created: false };

/**
 * Makes sure the tenant exists and has an admin. On the first start only it creates `admin`
 * (global_admin) with the given password (e.g. DIRBRIDGE_INITIAL_ADMIN_PASSWORD) or a freshly
 * generated one, and returns it once so the CLI can print it; later starts return created: false.
 */
export async function bootstrapTenant(store: TenantStore, tenantId: string, options: { initialAdminPassword?: string | undefined; tenantName?: string } = {}): Promise<BootstrapResult> {
  await store.migrate();
  await store.ensureTenant(tenantId, options.tenantName ?? tenantId);
  const repo = store.forTenant(tenantId);
  if ((await repo.countAdmins()) > 0) return { created: false };
  const password = options.initialAdminPassword && options.initialAdminPassword.length > 0 ? options.initialAdminPassword : newSecret(18);
  const generated = password !== options.initialAdminPassword;
  // A generated password has been on a screen or in a file: its first use must replace it.
  await repo.createAdmin({ username: INITIAL_ADMIN_USERNAME, role: 'global_admin', passwordHash: await hashAdminPassword(password), mustChangePassword: generated });
  await repo.audit({ actor: 'system', action: 'admin.created', details: { username: INITIAL_ADMIN_USERNAME, role: 'global_admin', initial: true }, at: new Date() });
  return { created: true, username: INITIAL_ADMIN_USERNAME, password };
}

export interface StartTenantServiceOptions {
  store: TenantStore;
  tenantId: string;
  port: number;
  host: string;
  logger: Logger;
  uiDir?: string | undefined;
  version: string;
  clock?: Clock | undefined;
  trustProxy?: boolean | readonly string[] | undefined;
  publicUrl?: string | undefined;
  /** PEM files of the certificate and key: the listener speaks HTTPS. */
  tls?: { certFile: string; keyFile: string } | undefined;
  leaseTtlSeconds?: number | undefined;
  signIn?: { workers?: number | undefined; queueLimit?: number | undefined } | undefined;
  /** History pruning (default DEFAULT_RETENTION); null switches it off (a second replica may leave it to the first). */
  retention?: RetentionSchedule | null | undefined;
  alerts?: TenantAppOptions['alerts'];
  /** Days between rotations of the OpenID Connect keys (tenant.oidc.keyRotationDays). */
  oidcKeyRotationDays?: number | undefined;
}

export interface RunningTenantService {
  /** e.g. http://127.0.0.1:8080 (the real port when 0 was asked for). */
  url: string;
  app: FastifyInstance;
  /** Stops listening and waits for requests in flight; the store stays open (the caller owns it). */
  close(): Promise<void>;
}

function readTlsFiles(tls: { certFile: string; keyFile: string }): { cert: Buffer; key: Buffer } {
  const read = (key: 'certFile' | 'keyFile') => {
    try {
      return readFileSync(tls[key]);
    } catch (cause) {
      throw new AppError('CONFIG_INVALID', { message: `tenant.tls.${key}: ${tls[key]} cannot be read.`, hint: 'Give readable PEM files with --tls-cert and --tls-key (or tenant.tls in the config file).', cause });
    }
  };
  return { cert: read('certFile'), key: read('keyFile') };
}

export async function startTenantService(options: StartTenantServiceOptions): Promise<RunningTenantService> {
  const https = options.tls ? readTlsFiles(options.tls) : undefined;
  const app = await buildTenantApp({ ...options, https });
  await app.listen({ port: options.port, host: options.host });
  const stopPruning = options.retention === null ? () => undefined : schedulePruning(options, options.retention ?? DEFAULT_RETENTION);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  return {
    url: `${https ? 'https' : 'http'}://${host}:${port}`,
    app,
    close: async () => {
      await stopPruning();
      await app.close();
    },
  };
}

/**
 * Prunes the tenant's history at start and then every `intervalMinutes`, one pruning at a time.
 * Replicas on one PostgreSQL may all prune: each deletes by time bounds, so they only repeat work.
 */
function schedulePruning(options: StartTenantServiceOptions, schedule: RetentionSchedule): () => Promise<void> {
  const repo = options.store.forTenant(options.tenantId);
  const logger = options.logger.child({ component: 'retention' });
  let running: Promise<void> | null = null;
  const prune = (): void => {
    if (running) return;
    running = repo.pruneHistory(schedule, options.clock?.now() ?? new Date())
      .then((removed) => {
        if (removed.runs + removed.batches + removed.audit + removed.lockouts > 0) logger.info({ removed }, 'old history pruned');
      })
      .catch((error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'pruning old history failed; retrying at the next interval'))
      .finally(() => { running = null; });
  };
  prune();
  const timer = setInterval(prune, schedule.intervalMinutes * 60_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/**
 * Builds the tenant service's Fastify app: security headers, cookies, the error shape, the route
 * table (agent, admin, DirSync, sign-in, operations, OpenAPI) and, when given, the admin UI with
 * an SPA fallback. No listener: `service.ts` listens, tests use `app.inject()`.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { createPasswordPool } from '../../passwords/index.js';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { AdminScryptParams } from '../../passwords/index.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import { AppError } from '../../shared/errors.js';
import { REDACTED_PATHS, type Logger } from '../../shared/logger.js';
import { rateLimitedWarning } from '../../shared/rate-limited-log.js';
import { DEFAULT_LOCKOUT_POLICY, type LockoutPolicy } from '../domain/lockout.js';
import { DEFAULT_AGENT_SILENT_AFTER_MINUTES } from '../domain/status.js';
import type { TenantStore } from '../store/ports.js';
import { adminRoutes } from './admin.routes.js';
import { LEASE_TTL_SECONDS, agentRoutes } from './agent.routes.js';
import { createAuthGuards } from './auth.plugin.js';
import { createDeployment } from './deployment.js';
import type { TenantAppContext } from './context.js';
import { detailRoutes } from './detail.routes.js';
import { dirsyncRoutes } from './dirsync.routes.js';
import { dirsyncManageRoutes } from './dirsync-manage.routes.js';
import { installErrorHandler, sendError } from './error-handler.js';
import { AGENT_CREDENTIAL_TTL_MS, lifecycleRoutes } from './lifecycle.routes.js';
import { metricsRoutes, RunCounters } from './metrics.routes.js';
import { openApiRoute } from './openapi.js';
import { registerRoutes, type RouteSpec } from './route.js';
import { signInRoutes } from './sign-in.routes.js';
import { mountOidc } from '../oidc/oidc.routes.js';
import { startAlertLoop } from '../alerts/alert-loop.js';
import type { SmtpSettings } from '../alerts/senders.js';
import { alertRoutes } from './alerts.routes.js';
import { keyRingPolicy } from '../oidc/keys.js';

export interface TenantAppOptions {
  store: TenantStore;
  tenantId: string;
  logger: Logger;
  version: string;
  clock?: Clock | undefined;
  /** Folder of the built admin center (index.html + assets); without it only the API is served. */
  uiDir?: string | undefined;
  /**
   * Addresses/CIDRs of reverse proxies whose X-Forwarded-For is believed (the client address that
   * lockout is keyed on); `true` trusts any (tests only). Default: none.
   */
  trustProxy?: boolean | readonly string[] | undefined;
  /** The public URL (tenant.publicUrl): issuer, Secure cookies, HSTS. */
  publicUrl?: string | undefined;
  /** Serve HTTPS with this certificate and key (PEM). */
  https?: { cert: Buffer; key: Buffer } | undefined;
  lockoutPolicy?: LockoutPolicy | undefined;
  /** Password checks at sign-in: worker threads (default: the cores) and waiting checks beyond which sign-in answers 503. */
  signIn?: { workers?: number | undefined; queueLimit?: number | undefined } | undefined;
  agentSilentAfterMinutes?: number | undefined;
  /** scrypt cost of admin passwords set through the API (tests lower it). */
  adminPasswordParams?: AdminScryptParams | undefined;
  /** Lifetime of agent credentials (default a week; tests shorten it). */
  agentCredentialTtlMs?: number | undefined;
  /** Days between rotations of the OpenID Connect signing and cookie keys (default 90). */
  oidcKeyRotationDays?: number | undefined;
  /** Seconds a standby agent waits for a silent active agent before taking over (default 60). */
  leaseTtlSeconds?: number | undefined;
  /** Alert notifications: the SMTP server for e-mail channels, how often the status is judged. */
  alerts?: { smtp?: SmtpSettings | null | undefined; intervalMs?: number | undefined; repeatAfterHours?: number | undefined; adminUrl?: string | null | undefined } | undefined;
}

/** Sign-in checks that may wait per worker before sign-in answers 503 (a few seconds of the costliest allowed hash). */
export const DEFAULT_SIGN_IN_QUEUE_PER_WORKER = 16;

/** At most one log line per this interval about sign-ins refused with SIGN_IN_BUSY. */
export const BUSY_LOG_EVERY_MS = 10_000;

/** Paths that never fall back to the admin UI. */
const API_PREFIXES = ['/api/', '/livez', '/healthz', '/metrics'];

/**
 * The admin center is a Vite-built SPA: its scripts and styles are files of its own origin, and
 * Fluent UI (Griffel) injects style elements at run time, hence 'unsafe-inline' for styles only.
 */
const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

/** Bodies of admin and sign-in routes are small; only agent batch routes raise their own limit. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

/** Fastify's trustProxy: a list goes to proxy-addr; an empty list trusts nobody. */
function trustProxyOption(value: TenantAppOptions['trustProxy']): boolean | string[] {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  return value.length > 0 ? [...value] : false;
}

function isApiPath(url: string): boolean {
  const path = url.split('?')[0] ?? '/';
  return API_PREFIXES.some((prefix) => path === prefix.replace(/\/$/, '') || path.startsWith(prefix));
}

export async function buildTenantApp(options: TenantAppOptions): Promise<FastifyInstance> {
  const clock = options.clock ?? systemClock;
  // Redaction is set again on the child in case the caller's logger was made without it.
  const logger = options.logger.child({ component: 'tenant-http', tenantId: options.tenantId }, { redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
  const app = Fastify({
    loggerInstance: logger,
    genReqId: () => randomUUID(),
    trustProxy: trustProxyOption(options.trustProxy),
    bodyLimit: DEFAULT_BODY_LIMIT,
    ...(options.https ? { https: { cert: options.https.cert, key: options.https.key } } : {}),
    // Agents heartbeat every few seconds: one line per request would drown what matters. Requests
    // are logged at debug level instead (DIRBRIDGE_LOG_LEVEL=debug), errors always.
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ method: req.method, url: req.routeOptions.url ?? req.url.split('?')[0], statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request completed');
  });

  // A flood of sign-ins refused for a full password pool: one warning line per interval with the count.
  const busyRefusals = rateLimitedWarning(logger, {
    everyMs: BUSY_LOG_EVERY_MS, fields: { code: 'SIGN_IN_BUSY' },
    message: 'sign-ins refused: the password check queue is full (count in the last seconds; raise signIn.workers or signIn.queueLimit, or add replicas, if this persists)',
  });
  app.addHook('onClose', async () => busyRefusals.flush());
  installErrorHandler(app, { busyRefusals });
  // Fastify's own JSON parser (with its prototype-poisoning guard), except that an empty body is
  // "no body": clients often send Content-Type: application/json on a bodyless POST.
  const defaultJsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    defaultJsonParser(req, text, done);
  });
  await app.register(fastifyCookie);
  const deployment = createDeployment({ publicUrl: options.publicUrl, tls: Boolean(options.https), listenerAddress: () => app.server.address() });
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    // HSTS only means something on https; on a plain-http test listener it would be noise.
    hsts: deployment.secure ? { maxAge: 365 * 24 * 3600, includeSubDomains: false } : false,
  });
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
    // API answers carry sessions, CSRF tokens, one-time secrets: no cache may keep them.
    if (isApiPath(req.url)) reply.header('cache-control', 'no-store');
  });

  const repo = options.store.forTenant(options.tenantId);
  const workers = options.signIn?.workers ?? availableParallelism();
  const passwords = createPasswordPool({ size: workers, queueLimit: options.signIn?.queueLimit ?? DEFAULT_SIGN_IN_QUEUE_PER_WORKER * workers });
  app.addHook('onClose', async () => { await passwords.close(); });
  const ctx: TenantAppContext = {
    store: options.store,
    repo,
    clock,
    version: options.version,
    lockoutPolicy: options.lockoutPolicy ?? DEFAULT_LOCKOUT_POLICY,
    passwords,
    agentSilentAfterMinutes: options.agentSilentAfterMinutes ?? DEFAULT_AGENT_SILENT_AFTER_MINUTES,
    leaseTtlSeconds: options.leaseTtlSeconds ?? LEASE_TTL_SECONDS,
    runCounters: new RunCounters(),
    deployment,
    agentCredentialTtlMs: options.agentCredentialTtlMs ?? AGENT_CREDENTIAL_TTL_MS,
    adminPasswordParams: options.adminPasswordParams,
    oidcKeyPolicy: keyRingPolicy(options.oidcKeyRotationDays),
    busyRefusals,
  };
  const alertLoop = startAlertLoop({
    store: options.store, tenantId: options.tenantId, clock, logger, smtp: options.alerts?.smtp ?? null, adminUrl: options.alerts?.adminUrl ?? null,
    intervalMs: options.alerts?.intervalMs, repeatAfterHours: options.alerts?.repeatAfterHours, agentSilentAfterMinutes: ctx.agentSilentAfterMinutes,
  });
  app.addHook('onClose', async () => alertLoop.stop());
  const specs: RouteSpec[] = [
    ...agentRoutes(ctx),
    ...alertRoutes(ctx, { loop: alertLoop, smtpConfigured: Boolean(options.alerts?.smtp) }),
    ...adminRoutes(ctx),
    ...lifecycleRoutes(ctx),
    ...dirsyncRoutes(ctx),
    ...dirsyncManageRoutes(ctx),
    ...detailRoutes(ctx),
    ...signInRoutes(ctx),
    ...metricsRoutes(ctx),
  ];
  await mountOidc(app, ctx, specs);
  specs.push(openApiRoute(() => specs, options.version));
  registerRoutes(app, specs, createAuthGuards(repo, clock, deployment));

  const uiDir = options.uiDir;
  if (uiDir) await app.register(fastifyStatic, { root: uiDir, index: 'index.html' });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    const isApi = isApiPath(path);
    const lastSegment = path.slice(path.lastIndexOf('/') + 1);
    // Client-side routes (/dirsync, /users/...) get the SPA; a missing asset (a.js) stays a 404.
    if (uiDir && !isApi && (req.method === 'GET' || req.method === 'HEAD') && !lastSegment.includes('.')) {
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    }
    return sendError(reply, new AppError('NOT_FOUND', { details: { method: req.method, path } }));
  });

  return app;
}

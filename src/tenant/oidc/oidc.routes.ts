/**
 * Mounts the OpenID Connect provider in the tenant app:
 * - `/oidc/*`: oidc-provider itself (discovery, JWKS, authorization, token, userinfo, sign-out),
 *   handed the raw request and response (the reply is hijacked; the body is left unread for it);
 * - `/oidc/interaction/:uid`: our sign-in page (GET) and its form (POST), checked by
 *   `authenticateUser` exactly like `POST /api/v1/sign-in`;
 * - `/api/v1/oidc-clients`: client registrations for global admins (audited), added to the
 *   route table so they get its authentication, CSRF check and OpenAPI entry.
 *
 * The issuer is `<public origin>/oidc` (tenant.publicUrl, or the listener's own address): never
 * taken from a request's Host header, which the client chooses.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import type { TenantAppContext } from '../http/context.js';
import { adminOf } from '../http/auth.plugin.js';
import { route, type RouteSpec } from '../http/route.js';
import { isAppError } from '../../shared/errors.js';
import { authenticateUser, type SignInOutcome } from '../sign-in.js';
import { deviceTokenOf, setDeviceCookie } from '../http/sign-in.routes.js';
import type { OidcRepository } from '../store/oidc-repository.js';
import { oidcClientCreateRequest, type OidcClientCreated, type OidcClientView } from './client-contract.js';
import { loadKeyRing, providerKeysOf, rotateKeys, type ProviderKeys } from './keys.js';
import { summarizeKeyRing, type KeyRingSummary } from './key-ring.js';
import { createOidcClient, toClientView } from './oidc-clients.js';
import { INTERACTION_PATH, OIDC_PREFIX, OIDC_SCOPES } from './paths.js';
import { pickSignInLanguage, renderMessagePage, renderSignInPage, signInPageCsp, type SignInLanguage, type SignInPageError } from './sign-in-page.js';

/** Before listening (app.inject) and after, the listener-derived origin differs: two at most. */
const MAX_ISSUERS = 2;

/** How often a replica rereads the key ring (another replica may have rotated it; a rotation may be due). */
const KEY_RECHECK_MS = 60_000;

/** The oidc-provider of the public origin, on the tenant's current keys (rebuilt when they rotate). */
export class OidcProviders {
  private keys: Promise<ProviderKeys> | null = null;
  private keysCheckedAt = 0;
  private stamp = '';
  private readonly providers = new Map<string, { provider: Provider; callback: ReturnType<Provider['callback']> }>();

  constructor(private readonly ctx: TenantAppContext, private readonly oidc: OidcRepository, private readonly onServerError: (error: unknown) => void) {}

  private currentKeys(): Promise<ProviderKeys> {
    const now = this.ctx.clock.now();
    if (this.keys === null || Math.abs(now.getTime() - this.keysCheckedAt) >= KEY_RECHECK_MS) {
      this.keysCheckedAt = now.getTime();
      this.keys = loadKeyRing(this.oidc, now, this.ctx.oidcKeyPolicy).then(providerKeysOf)
        .catch((error: unknown) => { this.keys = null; throw error; });
    }
    return this.keys;
  }

  /** After a rotation by this replica: the next request uses the new keys at once. */
  invalidate(): void {
    this.keys = null;
  }

  async forOrigin(origin: string) {
    const keys = await this.currentKeys();
    if (keys.stamp !== this.stamp) {
      this.providers.clear();
      this.stamp = keys.stamp;
    }
    const known = this.providers.get(origin);
    if (known) return known;
    // Loaded on first use: the library is large, and most processes (CLI commands) never serve OIDC.
    const { createOidcProvider } = await import('./provider.js');
    const again = this.providers.get(origin);
    if (again && this.stamp === keys.stamp) return again;
    const provider = createOidcProvider(`${origin}${OIDC_PREFIX}`, { oidc: this.oidc, repo: this.ctx.repo, clock: this.ctx.clock, keys, onServerError: this.onServerError });
    const entry = { provider, callback: provider.callback() };
    if (this.providers.size >= MAX_ISSUERS) this.providers.delete(this.providers.keys().next().value!);
    this.providers.set(origin, entry);
    return entry;
  }

  forRequest(req: FastifyRequest) {
    const origin = new URL(this.ctx.deployment.publicOrigin());
    // oidc-provider (Koa, proxy mode) builds its endpoint URLs and cookie flags from these headers:
    // overwrite whatever the client sent with the configured origin, and the client address with
    // the one Fastify trusted (trustProxy).
    req.raw.headers['x-forwarded-proto'] = origin.protocol.slice(0, -1);
    req.raw.headers['x-forwarded-host'] = origin.host;
    req.raw.headers['x-forwarded-for'] = req.ip;
    return this.forOrigin(origin.origin);
  }
}

const interactionBody = z.object({
  username: z.string().max(512).optional(),
  password: z.string().max(1024).optional(),
  lang: z.string().max(16).optional(),
}).passthrough();

/**
 * Registers everything OIDC on `app` and adds the client API to `specs` (registered later with
 * the rest of the route table). Call before `registerRoutes`.
 */
export async function mountOidc(app: FastifyInstance, ctx: TenantAppContext, specs: RouteSpec[]): Promise<void> {
  const oidc = ctx.store.oidc(ctx.repo.tenantId);
  const providers = new OidcProviders(ctx, oidc, (error) => app.log.error({ err: error }, 'OpenID Connect provider error'));
  specs.push(...oidcClientRoutes(ctx, oidc, providers));

  // The sign-in page and its form (application/x-www-form-urlencoded).
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
    });
    scope.get<{ Params: { uid: string }; Querystring: { lang?: string } }>(`${INTERACTION_PATH}/:uid`, async (req, reply) => {
      const { provider } = await providers.forRequest(req);
      const details = await interactionDetails(provider, req, reply);
      const language = pickSignInLanguage(req.query.lang, req.headers['accept-language'], details?.params.ui_locales);
      if (!details) return sendExpired(reply, language);
      if (details.prompt.name !== 'login') {
        // First-party clients: consent is given by the admin who registered the client.
        const grantId = await grantConsent(provider, details);
        reply.hijack();
        await provider.interactionFinished(req.raw, reply.raw, { consent: { grantId } }, { mergeWithLastSubmission: true });
        return reply;
      }
      return sendSignInPage(reply, provider, details, language, req.params.uid);
    });
    scope.post<{ Params: { uid: string } }>(`${INTERACTION_PATH}/:uid`, async (req, reply) => {
      const { provider } = await providers.forRequest(req);
      const parsed = interactionBody.safeParse(req.body ?? {});
      const body = parsed.success ? parsed.data : {};
      const details = await interactionDetails(provider, req, reply);
      const language = pickSignInLanguage(body.lang, req.headers['accept-language'], details?.params.ui_locales);
      if (!details || details.prompt.name !== 'login') return sendExpired(reply, language);
      const username = (body.username ?? '').trim();
      const password = body.password ?? '';
      if (username === '' || password === '') {
        return sendSignInPage(reply.code(400), provider, details, language, req.params.uid, username, { kind: 'missing_fields' });
      }
      const clientId = String(details.params.client_id ?? '');
      let outcome: SignInOutcome;
      try {
        outcome = await authenticateUser(
          { repo: ctx.repo, lockoutPolicy: ctx.lockoutPolicy, passwords: ctx.passwords },
          { username, password, client: req.ip, deviceToken: deviceTokenOf(req), now: ctx.clock.now(), via: `oidc:${clientId}` },
        );
      } catch (error) {
        if (!isAppError(error, 'SIGN_IN_BUSY')) throw error;
        ctx.busyRefusals.note();
        const retryAfterSeconds = Number(error.details?.['retryAfterSeconds'] ?? 1);
        reply.code(503).header('retry-after', String(retryAfterSeconds));
        return sendSignInPage(reply, provider, details, language, req.params.uid, username, { kind: 'busy', retryAfterSeconds });
      }
      if (!outcome.ok && outcome.locked) {
        reply.code(429).header('retry-after', String(outcome.retryAfterSeconds));
        return sendSignInPage(reply, provider, details, language, req.params.uid, username, { kind: 'locked', retryAfterSeconds: outcome.retryAfterSeconds });
      }
      if (!outcome.ok) {
        req.log.info({ username, reason: outcome.reason, clientId }, 'OpenID Connect sign-in failed');
        return sendSignInPage(reply.code(401), provider, details, language, req.params.uid, username, { kind: 'wrong_credentials' });
      }
      // The provider writes the raw response (its cookie library appends to Set-Cookie).
      setDeviceCookie(req, reply, outcome.deviceToken);
      const deviceCookie = reply.getHeader('set-cookie');
      if (deviceCookie !== undefined) reply.raw.setHeader('set-cookie', deviceCookie as string | string[]);
      reply.hijack();
      await provider.interactionFinished(req.raw, reply.raw, { login: { accountId: outcome.user.anchor } }, { mergeWithLastSubmission: false });
      return reply;
    });
  });

  // oidc-provider itself: every parser removed so the body stays unread for it.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      const { callback } = await providers.forRequest(req);
      reply.hijack();
      const raw = req.raw as IncomingMessage & { originalUrl?: string };
      const url = raw.url ?? OIDC_PREFIX;
      const rest = url.slice(OIDC_PREFIX.length);
      // oidc-provider routes below its mount path and finds that path from originalUrl.
      raw.originalUrl = url;
      raw.url = rest.startsWith('/') ? rest : `/${rest}`;
      await callback(raw, reply.raw);
    };
    scope.all(OIDC_PREFIX, handler);
    scope.all(`${OIDC_PREFIX}/*`, handler);
  });
}

type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

async function interactionDetails(provider: Provider, req: FastifyRequest, reply: FastifyReply): Promise<InteractionDetails | null> {
  try {
    return await provider.interactionDetails(req.raw, reply.raw);
  } catch (error) {
    // SessionNotFound: no interaction cookie (expired, another browser, or a cross-site post).
    if ((error as { name?: string }).name === 'SessionNotFound') return null;
    throw error;
  }
}

async function grantConsent(provider: Provider, details: InteractionDetails): Promise<string> {
  const clientId = String(details.params.client_id);
  const accountId = details.session?.accountId;
  if (!accountId) throw new AppError('INTERNAL_ERROR', { message: 'A consent interaction without a signed-in account.' });
  const grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const target = grant ?? new provider.Grant({ clientId, accountId });
  target.addOIDCScope(OIDC_SCOPES.join(' '));
  return target.save();
}

function sendExpired(reply: FastifyReply, language: SignInLanguage) {
  return reply.code(400).header('content-security-policy', signInPageCsp(undefined)).header('cache-control', 'no-store')
    .type('text/html; charset=utf-8').send(renderMessagePage(language, { kind: 'expired' }));
}

async function sendSignInPage(reply: FastifyReply, provider: Provider, details: InteractionDetails, language: SignInLanguage, uid: string, username?: string, error?: SignInPageError) {
  const client = await provider.Client.find(String(details.params.client_id ?? ''));
  const redirectUri = typeof details.params.redirect_uri === 'string' ? details.params.redirect_uri : client?.redirectUris?.[0];
  let redirectOrigin: string | undefined;
  try {
    redirectOrigin = redirectUri ? new URL(redirectUri).origin : undefined;
  } catch {
    redirectOrigin = undefined;
  }
  const action = `${INTERACTION_PATH}/${encodeURIComponent(uid)}`;
  const html = renderSignInPage({
    language,
    action,
    switchHref: `${action}?lang=${language === 'en' ? 'nl' : 'en'}`,
    clientName: client?.clientName ?? String(details.params.client_id ?? ''),
    username,
    error,
  });
  return reply.header('content-security-policy', signInPageCsp(redirectOrigin)).header('cache-control', 'no-store')
    .header('content-language', language === 'nl' ? 'nl-NL' : 'en-US')
    .type('text/html; charset=utf-8').send(html);
}

const clientIdQuery = z.object({ clientId: z.string().min(1).max(100) });

function oidcClientRoutes(ctx: TenantAppContext, oidc: OidcRepository, providers: OidcProviders): RouteSpec[] {
  const { clock } = ctx;
  return [
    route({
      method: 'GET', url: '/api/v1/oidc-clients', tag: 'sign-in', auth: 'admin',
      summary: 'OpenID Connect clients (relying parties) registered for this tenant; never their secrets.',
      handler: async (): Promise<OidcClientView[]> => (await oidc.listClients()).map(toClientView),
    }),
    route({
      method: 'POST', url: '/api/v1/oidc-clients', tag: 'sign-in', auth: 'global_admin', status: 201, body: oidcClientCreateRequest,
      summary: 'Register an OpenID Connect client (authorization code + PKCE). A confidential client\'s secret is shown once, in this answer. Audited.',
      handler: async ({ body, req }): Promise<OidcClientCreated> => {
        const admin = adminOf(req);
        const now = clock.now();
        const { client, clientSecret } = await createOidcClient(oidc, { name: body.name, redirectUris: body.redirectUris, public: body.public }, admin.username, now);
        await ctx.repo.audit({ actor: admin.username, action: 'oidc_client.created', details: { clientId: client.clientId, name: client.name, redirectUris: client.redirectUris, public: client.public }, at: now });
        const { provider } = await providers.forRequest(req);
        return { ...client, clientSecret, issuer: provider.issuer };
      },
    }),
    route({
      method: 'GET', url: '/api/v1/oidc-keys', tag: 'sign-in', auth: 'admin',
      summary: 'The OpenID Connect signing keys (current, next, retired) and cookie keys: ids, states and dates, never key material.',
      handler: async (): Promise<KeyRingSummary> => summarizeKeyRing(await loadKeyRing(oidc, clock.now(), ctx.oidcKeyPolicy), ctx.oidcKeyPolicy),
    }),
    route({
      method: 'POST', url: '/api/v1/oidc-keys/rotate', tag: 'sign-in', auth: 'global_admin',
      summary: 'Rotate the OpenID Connect keys now: the published next key starts signing, the current one stays published until the tokens it signed expire; a new cookie key signs, the old ones still verify. Audited.',
      handler: async ({ req }): Promise<KeyRingSummary> => {
        const admin = adminOf(req);
        const now = clock.now();
        const ring = await rotateKeys(oidc, now, ctx.oidcKeyPolicy);
        providers.invalidate();
        const summary = summarizeKeyRing(ring, ctx.oidcKeyPolicy);
        const current = summary.signing.find((k) => k.state === 'current')!;
        await ctx.repo.audit({ actor: admin.username, action: 'oidc_keys.rotated', details: { signingKid: current.kid, retiredKids: summary.signing.filter((k) => k.state === 'retired').map((k) => k.kid) }, at: now });
        return summary;
      },
    }),
    route({
      method: 'DELETE', url: '/api/v1/oidc-clients', tag: 'sign-in', auth: 'global_admin', status: 204, query: clientIdQuery,
      summary: 'Remove an OpenID Connect client and everything issued to it (its codes and tokens stop working). Audited.',
      handler: async ({ req, query }): Promise<undefined> => {
        const admin = adminOf(req);
        const { clientId } = query;
        const client = await oidc.findClient(clientId);
        if (!client || !(await oidc.deleteClient(clientId))) {
          throw new AppError('NOT_FOUND', { message: `No OpenID Connect client ${clientId} is registered.`, details: { clientId }, params: { form: 'oidcClient', id: clientId } });
        }
        await ctx.repo.audit({ actor: admin.username, action: 'oidc_client.deleted', details: { clientId, name: client.name }, at: clock.now() });
        return undefined;
      },
    }),
  ];
}

/**
 * The tenant's OpenID Connect provider: panva's certified oidc-provider, configured for the
 * authorization code flow with PKCE (S256) only, clients registered by admins (first-party, so no
 * consent screen), accounts from the synced users, and everything it keeps in the tenant store.
 */
import { timingSafeEqual } from 'node:crypto';
import Provider, { interactionPolicy, type Account, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../../shared/clock.js';
import { sha256Hex } from '../../shared/ids.js';
import type { OidcRepository } from '../store/oidc-repository.js';
import type { TenantRepository } from '../store/ports.js';
import type { ProviderKeys } from './keys.js';
import { INTERACTION_PATH, OIDC_SCOPES, OIDC_TTL } from './paths.js';
import { pickSignInLanguage, renderMessagePage, renderSignOutPage } from './sign-in-page.js';
import { createStoreAdapter } from './store-adapter.js';

const USER_CLAIMS = ['preferred_username', 'upn', 'name', 'email', 'groups'];

export interface OidcProviderDeps {
  oidc: OidcRepository;
  repo: TenantRepository;
  clock: Clock;
  keys: ProviderKeys;
  onServerError?: ((error: unknown) => void) | undefined;
}

export async function findOidcAccount(deps: Pick<OidcProviderDeps, 'oidc' | 'repo'>, sub: string): Promise<Account | undefined> {
  const account = await deps.oidc.findAccount(sub);
  // A disabled or deleted user has no account: sessions and codes of theirs stop working.
  if (!account || !account.enabled) return undefined;
  return {
    accountId: account.anchor,
    async claims() {
      const groups = await deps.repo.groupNamesOf(account.anchor);
      return {
        sub: account.anchor,
        preferred_username: account.userPrincipalName,
        upn: account.userPrincipalName,
        ...(account.displayName ? { name: account.displayName } : {}),
        ...(account.mail ? { email: account.mail } : {}),
        groups,
      };
    },
  };
}

/**
 * oidc-provider's default prompts, plus one login check: a browser session whose user was disabled
 * or deleted since (findAccount finds no account) must sign in again, not carry on as that user.
 */
function signInPolicy() {
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(new interactionPolicy.Check(
    'account_unavailable',
    'The signed-in user is disabled or no longer exists',
    (ctx) => Boolean(ctx.oidc.session?.accountId) && !ctx.oidc.account,
  ), 0);
  return policy;
}

function languageOf(ctx: KoaContextWithOIDC) {
  return pickSignInLanguage(undefined, ctx.get('accept-language'));
}

export function createOidcProvider(issuer: string, deps: OidcProviderDeps): Provider {
  const configuration: Configuration = {
    adapter: createStoreAdapter(deps.oidc, deps.clock),
    clients: [],
    findAccount: (_ctx, sub) => findOidcAccount(deps, sub),
    // The user's claims are released with `openid` alone too: the issue asks that every ID token
    // carries them, and relying parties often ask for `openid` only. The standard scopes work as well.
    claims: {
      openid: ['sub', ...USER_CLAIMS],
      profile: ['name', 'preferred_username', 'upn'],
      email: ['email'],
      groups: ['groups'],
    },
    scopes: [...OIDC_SCOPES],
    // The claims go into the ID token itself, not only into userinfo.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256'],
      userinfoSigningAlgValues: ['RS256'],
      requestObjectSigningAlgValues: ['RS256'],
      clientAuthSigningAlgValues: ['RS256'],
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = renderSignOutPage(languageOf(ctx), form);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = renderMessagePage(languageOf(ctx), { kind: 'signed_out' });
        },
      },
    },
    interactions: { policy: signInPolicy(), url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}` },
    cookies: { keys: deps.keys.cookieKeys, long: { signed: true }, short: { signed: true } },
    jwks: deps.keys.jwks as unknown as Configuration['jwks'],
    ttl: { ...OIDC_TTL },
    // Every client is registered by a global admin (first-party): no consent screen; the grant
    // covers what we offer.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing) return existing;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope(OIDC_SCOPES.join(' '));
      await grant.save();
      return grant;
    },
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((uri) => originOf(uri) === origin) ?? false,
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      const detail = typeof out.error_description === 'string' ? out.error_description : String(out.error ?? '');
      ctx.body = renderMessagePage(languageOf(ctx), { kind: 'error', detail });
    },
  };
  const provider = new Provider(issuer, configuration);
  // The mount sets X-Forwarded-* from what Fastify trusts (oidc.routes.ts), so Koa may read them.
  provider.proxy = true;
  // Client secrets are stored as their SHA-256 (oidc-clients.ts): compare hashes, in constant time.
  provider.Client.prototype.compareClientSecret = function compareClientSecret(this: { clientSecret?: string }, actual: string): boolean {
    const stored = Buffer.from(this.clientSecret ?? '', 'utf8');
    const given = Buffer.from(sha256Hex(actual), 'utf8');
    return stored.length === given.length && timingSafeEqual(stored, given);
  };
  if (deps.onServerError) provider.on('server_error', (_ctx: unknown, error: unknown) => deps.onServerError?.(error));
  return provider;
}

function originOf(uri: string): string | undefined {
  try {
    return new URL(uri).origin;
  } catch {
    return undefined;
  }
}

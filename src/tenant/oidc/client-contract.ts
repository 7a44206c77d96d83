/**
 * The HTTP contract of the OpenID Connect client registrations (`/api/v1/oidc-clients`), shared by
 * the tenant routes, the CLI and the admin center page. No server imports.
 */
import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A redirect URI: absolute https, or http only to this machine (native apps and development,
 * RFC 8252 section 7.3); no fragment (OAuth 2.0, RFC 6749 section 3.1.2).
 */
export const redirectUriSchema = z.string().max(2000).superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'Must be an absolute URL such as https://app.example.com/callback' });
    return;
  }
  if (url.hash !== '' || value.includes('#')) ctx.addIssue({ code: 'custom', message: 'Must not contain a fragment (#...)' });
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return;
  ctx.addIssue({ code: 'custom', message: 'Must use https:// (http:// only for localhost, 127.0.0.1 or [::1])' });
});

export const oidcClientCreateRequest = z.object({
  name: z.string().trim().min(1).max(200),
  redirectUris: z.array(redirectUriSchema).min(1).max(20),
  /** Public clients (single-page and native apps) get no secret and rely on PKCE alone. */
  public: z.boolean().default(false),
}).strict();
export type OidcClientCreateRequest = z.input<typeof oidcClientCreateRequest>;

export interface OidcClientView {
  clientId: string;
  name: string;
  redirectUris: string[];
  public: boolean;
  /** client_secret_basic / client_secret_post with a secret, or none (public, PKCE only). */
  tokenEndpointAuthMethod: 'client_secret_basic' | 'none';
  createdBy: string;
  createdAt: string;
}

/** The answer to a create: the only time the secret is shown. */
export interface OidcClientCreated extends OidcClientView {
  clientSecret: string | null;
  /** The issuer the client should discover (`<issuer>/.well-known/openid-configuration`). */
  issuer: string;
}

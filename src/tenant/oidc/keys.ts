/**
 * The provider's keys, generated on the first start of a tenant and kept in its store, so every
 * replica signs with the same key and a restart keeps tokens and sessions valid:
 * an RSA key for ID tokens (RS256, what every relying party accepts) and the cookie signing keys.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { OidcRepository } from '../store/oidc-repository.js';

export interface ProviderKeys {
  /** Private JWK set for oidc-provider's `jwks` (never served: the provider publishes the public part). */
  jwks: { keys: Array<Record<string, unknown>> };
  cookieKeys: string[];
}

function newSigningJwks(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return JSON.stringify({ keys: [{ ...jwk, kid: randomUUID(), alg: 'RS256', use: 'sig' }] });
}

function newCookieKeys(): string {
  return JSON.stringify([randomBytes(32).toString('base64url')]);
}

export async function loadProviderKeys(oidc: OidcRepository): Promise<ProviderKeys> {
  const jwks = JSON.parse(await oidc.getOrCreateSecret('signing_jwks', newSigningJwks)) as ProviderKeys['jwks'];
  const cookieKeys = JSON.parse(await oidc.getOrCreateSecret('cookie_keys', newCookieKeys)) as string[];
  return { jwks, cookieKeys };
}

/**
 * Registering relying parties. Confidential clients get a random 256-bit secret, shown once and
 * stored only as its SHA-256 (a slow KDF buys nothing for a random secret of that size); public
 * clients get none. Every client must use the authorization code flow with PKCE (S256).
 */
import { newId, newSecret, sha256Hex } from '../../shared/ids.js';
import type { OidcClientRecord, OidcRepository } from '../store/oidc-repository.js';
import type { OidcClientView } from './client-contract.js';

export function toClientView(client: OidcClientRecord): OidcClientView {
  return {
    clientId: client.clientId,
    name: client.name,
    redirectUris: client.redirectUris,
    public: client.public,
    tokenEndpointAuthMethod: client.public ? 'none' : 'client_secret_basic',
    createdBy: client.createdBy,
    createdAt: client.createdAt.toISOString(),
  };
}

export async function createOidcClient(
  oidc: OidcRepository,
  input: { name: string; redirectUris: string[]; public: boolean },
  createdBy: string,
  now: Date,
): Promise<{ client: OidcClientView; clientSecret: string | null }> {
  const clientSecret = input.public ? null : newSecret(32);
  const record: OidcClientRecord = {
    clientId: newId(),
    name: input.name,
    redirectUris: [...new Set(input.redirectUris)],
    public: input.public,
    secretHash: clientSecret === null ? null : sha256Hex(clientSecret),
    createdBy,
    createdAt: now,
  };
  await oidc.createClient(record);
  return { client: toClientView(record), clientSecret };
}

/** The page's calls to `/api/v1/oidc-clients` (through the admin center's API client: session, CSRF, errors). */
import type { OidcClientCreateRequest, OidcClientCreated, OidcClientView } from '../../../tenant/oidc/client-contract.js';
import { apiRequest } from '../../api/client.js';

export const oidcClientsApi = {
  list: (signal?: AbortSignal) => apiRequest<OidcClientView[]>('GET', '/api/v1/oidc-clients', undefined, signal),
  create: (body: OidcClientCreateRequest) => apiRequest<OidcClientCreated>('POST', '/api/v1/oidc-clients', body),
  remove: (clientId: string) => apiRequest<void>('DELETE', `/api/v1/oidc-clients?clientId=${encodeURIComponent(clientId)}`),
};

/** The page's calls to `/api/v1/alerts` (through the admin center's API client: session, CSRF, errors). */
import type { AlertChannelCreateRequest, AlertChannelView, AlertDeliveryView, AlertsView } from '../../../tenant/api/alerts-contract.js';
import { apiRequest } from '../../api/client.js';

export const alertsApi = {
  get: (signal?: AbortSignal) => apiRequest<AlertsView>('GET', '/api/v1/alerts', undefined, signal),
  addChannel: (body: AlertChannelCreateRequest) => apiRequest<AlertChannelView>('POST', '/api/v1/alerts/channels', body),
  removeChannel: (id: string) => apiRequest<void>('DELETE', `/api/v1/alerts/channels?id=${encodeURIComponent(id)}`),
  test: (id: string) => apiRequest<AlertDeliveryView>('POST', `/api/v1/alerts/channels/test?id=${encodeURIComponent(id)}`),
};

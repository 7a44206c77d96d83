/** The alerts API's shapes (GET /api/v1/alerts, POST /api/v1/alerts/channels), shared by the routes and the admin center. */
import type { ErrorParams } from '../../shared/error-params.js';
import type { WarningCode } from './contract.js';

export type AlertChannelKindView = 'email' | 'webhook';

export interface AlertChannelView {
  id: string;
  kind: AlertChannelKindView;
  target: string;
  signed: boolean;
  createdBy: string;
  createdAt: string;
}

export interface AlertDeliveryView {
  id: string;
  channelId: string;
  event: 'raised' | 'reminder' | 'resolved' | 'test';
  code: WarningCode | 'TEST';
  message: string;
  createdAt: string;
  attempts: number;
  deliveredAt: string | null;
  failedAt: string | null;
  lastError: string | null;
  /** The last failure's code and facts (errors.<code>.detail in the admin center); null on older failures. */
  lastErrorCode: string | null;
  lastErrorParams: ErrorParams | null;
  state: 'delivered' | 'failed' | 'pending';
}

export interface OpenAlertView {
  code: WarningCode;
  message: string;
  raisedAt: string;
  lastNotifiedAt: string;
}

export interface AlertsView {
  smtpConfigured: boolean;
  channels: AlertChannelView[];
  open: OpenAlertView[];
  deliveries: AlertDeliveryView[];
}

export interface AlertChannelCreateRequest {
  kind: AlertChannelKindView;
  target: string;
  secret?: string;
}

/**
 * Alerts in the API: the channels (e-mail addresses, webhooks) a global admin sets up, the alerts
 * open now and the recent deliveries with their attempts. Changes are audited; a webhook's signing
 * secret is shown never again after it is set.
 */
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import type { AlertLoop } from '../alerts/alert-loop.js';
import { validateChannelTarget } from '../alerts/senders.js';
import type { AlertChannelView, AlertDeliveryView, AlertsView } from '../api/alerts-contract.js';
import type { AlertChannel, AlertDelivery } from '../store/alert-repository.js';
import { adminOf } from './auth.plugin.js';
import type { TenantAppContext } from './context.js';
import { route, type RouteSpec } from './route.js';

/** What the alert routes need besides the context: the process's loop and whether SMTP is set up. */
export interface AlertsWiring {
  loop: AlertLoop;
  smtpConfigured: boolean;
}

const channelCreateRequest = z.object({
  kind: z.enum(['email', 'webhook']),
  target: z.string().min(3).max(2000),
  /** Webhooks only: HMAC-SHA256 key for the X-Dirbridge-Signature header. */
  secret: z.string().min(16).max(200).optional(),
}).strict();

const channelIdQuery = z.object({ id: z.string().min(1).max(100) }).strict();

const RECENT_DELIVERIES = 50;

function deliveryView(d: AlertDelivery): AlertDeliveryView {
  return {
    id: d.id, channelId: d.channelId, event: d.event, code: d.code, message: d.message, createdAt: d.createdAt.toISOString(),
    attempts: d.attempts, deliveredAt: d.deliveredAt?.toISOString() ?? null, failedAt: d.failedAt?.toISOString() ?? null, lastError: d.lastError,
    lastErrorCode: d.lastErrorCode, lastErrorParams: d.lastErrorParams,
    state: d.deliveredAt ? 'delivered' : d.failedAt ? 'failed' : 'pending',
  };
}

function channelView(c: AlertChannel): AlertChannelView {
  return { id: c.id, kind: c.kind, target: c.target, signed: c.signed, createdBy: c.createdBy, createdAt: c.createdAt.toISOString() };
}

export function alertRoutes(ctx: TenantAppContext, wiring: AlertsWiring): RouteSpec[] {
  const { clock, repo } = ctx;
  const alerts = ctx.store.alerts(repo.tenantId);
  return [
    route({
      method: 'GET', url: '/api/v1/alerts', tag: 'operations', auth: 'admin',
      summary: 'Alert channels, the alerts open now and the recent deliveries with their attempts.',
      handler: async (): Promise<AlertsView> => {
        const [channels, open, deliveries] = await Promise.all([alerts.listChannels(), alerts.listOpen(), alerts.listDeliveries(RECENT_DELIVERIES)]);
        return {
          smtpConfigured: wiring.smtpConfigured,
          channels: channels.map(channelView),
          open: open.map((a) => ({ code: a.code, message: a.message, raisedAt: a.raisedAt.toISOString(), lastNotifiedAt: a.lastNotifiedAt.toISOString() })),
          deliveries: deliveries.map(deliveryView),
        };
      },
    }),
    route({
      method: 'POST', url: '/api/v1/alerts/channels', tag: 'operations', auth: 'global_admin', status: 201, body: channelCreateRequest,
      summary: 'Add an alert channel: an e-mail address (needs alerts.smtp in the config) or a webhook URL (https, or http to loopback), optionally signed. Audited.',
      handler: async ({ req, body }) => {
        const admin = adminOf(req);
        if (body.kind === 'email' && !wiring.smtpConfigured) throw new AppError('ALERT_SMTP_NOT_CONFIGURED');
        if (body.kind === 'email' && body.secret !== undefined) throw new AppError('ALERT_CHANNEL_INVALID', { message: 'Only webhooks are signed; leave the secret out for an e-mail channel.', details: { field: 'secret' } });
        const target = validateChannelTarget(body.kind, body.target);
        const now = clock.now();
        const channel = await alerts.addChannel({ kind: body.kind, target, secret: body.secret ?? null, createdBy: admin.username }, now);
        await repo.audit({ actor: admin.username, action: 'alert_channel.added', details: { id: channel.id, kind: channel.kind, target: channel.target, signed: channel.signed }, at: now });
        return channelView(channel);
      },
    }),
    route({
      method: 'DELETE', url: '/api/v1/alerts/channels', tag: 'operations', auth: 'global_admin', status: 204, query: channelIdQuery,
      summary: 'Remove an alert channel (its pending deliveries are dropped). Audited.',
      handler: async ({ req, query }): Promise<undefined> => {
        const admin = adminOf(req);
        const channel = (await alerts.listChannels()).find((c) => c.id === query.id);
        if (!channel || !(await alerts.removeChannel(query.id))) throw new AppError('NOT_FOUND', { message: `No alert channel ${query.id} exists.`, details: { id: query.id }, params: { form: 'alertChannel', id: query.id } });
        await repo.audit({ actor: admin.username, action: 'alert_channel.removed', details: { id: channel.id, kind: channel.kind, target: channel.target }, at: clock.now() });
        return undefined;
      },
    }),
    route({
      method: 'POST', url: '/api/v1/alerts/channels/test', tag: 'operations', auth: 'global_admin', query: channelIdQuery,
      summary: 'Send a test notification to one channel now; answers with the delivery (delivered, or the error and when it is retried).',
      handler: async ({ req, query }) => {
        const admin = adminOf(req);
        if (!(await alerts.listChannels()).some((c) => c.id === query.id)) throw new AppError('NOT_FOUND', { message: `No alert channel ${query.id} exists.`, details: { id: query.id }, params: { form: 'alertChannel', id: query.id } });
        const id = await alerts.enqueueTest(query.id, `Test alert sent by ${admin.username}.`, clock.now());
        await wiring.loop.deliverDue();
        const delivery = await alerts.findDelivery(id);
        if (!delivery) throw new AppError('NOT_FOUND', { message: 'The test delivery disappeared (the channel was removed meanwhile).' });
        return deliveryView(delivery);
      },
    }),
  ];
}

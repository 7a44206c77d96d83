/**
 * Sending one alert: by e-mail through the configured SMTP server (nodemailer), or as a JSON POST
 * to a webhook. Every wait has a timeout; a failure is an ALERT_DELIVERY_FAILED naming the peer.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import nodemailer from 'nodemailer';
import { AppError } from '../../shared/errors.js';
import type { AlertMessage } from '../domain/alerts.js';

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when `startTls`. */
  secure: boolean;
  startTls: boolean;
  from: string;
  username?: string | undefined;
  passwordFile?: string | undefined;
  caFile?: string | undefined;
}

export const ALERT_SEND_TIMEOUT_MS = 10_000;
/** A receiver's answer is read only to name it in an error. */
const MAX_ERROR_BODY = 200;

export interface AlertSender {
  sendEmail(to: string, message: AlertMessage): Promise<void>;
  sendWebhook(url: string, secret: string | null, message: AlertMessage): Promise<void>;
}

export function createAlertSender(smtp: SmtpSettings | null, timeoutMs = ALERT_SEND_TIMEOUT_MS): AlertSender {
  const transport = smtp ? nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: !smtp.secure && smtp.startTls,
    ignoreTLS: !smtp.secure && !smtp.startTls,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    ...(smtp.username ? { auth: { user: smtp.username, pass: smtp.passwordFile ? readFileSync(smtp.passwordFile, 'utf8').trim() : '' } } : {}),
    ...(smtp.caFile ? { tls: { ca: readFileSync(smtp.caFile, 'utf8') } } : {}),
  }) : null;

  return {
    async sendEmail(to, message) {
      if (!transport || !smtp) throw new AppError('ALERT_SMTP_NOT_CONFIGURED');
      try {
        await transport.sendMail({ from: smtp.from, to, subject: message.subject, text: message.text });
      } catch (cause) {
        const server = `${smtp.host}:${smtp.port}`;
        throw new AppError('ALERT_DELIVERY_FAILED', {
          message: `The SMTP server ${server} did not accept the alert for ${to}: ${describe(cause)}`, details: { channel: 'email', to }, cause,
          params: isTimeout(cause) ? { form: 'smtpTimeout', server, to, seconds: timeoutMs / 1000 } : { form: 'smtp', server, to, reason: describe(cause) },
        });
      }
    },

    async sendWebhook(url, secret, message) {
      const body = JSON.stringify(message.payload);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'dirbridge-alerts' };
      // Signed over time and body, so a receiver can refuse forgeries and replays (Stripe's scheme).
      if (secret) {
        headers['x-dirbridge-timestamp'] = timestamp;
        headers['x-dirbridge-signature'] = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
      }
      let response: Response;
      try {
        // No redirects: the admin chose this URL, not whatever it points on to.
        response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      } catch (cause) {
        throw new AppError('ALERT_DELIVERY_FAILED', {
          message: `The webhook ${redactUrl(url)} could not be reached: ${describe(cause)}`, details: { channel: 'webhook' }, cause,
          params: isTimeout(cause) ? { form: 'webhookTimeout', url: redactUrl(url), seconds: timeoutMs / 1000 } : { form: 'webhookUnreachable', url: redactUrl(url), reason: describe(cause) },
        });
      }
      if (response.status < 200 || response.status > 299) {
        // Only the first chunk: a hostile receiver's endless error body is never buffered.
        const reader = response.body?.getReader();
        const first = await reader?.read().catch(() => null);
        await reader?.cancel().catch(() => undefined);
        const text = first?.value ? Buffer.from(first.value).toString('utf8').slice(0, MAX_ERROR_BODY) : '';
        // The status is an identifier, not a quantity: a string, so it is not grouped (1.024).
        const status = String(response.status);
        throw new AppError('ALERT_DELIVERY_FAILED', {
          message: `The webhook ${redactUrl(url)} answered ${status}${text ? `: ${text}` : ''}`, details: { channel: 'webhook', status: response.status },
          params: text ? { form: 'webhookStatus', url: redactUrl(url), status, reason: text } : { form: 'webhookStatusOnly', url: redactUrl(url), status },
        });
      }
      await response.body?.cancel().catch(() => undefined);
    },
  };
}

/** An alert channel's target, checked: an e-mail address, or an https URL (http only to loopback). */
export function validateChannelTarget(kind: 'email' | 'webhook', target: string): string {
  const value = target.trim();
  if (kind === 'email') {
    if (/^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/.test(value) && value.length <= 254) return value;
    throw new AppError('ALERT_CHANNEL_INVALID', { message: `"${value}" is not an e-mail address.`, details: { field: 'target' }, params: { form: 'notEmail', value } });
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AppError('ALERT_CHANNEL_INVALID', { message: `"${value}" is not a URL.`, details: { field: 'target' }, params: { form: 'notUrl', value } });
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) {
    if (url.username || url.password) throw new AppError('ALERT_CHANNEL_INVALID', { message: 'Put no user name or password in the webhook URL; use the signing secret.', details: { field: 'target' } });
    return url.toString();
  }
  throw new AppError('ALERT_CHANNEL_INVALID', { message: `The webhook URL must start with https:// (http:// only to a loopback address); got ${url.protocol}//${url.host}.`, details: { field: 'target' }, params: { form: 'insecureWebhook', url: `${url.protocol}//${url.host}` } });
}

/** The URL without its query (which may carry a receiver's token), for messages. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'the webhook';
  }
}

function isTimeout(cause: unknown): boolean {
  return cause instanceof Error && cause.name === 'TimeoutError';
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : '';
    return `${cause.name === 'TimeoutError' ? `no answer within ${ALERT_SEND_TIMEOUT_MS / 1000} s` : cause.message}${inner}${typeof code === 'string' && !cause.message.includes(code) ? ` [${code}]` : ''}`;
  }
  return String(cause);
}

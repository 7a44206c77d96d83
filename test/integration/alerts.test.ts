/**
 * Alerts delivered for real: a local SMTP server (smtp-server, the sink) and a local webhook
 * receiver (node:http) on loopback, a tenant app on SQLite and PostgreSQL with its alert loop
 * running on a short interval and an injected clock.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore } from './store/test-stores.js';
import { startHarness, type Harness } from './http/harness.js';
import type { WarningCode } from '../../src/tenant/api/contract.js';

interface Mail { to: string; subject: string; text: string }
interface Hook { body: string; timestamp: string | undefined; signature: string | undefined }

async function listen(server: { listen(port: number, host: string, cb: () => void): unknown; address?: () => AddressInfo | string | null }, get: () => AddressInfo): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return get().port;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('alerts', () => {
  const mails: Mail[] = [];
  const hooks: Hook[] = [];
  let failNextHooks = 0;
  let smtp: SMTPServer;
  let smtpPort = 0;
  let receiver: Server;
  let receiverUrl = '';

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (chunk: Buffer) => { raw += chunk.toString('utf8'); });
        stream.on('end', () => {
          const subject = /^Subject: (.*(?:\r\n[ \t].*)*)$/m.exec(raw)?.[1]?.replace(/\r\n[ \t]/g, ' ') ?? '';
          // The body is quoted-printable: soft line breaks and =XX escapes.
          const body = raw.split('\r\n\r\n').slice(1).join('\r\n\r\n').replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), subject, text: body });
          callback();
        });
      },
    });
    smtpPort = await listen(smtp as never, () => (smtp as unknown as { server: Server }).server.address() as AddressInfo);
    receiver = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
      req.on('end', () => {
        if (failNextHooks > 0) {
          failNextHooks--;
          res.writeHead(503).end('busy');
          return;
        }
        hooks.push({ body, timestamp: req.headers['x-dirbridge-timestamp'] as string | undefined, signature: req.headers['x-dirbridge-signature'] as string | undefined });
        res.writeHead(204).end();
      });
    });
    receiverUrl = `http://127.0.0.1:${await listen(receiver, () => receiver.address() as AddressInfo)}/hooks/dirbridge?token=abc`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  afterEach(() => {
    mails.length = 0;
    hooks.length = 0;
    failNextHooks = 0;
  });

  describe.each(['sqlite', 'postgres'] as const)('on %s', (dialect) => {
    let h: Harness;
    afterEach(async () => h?.close());

    const failedRun = (at: Date) => ({
      id: `run-${at.getTime()}`, agentId: 'agent-1', kind: 'directory' as const, mode: 'delta', startedAt: at, finishedAt: at,
      outcome: 'failed' as const, counts: {}, errorCode: 'DIR_UNREACHABLE', errorMessage: 'The source directory cannot be reached.',
    });

    it('mails and posts a failed cycle once, retries a refused webhook, and says when it is resolved', async () => {
      h = await startHarness(dialect, { alerts: { smtp: { host: '127.0.0.1', port: smtpPort, secure: false, startTls: false, from: 'dirbridge@example.test' }, intervalMs: 100, adminUrl: 'https://dirbridge.example.test' } });
      const session = await h.rootSession();
      const secret = 'a-webhook-signing-secret-of-some-length';
      const email = await h.admin(session, 'POST', '/api/v1/alerts/channels', { kind: 'email', target: 'ops@example.test' });
      expect(email.statusCode).toBe(201);
      const hook = await h.admin(session, 'POST', '/api/v1/alerts/channels', { kind: 'webhook', target: receiverUrl, secret });
      expect(hook.statusCode).toBe(201);
      expect(hook.body).not.toContain(secret);

      failNextHooks = 1;
      await h.repo.recordRun(failedRun(h.clock.now()), []);
      const mail = await until('the alert e-mail', () => mails[0]);
      expect(mail.to).toBe('ops@example.test');
      expect(mail.subject).toContain('Warning: The last directory sync cycle failed (DIR_UNREACHABLE)');
      expect(mail.text).toContain('https://dirbridge.example.test/troubleshooter');

      // The webhook answered 503: the delivery waits for its retry, a minute later by the clock.
      const refused = await until('the failed attempt', async () => {
        const list = JSON.parse((await h.admin(session, 'GET', '/api/v1/alerts')).body) as { deliveries: Array<{ attempts: number; lastError: string | null; lastErrorCode: string | null; lastErrorParams: unknown; state: string }> };
        return list.deliveries.find((d) => d.attempts === 1 && d.state === 'pending' && d.lastError?.includes('503'));
      });
      // Its facts by name, stored and read back, for the Alerts page in the admin's language.
      expect(refused.lastErrorCode).toBe('ALERT_DELIVERY_FAILED');
      expect(refused.lastErrorParams).toEqual({ form: 'webhookStatus', url: `${new URL(receiverUrl).origin}${new URL(receiverUrl).pathname}`, status: '503', reason: 'busy' });
      expect(hooks).toHaveLength(0);
      h.clock.advance(61_000);
      const delivered = await until('the webhook', () => hooks[0]);
      const payload = JSON.parse(delivered.body) as { event: string; code: WarningCode };
      expect(payload).toMatchObject({ event: 'raised', code: 'LAST_CYCLE_FAILED' });
      expect(delivered.signature).toBe(`sha256=${createHmac('sha256', secret).update(`${delivered.timestamp}.${delivered.body}`).digest('hex')}`);

      // Still failing a few passes later: no second notification before the repeat period.
      await new Promise((r) => setTimeout(r, 500));
      expect(mails).toHaveLength(1);
      expect(hooks).toHaveLength(1);

      await h.repo.recordRun({ ...failedRun(h.clock.now()), id: 'run-ok', outcome: 'success', errorCode: null, errorMessage: null }, []);
      await until('the resolved e-mail', () => mails[1]);
      expect(mails[1]!.subject).toContain('Resolved');
      const resolved = await until('the resolved webhook', () => hooks[1]);
      expect(JSON.parse(resolved.body)).toMatchObject({ event: 'resolved', code: 'LAST_CYCLE_FAILED' });
      const audit = await h.repo.listAudit({ page: 1, pageSize: 20 });
      expect(audit.items.map((a) => a.action)).toEqual(expect.arrayContaining(['alert_channel.added']));
    });

    it('sends a test on demand, refuses e-mail without SMTP and webhooks in clear to another host', async () => {
      h = await startHarness(dialect, { alerts: { intervalMs: 60_000 } });
      const session = await h.rootSession();
      const noSmtp = await h.admin(session, 'POST', '/api/v1/alerts/channels', { kind: 'email', target: 'ops@example.test' });
      expect(noSmtp.statusCode).toBe(409);
      expect(JSON.parse(noSmtp.body).error.code).toBe('ALERT_SMTP_NOT_CONFIGURED');
      const clear = await h.admin(session, 'POST', '/api/v1/alerts/channels', { kind: 'webhook', target: 'http://hooks.example.org/x' });
      expect(clear.statusCode).toBe(400);
      expect(JSON.parse(clear.body).error.code).toBe('ALERT_CHANNEL_INVALID');
      const created = JSON.parse((await h.admin(session, 'POST', '/api/v1/alerts/channels', { kind: 'webhook', target: receiverUrl })).body) as { id: string };
      const test = await h.admin(session, 'POST', `/api/v1/alerts/channels/test?id=${created.id}`);
      expect(test.statusCode).toBe(200);
      expect(JSON.parse(test.body)).toMatchObject({ state: 'delivered', event: 'test', attempts: 1 });
      expect(JSON.parse(hooks[0]!.body)).toMatchObject({ event: 'test', code: 'TEST' });
      expect(hooks[0]!.signature).toBeUndefined();
    });
  });

  // PostgreSQL: truly concurrent connections. (SQLite serializes writers; its processes take turns
  // and the later one finds the alert raised, which the last call of the first line checks too.)
  it('two tenant processes judging the same status at once notify once (postgres)', async () => {
    const test = await createTestStore('postgres');
    try {
      const other = await test.openAnother();
      const a = test.store.alerts('default');
      const b = other.alerts('default');
      await a.addChannel({ kind: 'webhook', target: receiverUrl, secret: null, createdBy: 'root' }, new Date());
      const now = new Date();
      const raise = [{ event: 'raised' as const, code: 'AGENT_SILENT' as const, message: 'silent' }];
      const enqueued = await Promise.all([a.applyNotices(raise, now), b.applyNotices(raise, now), a.applyNotices(raise, now)]);
      expect(enqueued.sort()).toEqual([0, 0, 1]);
      const claims = await Promise.all([a.claimDue(now, 30_000, 10), b.claimDue(now, 30_000, 10)]);
      expect(claims.flat()).toHaveLength(1);
      // A sender that died keeps its lease until it runs out; then the delivery is claimed again.
      expect(await a.claimDue(new Date(now.getTime() + 29_000), 30_000, 10)).toHaveLength(0);
      expect(await b.claimDue(new Date(now.getTime() + 31_000), 30_000, 10)).toHaveLength(1);
    } finally {
      await test.cleanup();
    }
  });
});

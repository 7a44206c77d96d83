/**
 * The smart lockout against a real listener, from several loopback source addresses (the socket
 * is bound with localAddress, so the tenant sees 127.0.0.2, 127.0.0.3, ... as the client), on
 * SQLite and PostgreSQL. Two apps over the same database stand for two tenant processes.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTenantApp } from '../../../src/tenant/http/app.js';
import type { AuditEntry, Page } from '../../../src/tenant/api/contract.js';
import { createMemoryLogger } from '../../../src/shared/logger.js';
import type { FastifyInstance } from 'fastify';
import { passwordSet, startHarness, userChange, verifiersFor, type Dialect, type Harness } from './harness.js';

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function post(base: string, path: string, payload: unknown, from: string, cookie?: string): Promise<Reply> {
  const body = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, {
      method: 'POST', localAddress: from, agent: false, timeout: 20_000,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(cookie ? { cookie } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${path} within 20 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

function deviceCookie(reply: Reply): string {
  const cookies = ([] as string[]).concat(reply.headers['set-cookie'] ?? []);
  const device = cookies.find((c) => c.startsWith('dirbridge_device='));
  if (!device) throw new Error('no device cookie');
  expect(device).toMatch(/HttpOnly/i);
  return device.split(';')[0]!;
}

const count = (replies: Reply[], status: number) => replies.filter((r) => r.status === status).length;

describe.each<Dialect>(['sqlite', 'postgres'])('smart lockout on a real listener (%s)', (dialect) => {
  let h: Harness;
  let second: FastifyInstance;
  const bases: string[] = [];
  const user = (i: number) => ({ username: `user${i}@example.org`, password: `Right-pw-${i}` });

  beforeAll(async () => {
    h = await startHarness(dialect);
    const { credential } = await h.registerAgent();
    const changes = Array.from({ length: 4 }, (_, i) => userChange(`anchor-${i}`, user(i).username));
    expect((await h.agent(credential, 'POST', '/api/v1/agent/batches/objects', { batchId: 'batch-users-001', changes })).statusCode).toBe(200);
    const items = await Promise.all(Array.from({ length: 4 }, async (_, i) => passwordSet(`anchor-${i}`, await verifiersFor(user(i).password))));
    expect((await h.agent(credential, 'POST', '/api/v1/agent/batches/passwords', { batchId: 'batch-pw-001', items })).json()).toMatchObject({ applied: 4 });
    await h.createAdmin('ops', 'global_admin', 'Ops-pw-1');
    // A second tenant process over the same database, with the same clock.
    second = await buildTenantApp({ store: h.store, tenantId: h.tenantId, logger: createMemoryLogger('warn').logger, clock: h.clock, version: 'test' });
    for (const app of [h.app, second]) {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      bases.push(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
    }
  }, 120_000);
  afterAll(async () => {
    await second?.close();
    await h?.close();
  });

  it('checks at most the threshold of 100 parallel wrong passwords sent to two processes; the rest get 429', async () => {
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) =>
      post(bases[i % 2]!, '/api/v1/sign-in', { username: user(0).username, password: `guess-${i}` }, '127.0.0.2')));
    expect(count(replies, 401)).toBe(5);
    expect(count(replies, 429)).toBe(95);
    expect(replies.find((r) => r.status === 429)?.headers['retry-after']).toMatch(/^[0-9]+$/);
    // The attacker's address stays locked even with the right password.
    expect((await post(bases[0]!, '/api/v1/sign-in', user(0), '127.0.0.2')).status).toBe(429);
  }, 60_000);

  it('keeps a familiar client (device cookie or known address) signing in while strangers are locked out', async () => {
    const first = await post(bases[0]!, '/api/v1/sign-in', user(1), '127.0.0.3');
    expect(first.status).toBe(200);
    const cookie = deviceCookie(first);

    // Strangers from six addresses guess: every address is locked, then the user's unfamiliar counter (20).
    const attackers = ['127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7', '127.0.0.8', '127.0.0.9'];
    const burst = await Promise.all(attackers.flatMap((from) => Array.from({ length: 8 }, (_, i) =>
      post(bases[i % 2]!, '/api/v1/sign-in', { username: user(1).username, password: `wrong-${from}-${i}` }, from))));
    expect(count(burst, 401)).toBeLessThanOrEqual(20);
    expect(count(burst, 429)).toBeGreaterThanOrEqual(28);

    // A stranger with the right password is locked out; the real user is not.
    expect((await post(bases[1]!, '/api/v1/sign-in', user(1), '127.0.0.10')).status).toBe(429);
    expect((await post(bases[1]!, '/api/v1/sign-in', user(1), '127.0.0.3')).status).toBe(200);
    expect((await post(bases[0]!, '/api/v1/sign-in', user(1), '127.0.0.11', cookie)).status).toBe(200);
    // A made-up device cookie is a stranger.
    expect((await post(bases[0]!, '/api/v1/sign-in', user(1), '127.0.0.12', 'dirbridge_device=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(429);

    // One audit row per lock event, none per refused attempt.
    const audit = (await h.admin(await h.rootSession(), 'GET', '/api/v1/audit-log?pageSize=200')).json() as Page<AuditEntry>;
    const locks = audit.items.filter((e) => e.action === 'sign_in.locked_out' && e.details['subject'] === 'user:anchor-1');
    expect(locks.length).toBeGreaterThanOrEqual(2);
    expect(locks.length).toBeLessThanOrEqual(attackers.length + 1);
    expect(audit.items.filter((e) => e.action.startsWith('sign_in.') && e.action !== 'sign_in.locked_out')).toEqual([]);
  }, 60_000);

  it('locks the attacking address harder: after its lock ran out one more failure locks it again, for twice as long', async () => {
    for (let i = 0; i < 5; i++) expect((await post(bases[0]!, '/api/v1/sign-in', { username: user(2).username, password: `x${i}` }, '127.0.0.13')).status).toBe(401);
    expect((await post(bases[0]!, '/api/v1/sign-in', user(2), '127.0.0.13')).headers['retry-after']).toBe('60');
    h.clock.advance(60_001);
    expect((await post(bases[1]!, '/api/v1/sign-in', { username: user(2).username, password: 'again' }, '127.0.0.13')).status).toBe(401);
    expect((await post(bases[1]!, '/api/v1/sign-in', user(2), '127.0.0.13')).headers['retry-after']).toBe('120');
  }, 60_000);

  it('gives admin sign-in the same: 25 parallel guesses get 5 checked, and the admin keeps signing in from a familiar client', async () => {
    const first = await post(bases[0]!, '/api/v1/auth/sign-in', { username: 'ops', password: 'Ops-pw-1' }, '127.0.0.20');
    expect(first.status).toBe(200);
    const cookie = deviceCookie(first);
    const replies = await Promise.all(Array.from({ length: 25 }, (_, i) =>
      post(bases[i % 2]!, '/api/v1/auth/sign-in', { username: 'ops', password: `guess-${i}` }, '127.0.0.21')));
    expect(count(replies, 401)).toBe(5);
    expect(count(replies, 429)).toBe(20);
    // More strangers fill the admin's unfamiliar counter.
    for (const from of ['127.0.0.22', '127.0.0.23', '127.0.0.24']) {
      await Promise.all(Array.from({ length: 5 }, (_, i) => post(bases[0]!, '/api/v1/auth/sign-in', { username: 'ops', password: `g${i}` }, from)));
    }
    expect((await post(bases[0]!, '/api/v1/auth/sign-in', { username: 'ops', password: 'Ops-pw-1' }, '127.0.0.25')).status).toBe(429);
    expect((await post(bases[1]!, '/api/v1/auth/sign-in', { username: 'ops', password: 'Ops-pw-1' }, '127.0.0.26', cookie)).status).toBe(200);
    expect((await post(bases[1]!, '/api/v1/auth/sign-in', { username: 'ops', password: 'Ops-pw-1' }, '127.0.0.20')).status).toBe(200);
  }, 60_000);
});

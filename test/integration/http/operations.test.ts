import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../../src/shared/errors.js';
import { runReport, startHarness, type Harness } from './harness.js';

describe('errors, operations and the OpenAPI document (sqlite)', () => {
  let h: Harness;
  let uiDir: string;
  beforeAll(async () => {
    uiDir = mkdtempSync(join(tmpdir(), 'dirbridge-ui-'));
    writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>dirbridge admin center</title>');
    mkdirSync(join(uiDir, 'assets'));
    writeFileSync(join(uiDir, 'assets', 'app.js'), 'console.log("app")');
    h = await startHarness('sqlite', { uiDir });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(uiDir, { recursive: true, force: true });
  });

  it('answers bad JSON with 400 REQUEST_INVALID', async () => {
    const response = await h.inject({ method: 'POST', url: '/api/v1/sign-in', payload: '{"username": "a",', headers: { 'content-type': 'application/json' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'REQUEST_INVALID', message: 'The request body is not valid JSON.' });
  });

  it('answers a body over the limit with 413 REQUEST_TOO_LARGE and a foreign content type with 400 REQUEST_INVALID', async () => {
    const big = await h.inject({ method: 'POST', url: '/api/v1/sign-in', payload: JSON.stringify({ username: 'a', password: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } });
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toMatchObject({ code: 'REQUEST_TOO_LARGE', message: 'The request body is larger than the tenant service accepts.' });
    const xml = await h.inject({ method: 'POST', url: '/api/v1/sign-in', payload: '<a/>', headers: { 'content-type': 'application/xml' } });
    expect(xml.statusCode).toBe(400);
    expect(xml.json().error.code).toBe('REQUEST_INVALID');
  });

  it('takes an empty JSON body as no body, and still refuses prototype poisoning', async () => {
    const session = await h.rootSession();
    const empty = await h.inject({ method: 'POST', url: '/api/v1/dirsync/allow-deletes', payload: '', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf }, cookies: { dirbridge_session: session.cookie } });
    expect(empty.json().error.code).toBe('NO_BLOCKED_DELETES');
    const poisoned = await h.inject({ method: 'POST', url: '/api/v1/sign-in', payload: '{"username":"a","password":"b","__proto__":{"x":1}}', headers: { 'content-type': 'application/json' } });
    expect(poisoned.statusCode).toBe(400);
    expect(poisoned.json().error.code).toBe('REQUEST_INVALID');
  });

  it('accepts agent batches larger than the 1 MiB default', async () => {
    const { credential } = await h.registerAgent('big.example.org');
    const members = Array.from({ length: 50_000 }, (_, i) => `member-anchor-${String(i).padStart(8, '0')}`);
    const batch = { batchId: 'batch-big-00001', changes: [{ op: 'upsert', object: { kind: 'group', anchor: 'g-big', dn: 'cn=big,dc=example,dc=org', name: 'big', description: null, mail: null, memberAnchors: members } }] };
    expect(JSON.stringify(batch).length).toBeGreaterThan(1024 * 1024);
    const response = await h.agent(credential, 'POST', '/api/v1/agent/batches/objects', batch);
    expect(response.statusCode).toBe(200);
  });

  it('answers unknown API paths with 404 NOT_FOUND, and serves the admin UI for other paths', async () => {
    const api = await h.inject({ method: 'GET', url: '/api/v1/nope' });
    expect(api.statusCode).toBe(404);
    expect(api.json().error.code).toBe('NOT_FOUND');
    const spa = await h.inject({ method: 'GET', url: '/dirsync/management' });
    expect(spa.statusCode).toBe(200);
    expect(spa.headers['content-type']).toContain('text/html');
    expect(spa.body).toContain('dirbridge admin center');
    const root = await h.inject({ method: 'GET', url: '/' });
    expect(root.body).toContain('dirbridge admin center');
    expect((await h.inject({ method: 'GET', url: '/assets/app.js' })).body).toContain('console.log');
    expect((await h.inject({ method: 'GET', url: '/assets/missing.js' })).statusCode).toBe(404);
  });

  it('sends security headers with a CSP that lets the SPA run', async () => {
    const response = await h.inject({ method: 'GET', url: '/' });
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('describes every route in /api/v1/openapi.json with its method, body schema and summary', async () => {
    const response = await h.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths as Record<string, Record<string, { summary: string; requestBody?: { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } } }>>)
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })));
    const keys = operations.map((o) => o.key);
    for (const expected of [
      'POST /api/v1/agent/register', 'POST /api/v1/agent/heartbeat', 'GET /api/v1/agent/settings', 'POST /api/v1/agent/batches/objects',
      'POST /api/v1/agent/batches/passwords', 'POST /api/v1/agent/runs', 'POST /api/v1/auth/sign-in', 'POST /api/v1/auth/sign-out', 'GET /api/v1/auth/me',
      'GET /api/v1/dirsync/status', 'PATCH /api/v1/dirsync/settings', 'POST /api/v1/dirsync/allow-deletes', 'POST /api/v1/dirsync/clear-verifiers',
      'GET /api/v1/troubleshooter', 'GET /api/v1/users', 'GET /api/v1/groups', 'GET /api/v1/sync-errors', 'GET /api/v1/agents',
      'GET /api/v1/registration-tokens', 'POST /api/v1/registration-tokens', 'GET /api/v1/audit-log', 'POST /api/v1/sign-in', 'GET /livez', 'GET /healthz', 'GET /metrics',
    ]) expect(keys).toContain(expected);
    for (const { key, op } of operations) expect(op.summary.length, key).toBeGreaterThan(5);
    const register = operations.find((o) => o.key === 'POST /api/v1/agent/register')?.op;
    expect(Object.keys(register?.requestBody?.content['application/json'].schema.properties ?? {})).toEqual(['registrationToken', 'host', 'version', 'agentId', 'credentialHash']);
    // every route the app serves is in the document (the table registers both)
    for (const { key } of operations) {
      const [method, url] = key.split(' ') as ['GET', string];
      // OpenAPI writes path parameters as {id}, Fastify as :id.
      expect(h.app.hasRoute({ method, url: url.replace(/\{(\w+)\}/g, ':$1') }), key).toBe(true);
    }
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toEqual(Object.keys(ERRORS));
  });

  it('reports health and Prometheus metrics', async () => {
    expect((await h.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const live = await h.inject({ method: 'GET', url: '/livez' });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'ok' });
    expect(live.headers['cache-control']).toBe('no-store');
    const before = await h.inject({ method: 'GET', url: '/metrics' });
    expect(before.headers['content-type']).toContain('text/plain');
    expect(before.body).toContain('dirbridge_sync_runs_total{kind="directory",outcome="success"} 0');
    expect(before.body).not.toMatch(/^dirbridge_seconds_since_last_directory_sync /m);
    expect(before.body).toMatch(/^dirbridge_users 0$/m);

    const agentsBefore = Number(/^dirbridge_agents (\d+)$/m.exec(before.body)?.[1]);
    const { credential } = await h.registerAgent();
    await h.agent(credential, 'POST', '/api/v1/agent/runs', runReport('directory', 'success', new Date(h.clock.now().getTime() - 90_000)));
    await h.agent(credential, 'POST', '/api/v1/agent/runs', runReport('password', 'failed', h.clock.now(), { errorCode: 'DIR_UNREACHABLE', errorMessage: 'connect ECONNREFUSED' }));
    const after = (await h.inject({ method: 'GET', url: '/metrics' })).body;
    expect(after).toContain('dirbridge_sync_runs_total{kind="directory",outcome="success"} 1');
    expect(after).toContain('dirbridge_sync_runs_total{kind="password",outcome="failed"} 1');
    expect(after).toMatch(/^dirbridge_seconds_since_last_directory_sync 90$/m);
    expect(after).not.toMatch(/^dirbridge_seconds_since_last_password_sync /m);
    expect(after).toMatch(new RegExp(`^dirbridge_agents ${agentsBefore + 1}$`, 'm'));
    expect(after).toMatch(/^dirbridge_objects_in_error 0$/m);
  });

  it('answers 500 INTERNAL_ERROR without the cause, logs it with the request id, and /healthz 503 when the store is gone', async () => {
    const session = await h.rootSession();
    await h.store.close();
    const response = await h.admin(session, 'GET', '/api/v1/dirsync/status');
    expect(response.statusCode).toBeGreaterThanOrEqual(500);
    expect(response.json()).toEqual({ error: { code: 'INTERNAL_ERROR', message: ERRORS.INTERNAL_ERROR.message, hint: ERRORS.INTERNAL_ERROR.hint } });
    const requestId = String(response.headers['x-request-id']);
    const logged = h.lines.map((line) => JSON.parse(line) as { reqId?: string; level: number; err?: unknown }).filter((l) => l.reqId === requestId && l.level >= 50);
    expect(logged.length).toBeGreaterThan(0);
    expect(logged[0]?.err).toBeDefined();
    const health = await h.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toEqual({ status: 'unavailable' });
    // The liveness probe does not wait on the store: the process is alive while its database is not.
    const live = await h.inject({ method: 'GET', url: '/livez' });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'ok' });
  });
});

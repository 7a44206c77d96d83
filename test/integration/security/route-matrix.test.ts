/**
 * Issue 11's security suite, part one: every route of the OpenAPI document, called as each of
 * {anonymous, reader, global admin, agent, revoked agent, other tenant's admin and agent}, gets
 * the status its declared authentication (x-dirbridge-auth) allows: 401 without a valid caller,
 * 403 for a reader on a global-admin route, never 401/403 for an allowed caller, never a 5xx.
 * Prints routes × roles checked. Bodies and queries built from each route's schema, and the proof
 * that a refused one stores nothing, are part two: schema-fuzz.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTenantApp } from '../../../src/tenant/http/app.js';
import { hashAdminPassword } from '../../../src/passwords/index.js';
import { createMemoryLogger } from '../../../src/shared/logger.js';
import { startHarness, type Harness } from '../http/harness.js';

type Auth = 'none' | 'agent' | 'admin' | 'global_admin';
interface Operation { method: string; path: string; auth: Auth }
type Role = 'anonymous' | 'reader' | 'admin' | 'agent' | 'revoked_agent' | 'other_tenant_admin' | 'other_tenant_agent';
const ROLES: Role[] = ['anonymous', 'reader', 'admin', 'agent', 'revoked_agent', 'other_tenant_admin', 'other_tenant_agent'];

/** What the route's declared authentication allows each caller: 'allowed', or the refusal status. */
function expected(auth: Auth, role: Role): 'allowed' | 401 | 403 {
  if (auth === 'none') return 'allowed';
  if (auth === 'agent') return role === 'agent' ? 'allowed' : 401;
  if (role === 'admin') return 'allowed';
  if (role === 'reader') return auth === 'global_admin' ? 403 : 'allowed';
  return 401;
}

describe('every route × every kind of caller', () => {
  let h: Harness;
  let operations: Operation[] = [];
  let agentCredential = '';
  let revokedCredential = '';
  let otherAgentCredential = '';
  let otherAdminCookie = '';

  beforeAll(async () => {
    h = await startHarness('sqlite');
    type Op = { 'x-dirbridge-auth': Auth };
    const document = (await h.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as { paths: Record<string, Record<string, Op>> };
    operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(), path, auth: op['x-dirbridge-auth'],
    })));
    await h.createAdmin('reader', 'global_reader', 'reader-password-1');
    agentCredential = (await h.registerAgent('dc-ok')).credential;
    const revoked = await h.registerAgent('dc-revoked');
    revokedCredential = revoked.credential;
    expect((await h.admin(await h.rootSession(), 'DELETE', `/api/v1/agents?id=${revoked.agentId}`)).statusCode).toBe(204);

    // Another tenant on the same store, with its own admin and agent.
    const otherTenant = `t-${randomUUID()}`;
    await h.store.ensureTenant(otherTenant, otherTenant);
    const other = await buildTenantApp({ store: h.store, tenantId: otherTenant, logger: createMemoryLogger('error').logger, version: 'test' });
    await h.store.forTenant(otherTenant).createAdmin({ username: 'root', role: 'global_admin', passwordHash: await hashAdminPassword('other-password-1', { ln: 10, r: 8, p: 1 }) });
    const signIn = await other.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username: 'root', password: 'other-password-1' } });
    otherAdminCookie = signIn.cookies.find((c) => c.name === 'dirbridge_session')!.value;
    const csrf = (signIn.json() as { csrfToken: string }).csrfToken;
    const token = (await other.inject({ method: 'POST', url: '/api/v1/registration-tokens', cookies: { dirbridge_session: otherAdminCookie }, headers: { 'x-csrf-token': csrf } })).json() as { token: string };
    otherAgentCredential = ((await other.inject({ method: 'POST', url: '/api/v1/agent/register', payload: { registrationToken: token.token, host: 'other', version: '1' } })).json() as { credential: string }).credential;
    await other.close();
  });
  afterAll(async () => { await h.close(); });

  async function callAs(role: Role, op: Operation) {
    const url = op.path.replace(/\{[^}]+\}/g, 'x');
    const payload = ['POST', 'PATCH', 'PUT'].includes(op.method) ? {} : undefined;
    if (role === 'reader' || role === 'admin') {
      // A fresh session per call: sign-out routes must not end the session other checks use.
      const session = role === 'admin' ? await h.signIn('root', 'root-password-1') : await h.signIn('reader', 'reader-password-1');
      return h.admin(session, op.method, url, payload);
    }
    if (role === 'other_tenant_admin') return h.inject({ method: op.method, url, payload, cookies: { dirbridge_session: otherAdminCookie } });
    const credential = { agent: agentCredential, revoked_agent: revokedCredential, other_tenant_agent: otherAgentCredential, anonymous: null }[role];
    return h.inject({ method: op.method, url, payload, ...(credential ? { headers: { authorization: `Bearer ${credential}` } } : {}) });
  }

  it('gives every caller the status the route declares, and never a 5xx', async () => {
    await h.rootSession();
    expect(operations.length).toBeGreaterThan(30);
    // The DirSync management routes (issue 15) are in the document, so the matrix checks them too.
    const listed = operations.map((op) => `${op.method} ${op.path}`);
    expect(listed).toEqual(expect.arrayContaining([
      'POST /api/v1/dirsync/sync-now', 'GET /api/v1/dirsync/sync-now', 'GET /api/v1/dirsync/pending-deletes',
      'POST /api/v1/agent/sync-request', 'POST /api/v1/agent/sign-off',
    ]));
    let checked = 0;
    const failures: string[] = [];
    for (const op of operations) {
      // Registration and sign-in take no caller; their abuse is covered by their own tests.
      for (const role of ROLES) {
        const response = await callAs(role, op);
        const want = expected(op.auth, role);
        checked++;
        const ok = response.statusCode < 500 && (want === 'allowed' ? response.statusCode !== 401 && response.statusCode !== 403 : response.statusCode === want);
        if (!ok) failures.push(`${op.method} ${op.path} as ${role}: ${response.statusCode} (expected ${want}) ${response.body.slice(0, 120)}`);
      }
    }
    console.log(`security matrix: ${operations.length} routes × ${ROLES.length} callers = ${checked} checks, ${failures.length} failures`);
    expect(failures).toEqual([]);
  }, 120_000);
});

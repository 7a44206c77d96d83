import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, Page, TroubleshooterReport } from '../../../src/tenant/api/contract.js';
import { runReport, startHarness, type Harness } from './harness.js';

describe('admin API (sqlite)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('sqlite');
    await h.createAdmin('reader', 'global_reader', 'reader-password-1');
  });
  afterAll(async () => { await h?.close(); });

  it('signs in with an HttpOnly, SameSite=Strict session cookie and returns the CSRF token', async () => {
    await h.rootSession();
    const response = await h.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username: 'reader', password: 'reader-password-1' } });
    expect(response.statusCode).toBe(200);
    const cookie = response.cookies.find((c) => c.name === 'dirbridge_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', maxAge: 12 * 3600 });
    expect(cookie?.secure).toBeFalsy(); // plain http in tests
    const body = response.json();
    expect(body).toEqual({ username: 'reader', role: 'global_reader', csrfToken: expect.any(String), mustChangePassword: false });
    expect(body.csrfToken.length).toBeGreaterThanOrEqual(32);
    // the cookie value is not what the store keeps
    const me = await h.inject({ method: 'GET', url: '/api/v1/auth/me', cookies: { dirbridge_session: cookie!.value } });
    expect(me.json()).toEqual(body);
  });

  it('makes the cookie Secure with the __Host- prefix and sends HSTS only for an https public URL, never because a header says https', async () => {
    const forwarded = { method: 'POST', url: '/api/v1/auth/sign-in', payload: { username: 'root', password: 'root-password-1' }, headers: { 'x-forwarded-proto': 'https' } };
    const plain = await h.inject(forwarded);
    expect(plain.cookies[0]).toMatchObject({ name: 'dirbridge_session' });
    expect(plain.cookies[0]?.secure).toBeFalsy();
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    const proxied = await startHarness('sqlite', { trustProxy: true, publicUrl: 'https://id.example.test' });
    try {
      await proxied.createAdmin('root', 'global_admin', 'root-password-1');
      const response = await proxied.inject({ ...forwarded, headers: {} });
      expect(response.statusCode).toBe(200);
      expect(response.cookies[0]).toMatchObject({ name: '__Host-dirbridge_session', secure: true, path: '/', httpOnly: true, sameSite: 'Strict' });
      expect(response.cookies[0]?.domain).toBeUndefined();
      expect(response.headers['strict-transport-security']).toMatch(/max-age=31536000/);
      // The session works under its prefixed name only.
      const session = await proxied.signIn('root', 'root-password-1');
      expect((await proxied.admin(session, 'GET', '/api/v1/auth/me')).statusCode).toBe(200);
      expect((await proxied.inject({ method: 'GET', url: '/api/v1/auth/me', cookies: { dirbridge_session: session.cookie } })).statusCode).toBe(401);
    } finally {
      await proxied.close();
    }
  });

  it('refuses a wrong password with 401 and unknown users the same way', async () => {
    for (const username of ['reader', 'nobody']) {
      const response = await h.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username, password: 'wrong-password' } });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('AUTH_INVALID_CREDENTIALS');
    }
  });

  it('needs a session: 401 AUTH_REQUIRED without or with a made-up cookie', async () => {
    for (const cookies of [undefined, { dirbridge_session: 'made-up' }]) {
      const response = await h.inject({ method: 'GET', url: '/api/v1/dirsync/status', ...(cookies ? { cookies } : {}) });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('AUTH_REQUIRED');
    }
  });

  it('lets a reader look but not change: 403 AUTH_FORBIDDEN', async () => {
    const reader = await h.signIn('reader', 'reader-password-1');
    expect((await h.admin(reader, 'GET', '/api/v1/dirsync/status')).statusCode).toBe(200);
    expect((await h.admin(reader, 'GET', '/api/v1/users')).statusCode).toBe(200);
    for (const [method, url, payload] of [
      ['PATCH', '/api/v1/dirsync/settings', { passwordSyncEnabled: false }],
      ['POST', '/api/v1/registration-tokens', undefined],
      ['POST', '/api/v1/dirsync/allow-deletes', undefined],
      ['POST', '/api/v1/dirsync/clear-verifiers', { confirm: 'REMOVE ALL PASSWORD HASHES' }],
    ] as const) {
      const response = await h.admin(reader, method, url, payload);
      expect(response.statusCode, url).toBe(403);
      expect(response.json().error.code, url).toBe('AUTH_FORBIDDEN');
    }
    expect((await h.repo.getSettings()).passwordSyncEnabled).toBe(true);
  });

  it('refuses a change without (or with a wrong) CSRF token: 403 CSRF_INVALID', async () => {
    const root = await h.rootSession();
    const without = await h.admin(root, 'PATCH', '/api/v1/dirsync/settings', { passwordSyncEnabled: false }, false);
    expect(without.statusCode).toBe(403);
    expect(without.json().error.code).toBe('CSRF_INVALID');
    const wrong = await h.admin({ ...root, csrf: `${root.csrf.slice(0, -1)}x` }, 'PATCH', '/api/v1/dirsync/settings', { passwordSyncEnabled: false });
    expect(wrong.json().error.code).toBe('CSRF_INVALID');
    expect((await h.repo.getSettings()).passwordSyncEnabled).toBe(true);
  });

  it('switches password sync and audits settings.changed with before and after of the changed keys', async () => {
    const root = await h.rootSession();
    const response = await h.admin(root, 'PATCH', '/api/v1/dirsync/settings', { passwordSyncEnabled: false, staleAfterHours: 72 });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ passwordSyncEnabled: false, staleAfterHours: 72 });
    const audit = (await h.admin(root, 'GET', '/api/v1/audit-log')).json() as Page<AuditEntry>;
    const entry = audit.items.find((e) => e.action === 'settings.changed');
    expect(entry).toMatchObject({ actor: 'root', details: { before: { passwordSyncEnabled: true }, after: { passwordSyncEnabled: false } } });
    // the status and troubleshooter follow
    const status = (await h.admin(root, 'GET', '/api/v1/dirsync/status')).json();
    expect(status.passwordSyncEnabled).toBe(false);
    const report = (await h.admin(root, 'GET', '/api/v1/troubleshooter')).json() as TroubleshooterReport;
    expect(report.checks.find((c) => c.id === 'password_sync_enabled')?.verdict).toBe('warning');
    // unknown keys are refused, naming the key
    const unknown = await h.admin(root, 'PATCH', '/api/v1/dirsync/settings', { passwordSync: true });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toContain('passwordSync');
    await h.admin(root, 'PATCH', '/api/v1/dirsync/settings', { passwordSyncEnabled: true });
  });

  it('removes all verifiers only with the exact confirmation, audited', async () => {
    const root = await h.rootSession();
    const refused = await h.admin(root, 'POST', '/api/v1/dirsync/clear-verifiers', { confirm: 'yes' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.details.fields).toEqual(['confirm']);
    const done = await h.admin(root, 'POST', '/api/v1/dirsync/clear-verifiers', { confirm: 'REMOVE ALL PASSWORD HASHES' });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toEqual({ cleared: 0 });
    const audit = (await h.admin(root, 'GET', '/api/v1/audit-log?pageSize=50')).json() as Page<AuditEntry>;
    expect(audit.items.some((e) => e.action === 'verifiers.cleared')).toBe(true);
  });

  it('audits registration token creation and lists agents and sync errors', async () => {
    const root = await h.rootSession();
    const { agentId } = await h.registerAgent('dc9.example.org');
    const agents = (await h.admin(root, 'GET', '/api/v1/agents')).json();
    expect(agents).toEqual([expect.objectContaining({ id: agentId, host: 'dc9.example.org', version: '0.1.0' })]);
    const audit = (await h.admin(root, 'GET', '/api/v1/audit-log?pageSize=50')).json() as Page<AuditEntry>;
    expect(audit.items.some((e) => e.action === 'registration_token.created')).toBe(true);
    expect(audit.items.some((e) => e.action === 'agent.registered')).toBe(true);
    const errors = await h.admin(root, 'GET', '/api/v1/sync-errors?page=1&pageSize=10');
    expect(errors.json()).toMatchObject({ items: [], total: 0, page: 1, pageSize: 10 });
    const badPage = await h.admin(root, 'GET', '/api/v1/users?pageSize=1000');
    expect(badPage.statusCode).toBe(400);
    expect(badPage.json().error.details.fields).toEqual(['pageSize']);
  });

  it('shows per-object errors of a run and a TLS-insecure agent in status, troubleshooter and sync errors', async () => {
    const root = await h.rootSession();
    const { credential } = await h.registerAgent('dc-insecure.example.org');
    await h.agent(credential, 'POST', '/api/v1/agent/heartbeat', { host: 'dc-insecure.example.org', version: '0.1.0', tlsVerificationDisabled: true });
    const report = runReport('directory', 'partial', h.clock.now(), {
      objectErrors: [{ anchor: 'anchor-x', kind: 'user', dn: 'uid=x,ou=people,dc=example,dc=org', attribute: 'mail', code: 'OBJECT_DUPLICATE_MAIL', message: 'Another user already has this mail address.', hint: 'Give one of the two entries a different mail address.' }],
    });
    expect((await h.agent(credential, 'POST', '/api/v1/agent/runs', report)).statusCode).toBe(200);
    const status = (await h.admin(root, 'GET', '/api/v1/dirsync/status')).json();
    expect(status.syncErrorCount).toBe(1);
    expect(status.warnings.map((w: { code: string }) => w.code)).toEqual(expect.arrayContaining(['OBJECTS_IN_ERROR', 'TLS_VERIFICATION_DISABLED']));
    const errors = (await h.admin(root, 'GET', '/api/v1/sync-errors?code=OBJECT_DUPLICATE_MAIL')).json();
    expect(errors).toMatchObject({ total: 1, items: [{ anchor: 'anchor-x', attribute: 'mail', code: 'OBJECT_DUPLICATE_MAIL' }] });
    const report2 = (await h.admin(root, 'GET', '/api/v1/troubleshooter')).json() as TroubleshooterReport;
    const byId = Object.fromEntries(report2.checks.map((c) => [c.id, c]));
    expect(byId['objects_in_error']).toMatchObject({ verdict: 'warning', params: { count: 1 } });
    expect(byId['tls_verification']).toMatchObject({ verdict: 'warning' });
    expect(byId['tls_verification']?.found).toContain('dc-insecure.example.org');
    // a later run without errors clears them
    expect((await h.agent(credential, 'POST', '/api/v1/agent/runs', runReport('directory', 'success', h.clock.now()))).statusCode).toBe(200);
    expect((await h.admin(root, 'GET', '/api/v1/dirsync/status')).json().syncErrorCount).toBe(0);
  });

  it('signs out: the session no longer works', async () => {
    const session = await h.signIn('reader', 'reader-password-1');
    const out = await h.admin(session, 'POST', '/api/v1/auth/sign-out');
    expect(out.statusCode).toBe(204);
    expect((await h.admin(session, 'GET', '/api/v1/auth/me')).statusCode).toBe(401);
  });

  it('locks admin sign-in after repeated failures, with Retry-After', async () => {
    await h.createAdmin('victim', 'global_admin', 'victim-password-1');
    for (let i = 0; i < 5; i++) {
      expect((await h.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username: 'victim', password: `guess-${i}` } })).statusCode).toBe(401);
    }
    const locked = await h.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username: 'victim', password: 'victim-password-1' } });
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['retry-after']).toBe('60');
    expect(locked.json().error.code).toBe('SIGN_IN_LOCKED');
    h.clock.advance(61_000);
    expect((await h.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username: 'victim', password: 'victim-password-1' } })).statusCode).toBe(200);
  });
});

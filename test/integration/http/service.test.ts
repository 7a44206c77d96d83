import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../src/shared/logger.js';
import { bootstrapTenant, startTenantService, type RunningTenantService } from '../../../src/tenant/service.js';
import { createTestStore, type TestStore } from '../store/test-stores.js';

// SQLite only: the production admin KDF (scrypt ln=17) makes each bootstrap cost seconds here;
// the PostgreSQL path of the same routes is covered by agent-flow.test.ts.
describe.each(['sqlite'] as const)('tenant service on a real listener (%s)', (dialect) => {
  let testStore: TestStore;
  let service: RunningTenantService;
  const { logger, lines } = createMemoryLogger('info');
  let password = '';

  beforeAll(async () => {
    testStore = await createTestStore(dialect, { tenantId: null });
  });
  afterAll(async () => {
    await service?.close();
    await testStore?.cleanup();
  });

  it('bootstraps the tenant and its first admin once, with a generated password', async () => {
    const first = await bootstrapTenant(testStore.store, 'acme');
    expect(first).toMatchObject({ created: true, username: 'admin' });
    if (!first.created) throw new Error('unreachable');
    expect(first.password.length).toBeGreaterThanOrEqual(20);
    password = first.password;
    expect(await bootstrapTenant(testStore.store, 'acme')).toEqual({ created: false });
    const admin = await testStore.store.forTenant('acme').findAdminByUsername('admin');
    expect(admin?.role).toBe('global_admin');
    expect(admin?.passwordHash).not.toContain(password);
  });

  it('uses a given initial password', async () => {
    const given = await bootstrapTenant(testStore.store, 'other', { initialAdminPassword: 'Given-initial-pw-1' });
    expect(given).toEqual({ created: true, username: 'admin', password: 'Given-initial-pw-1' });
  });

  it('listens, and the bootstrapped admin signs in over real HTTP', async () => {
    service = await startTenantService({ store: testStore.store, tenantId: 'acme', port: 0, host: '127.0.0.1', logger, version: '0.1.0' });
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${service.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const signIn = await fetch(`${service.url}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^dirbridge_session=[^;]+;.*HttpOnly/);
    expect(cookie).toContain('SameSite=Strict');
    const signedIn = await signIn.json() as { csrfToken: string; mustChangePassword: boolean };
    // The generated initial password must be replaced before anything else.
    expect(signedIn.mustChangePassword).toBe(true);
    const session = { cookie: cookie.split(';')[0]!, 'x-csrf-token': signedIn.csrfToken };
    const blocked = await fetch(`${service.url}/api/v1/dirsync/status`, { headers: { cookie: session.cookie } });
    expect(blocked.status).toBe(403);
    expect((await blocked.json()).error.code).toBe('PASSWORD_CHANGE_REQUIRED');
    const changed = await fetch(`${service.url}/api/v1/auth/password`, {
      method: 'POST', headers: { ...session, 'content-type': 'application/json' }, body: JSON.stringify({ currentPassword: password, newPassword: 'A-new-admin-password-1' }),
    });
    expect(changed.status).toBe(204);
    const status = await fetch(`${service.url}/api/v1/dirsync/status`, { headers: { cookie: session.cookie } });
    expect(status.status).toBe(200);
    expect((await status.json()).state).toBe('never_synced');
    expect(lines.some((line) => line.includes(password))).toBe(false);
  });

  it('prunes old history when it starts, and only that', async () => {
    const repo = testStore.store.forTenant('other');
    const old = new Date(Date.now() - 400 * 86_400_000);
    await repo.audit({ actor: 'admin', action: 'ancient', details: {}, at: old });
    await repo.recordRun({ id: 'run-ancient', agentId: 'a', kind: 'directory', mode: 'full', startedAt: old, finishedAt: old, outcome: 'failed', counts: {}, errorCode: null, errorMessage: null }, []);
    await repo.recordRun({ id: 'run-recent', agentId: 'a', kind: 'directory', mode: 'full', startedAt: new Date(), finishedAt: new Date(), outcome: 'success', counts: {}, errorCode: null, errorMessage: null }, []);
    const pruning = await startTenantService({ store: testStore.store, tenantId: 'other', port: 0, host: '127.0.0.1', logger, version: '0.1.0' });
    try {
      const deadline = Date.now() + 10_000;
      while ((await repo.listAudit({ page: 1, pageSize: 10 })).items.some((e) => e.action === 'ancient') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect((await repo.listAudit({ page: 1, pageSize: 10 })).items.map((e) => e.action)).toEqual(['admin.created']);
      expect((await repo.listRuns(10)).map((r) => r.id)).toEqual(['run-recent']);
      expect(lines.some((line) => line.includes('old history pruned'))).toBe(true);
    } finally {
      await pruning.close();
    }
  });
});

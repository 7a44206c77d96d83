/**
 * The production shape: several tenant service processes over one PostgreSQL, and two agents for
 * one tenant of which one is active and the other takes over when it stops (a lease in the store).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from './store/test-stores.js';
import { bootstrapTenant, startTenantService, type RunningTenantService } from '../../src/tenant/service.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { TenantClient } from '../../src/agent/tenant-client.js';
import { createRegistrationToken } from '../../src/cli/all-in-one.js';
import { AdminApi } from '../support/admin-api.js';
import { eventually } from '../support/all-in-one.js';
import type { AgentSettings, AgentView, DirSyncStatus, Page, UserView } from '../../src/tenant/api/contract.js';

const ADMIN_PASSWORD = 'Scale-out-admin-password-1';

describe('two tenant processes over one PostgreSQL, two agents for one tenant', () => {
  let db: TestStore;
  const services: RunningTenantService[] = [];

  beforeAll(async () => {
    db = await createTestStore('postgres');
    await bootstrapTenant(db.store, 'default', { initialAdminPassword: ADMIN_PASSWORD });
    for (let i = 0; i < 2; i++) {
      // Each "process" has its own store (its own connection pool), as a replica behind a load balancer would.
      const store = i === 0 ? db.store : await db.openAnother();
      services.push(await startTenantService({ store, tenantId: 'default', port: 0, host: '127.0.0.1', logger: createMemoryLogger('warn').logger, version: 'test', leaseTtlSeconds: 2 }));
    }
  });
  afterAll(async () => {
    for (const s of services) await s.close();
    await db?.cleanup();
  });

  const register = async (serviceIndex: number, host: string) => {
    const token = await createRegistrationToken(db.store, 'default', 'test');
    const anonymous = new TenantClient({ tenantUrl: services[serviceIndex]!.url });
    const { credential } = await anonymous.register(token, host, 'test');
    return (index: number) => new TenantClient({ tenantUrl: services[index]!.url, credential });
  };

  it('lets agents and admins see one consistent tenant whichever process answers', async () => {
    const agentVia = await register(0, 'agent-a');
    // Writes through one process...
    await agentVia(0).heartbeat({ host: 'agent-a', version: 'test' });
    const batch = { batchId: 'batch-scale-0001', changes: [{ op: 'upsert' as const, object: { kind: 'user' as const, anchor: 'u1', dn: 'uid=u1,dc=example,dc=org', userPrincipalName: 'u1@example.org', displayName: 'User One', givenName: null, surname: null, mail: 'u1@example.org', otherMails: [], enabled: true } }] };
    expect((await agentVia(0).pushObjects(batch.batchId, batch.changes)).applied).toBe(1);
    // ...the same batch id through the other process changes nothing: idempotency lives in the store.
    expect(await agentVia(1).pushObjects(batch.batchId, batch.changes)).toMatchObject({ duplicate: true });
    await agentVia(1).reportRun({ runId: 'run-scale-0001', kind: 'directory', mode: 'full', startedAt: new Date(), finishedAt: new Date(), outcome: 'success', counts: { added: 1 }, errorCode: null, errorMessage: null, objectErrors: [] });

    // An admin signed in on one process is signed in on the other (sessions live in the store).
    const admin0 = await AdminApi.signIn(services[0]!.url, 'admin', ADMIN_PASSWORD);
    const admin1 = Object.assign(Object.create(Object.getPrototypeOf(admin0) as object) as AdminApi, admin0, { baseUrl: services[1]!.url });
    const [users0, users1] = await Promise.all([admin0.get<Page<UserView>>('/api/v1/users'), admin1.get<Page<UserView>>('/api/v1/users')]);
    expect(users0.items.map((u) => u.userPrincipalName)).toEqual(['u1@example.org']);
    expect(users1).toEqual(users0);
    const switched = await admin1.request('PATCH', '/api/v1/dirsync/settings', { passwordSyncEnabled: false });
    expect(switched.status).toBe(200);
    const status0 = await admin0.get<DirSyncStatus>('/api/v1/dirsync/status');
    expect(status0.passwordSyncEnabled).toBe(false);
    expect(status0.lastDirectorySync).not.toBeNull();
    expect((await agentVia(0).heartbeat({ host: 'agent-a', version: 'test' })).passwordSyncEnabled).toBe(false);
  });

  it('keeps one agent active; the standby takes over when the active one stops', async () => {
    // Signed in first: an admin sign-in (a costly KDF) outlasts the test's 2-second lease.
    const admin = await AdminApi.signIn(services[1]!.url, 'admin', ADMIN_PASSWORD);
    const a = (await register(0, 'host-a'))(0);
    const b = (await register(1, 'host-b'))(1);
    // The first agent of the previous test still holds the lease until it expires.
    const first = await eventually(async () => {
      const s = await a.heartbeat({ host: 'host-a', version: 'test' });
      return s.active ? s : undefined;
    }, 60_000, 'agent A to become active');
    expect(first.active).toBe(true);
    const standby: AgentSettings = await b.heartbeat({ host: 'host-b', version: 'test' });
    expect(standby.active).toBe(false);
    // A standby may not export: two agents writing at once could undo each other.
    await expect(b.pushObjects('batch-standby-1', [])).rejects.toMatchObject({ code: 'AGENT_NOT_ACTIVE' });

    const roles = async () => Object.fromEntries((await admin.get<AgentView[]>('/api/v1/agents')).filter((g) => g.host.startsWith('host-')).map((g) => [g.host, g.active]));
    expect(await roles()).toEqual({ 'host-a': true, 'host-b': false });

    // A stops heartbeating; B keeps asking and gets the lease once A's has expired.
    const started = Date.now();
    await eventually(async () => (await b.heartbeat({ host: 'host-b', version: 'test' })).active, 60_000, 'agent B to take over');
    // The lease lives 2 s: taking over is bounded by it, generously for a loaded CI machine.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await roles()).toEqual({ 'host-a': false, 'host-b': true });
    expect((await a.heartbeat({ host: 'host-a', version: 'test' })).active).toBe(false);
  }, 180_000);
});

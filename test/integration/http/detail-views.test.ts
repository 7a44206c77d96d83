/**
 * The detail views' API on a real SQLite file and a real PostgreSQL database: one user
 * (GET /api/v1/users/{id}), one group and its members, and the sync history with the runs in
 * progress, fed through the agent API as an agent feeds them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupDetail, GroupMemberView, SyncHistory, UserDetail } from '../../../src/tenant/api/detail-contract.js';
import type { Page } from '../../../src/tenant/api/contract.js';
import { runReport, startHarness, userChange, verifiersFor, type Harness } from './harness.js';

const EMMA = 'uid=emma.jansen,ou=People,dc=example,dc=org';
const path = (kind: 'users' | 'groups', anchor: string, rest = '') => `/api/v1/${kind}/${encodeURIComponent(anchor)}${rest}`;

describe.each(['sqlite', 'postgres'] as const)('detail views on %s', (dialect) => {
  let h: Harness;
  let agent: { agentId: string; credential: string };
  let session: { cookie: string; csrf: string };
  let reader: { cookie: string; csrf: string };
  let batchAt: Date;

  beforeAll(async () => {
    h = await startHarness(dialect);
    agent = await h.registerAgent();
    session = await h.rootSession();
    await h.createAdmin('reader', 'global_reader', 'reader-password-1');
    reader = await h.signIn('reader', 'reader-password-1');
    // A directory run holds the batch that created the objects; a password run the verifier.
    batchAt = h.clock.now();
    const members = Array.from({ length: 30 }, (_, i) => `m-${String(i).padStart(2, '0')}`);
    const objects = await h.agent(agent.credential, 'POST', '/api/v1/agent/batches/objects', {
      batchId: 'batch-objects-1',
      changes: [
        { ...userChange(EMMA, 'emma.jansen@example.org', { displayName: 'Emma Jansen' }) },
        ...members.map((m) => userChange(m, `${m}@example.org`)),
        { op: 'upsert', object: { kind: 'group', anchor: 'g-staff', dn: 'cn=staff,ou=groups,dc=example,dc=org', name: 'Staff', description: 'Everyone', mail: null, memberAnchors: [EMMA, 'g-sales', ...members, 'not-synced-anchor'] } },
        { op: 'upsert', object: { kind: 'group', anchor: 'g-sales', dn: 'cn=sales,ou=groups,dc=example,dc=org', name: 'Sales', description: null, mail: 'sales@example.org', memberAnchors: [EMMA] } },
      ],
    });
    expect(objects.statusCode).toBe(200);
    const passwords = await h.agent(agent.credential, 'POST', '/api/v1/agent/batches/passwords', {
      batchId: 'batch-passwords-1', items: [{ op: 'set', anchor: EMMA, verifiers: await verifiersFor('Secret-1'), changedAt: new Date(batchAt.getTime() - 60_000).toISOString() }],
    });
    expect(passwords.statusCode).toBe(200);
    const around = (ms: number) => new Date(batchAt.getTime() + ms);
    for (const report of [
      runReport('directory', 'partial', around(1000), {
        startedAt: around(-1000).toISOString(), counts: { added: 33, updated: 0, deleted: 0, errors: 1 },
        objectErrors: [{ anchor: EMMA, kind: 'user', dn: EMMA, attribute: 'mail', code: 'OBJECT_VALUE_INVALID', message: 'The mail address is not valid.', hint: 'Correct it in the directory.' }],
      }),
      runReport('password', 'success', around(2000), { startedAt: around(-500).toISOString(), mode: 'delta', counts: { derived: 1, restored: 0, cleared: 0, errors: 0 } }),
      runReport('directory', 'failed', around(-3_600_000), { startedAt: around(-3_600_000 - 65_000).toISOString(), mode: 'delta', counts: {}, errorCode: 'DIR_UNREACHABLE', errorMessage: 'The source directory cannot be reached.' }),
    ]) {
      expect((await h.agent(agent.credential, 'POST', '/api/v1/agent/runs', report)).statusCode).toBeLessThan(300);
    }
  });
  afterAll(async () => { await h?.close(); });

  it('shows one user: DN, anchor, attributes, groups, password state, errors and history, and no hash material', async () => {
    const response = await h.admin(reader, 'GET', path('users', EMMA));
    expect(response.statusCode).toBe(200);
    const user = response.json() as UserDetail;
    expect(user).toMatchObject({ anchor: EMMA, dn: 'uid=emma.jansen,ou=people,dc=example,dc=org', source: 'on_premises', enabled: true });
    expect(user.attributes).toEqual({ userPrincipalName: 'emma.jansen@example.org', displayName: 'Emma Jansen', givenName: null, surname: null, mail: 'emma.jansen@example.org', otherMails: [] });
    expect(user.groups.map((g) => g.name)).toEqual(['Sales', 'Staff']);
    expect(user.password).toMatchObject({ synced: true, scheme: 'SSHA', resultCode: 'OK' });
    expect(user.password.lastSuccessAt).toBe(batchAt.toISOString());
    expect(user.syncErrors.map((e) => e.code)).toEqual(['OBJECT_VALUE_INVALID']);
    const events = Object.fromEntries(user.history.map((e) => [e.event, e]));
    expect(events['first_synced']?.run).toMatchObject({ kind: 'directory', mode: 'full' });
    expect(events['password_synced']?.run).toMatchObject({ kind: 'password', mode: 'delta' });
    expect(events['password_source_changed']?.at).toBe(new Date(batchAt.getTime() - 60_000).toISOString());
    expect(events['error_first_seen']?.code).toBe('OBJECT_VALUE_INVALID');
    // Newest first.
    expect(user.history.map((e) => e.at)).toEqual([...user.history.map((e) => e.at)].sort().reverse());
    expect(response.body).not.toMatch(/verifier"|"hash|"salt|kdf/i);
  });

  it('answers 404 USER_NOT_FOUND for an unknown id, and refuses an anonymous caller', async () => {
    const unknown = await h.admin(session, 'GET', path('users', 'uid=nobody,dc=example,dc=org'));
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'USER_NOT_FOUND' } });
    expect((await h.inject({ method: 'GET', url: path('users', EMMA) })).statusCode).toBe(401);
    // A group's anchor is not a user.
    expect((await h.admin(session, 'GET', path('users', 'g-staff'))).statusCode).toBe(404);
  });

  it('shows one group with the groups it is in and its members paged, nested groups and members not synced included', async () => {
    const detail = await h.admin(reader, 'GET', path('groups', 'g-sales'));
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({ anchor: 'g-sales', name: 'Sales', mail: 'sales@example.org', memberCount: 1, memberOf: [{ anchor: 'g-staff', name: 'Staff' }] } satisfies Partial<GroupDetail>);
    const staff = (await h.admin(reader, 'GET', path('groups', 'g-staff'))).json() as GroupDetail;
    expect(staff.memberCount).toBe(33);
    expect(staff.memberOf).toEqual([]);

    const first = (await h.admin(reader, 'GET', path('groups', 'g-staff', '/members?page=1&pageSize=25'))).json() as Page<GroupMemberView>;
    const second = (await h.admin(reader, 'GET', path('groups', 'g-staff', '/members?page=2&pageSize=25'))).json() as Page<GroupMemberView>;
    expect(first.total).toBe(33);
    expect(first.items).toHaveLength(25);
    expect(second.items).toHaveLength(8);
    const all = [...first.items, ...second.items];
    expect(new Set(all.map((m) => m.anchor)).size).toBe(33);
    expect(all.find((m) => m.anchor === 'g-sales')).toEqual({ anchor: 'g-sales', kind: 'group', name: 'Sales', userPrincipalName: null, dn: 'cn=sales,ou=groups,dc=example,dc=org', enabled: null });
    expect(all.find((m) => m.anchor === EMMA)).toMatchObject({ kind: 'user', name: 'Emma Jansen', userPrincipalName: 'emma.jansen@example.org', enabled: true });
    expect(all.find((m) => m.anchor === 'not-synced-anchor')).toMatchObject({ kind: 'unknown', name: null });

    for (const url of [path('groups', 'g-nothing'), path('groups', 'g-nothing', '/members'), path('groups', EMMA)]) {
      const response = await h.admin(reader, 'GET', url);
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ error: { code: 'GROUP_NOT_FOUND' } });
    }
  });

  it('lists every run newest first with kind, mode, duration, counts and error, paged', async () => {
    const history = (await h.admin(reader, 'GET', '/api/v1/sync-runs?page=1&pageSize=2')).json() as SyncHistory;
    expect(history.total).toBe(3);
    expect(history.items.map((r) => [r.kind, r.mode, r.outcome])).toEqual([['password', 'delta', 'success'], ['directory', 'full', 'partial']]);
    expect(history.items[0]).toMatchObject({ durationMs: 2500, counts: { added: 0, updated: 0, deleted: 0, derived: 1, errors: 0 } });
    expect(history.items[1]).toMatchObject({ durationMs: 2000, counts: { added: 33, updated: 0, deleted: 0, derived: 0, errors: 1 } });
    const older = (await h.admin(reader, 'GET', '/api/v1/sync-runs?page=2&pageSize=2')).json() as SyncHistory;
    expect(older.items).toEqual([expect.objectContaining({ kind: 'directory', outcome: 'failed', durationMs: 65_000, errorCode: 'DIR_UNREACHABLE' })]);
    expect((await h.admin(reader, 'GET', '/api/v1/sync-runs?pageSize=0')).statusCode).toBe(400);
  });

  it('shows the runs in progress from the heartbeats of live agents, and drops them when they end or the agent goes silent', async () => {
    const startedAt = h.clock.now().toISOString();
    const directoryProgress = { mode: 'full', startedAt, phase: 'reading', read: 1200, expected: 5000, exported: 1100, errors: 2, etaSeconds: 40 };
    const passwordProgress = { mode: 'full', startedAt, processed: 300, total: 1000, derived: 290, etaSeconds: 120 };
    const beat = (extra: object) => h.agent(agent.credential, 'POST', '/api/v1/agent/heartbeat', { host: 'dc1.example.org', version: '0.1.0', ...extra });
    expect((await beat({ directoryProgress, passwordProgress })).statusCode).toBe(200);
    let history = (await h.admin(reader, 'GET', '/api/v1/sync-runs')).json() as SyncHistory;
    expect(history.running).toEqual([{ agentId: agent.agentId, host: 'dc1.example.org', directory: directoryProgress, password: passwordProgress }]);

    // Silent longer than the agent-silent period: its last progress is not a run in progress.
    h.clock.advance(60 * 60_000);
    reader = await h.signIn('reader', 'reader-password-1'); // the session idled out meanwhile
    history = (await h.admin(reader, 'GET', '/api/v1/sync-runs')).json() as SyncHistory;
    expect(history.running).toEqual([]);

    expect((await beat({ directoryProgress: null })).statusCode).toBe(200);
    history = (await h.admin(reader, 'GET', '/api/v1/sync-runs')).json() as SyncHistory;
    expect(history.running).toEqual([{ agentId: agent.agentId, host: 'dc1.example.org', directory: null, password: passwordProgress }]);
    expect((await beat({ passwordProgress: null })).statusCode).toBe(200);
    expect(((await h.admin(reader, 'GET', '/api/v1/sync-runs')).json() as SyncHistory).running).toEqual([]);
  });
});

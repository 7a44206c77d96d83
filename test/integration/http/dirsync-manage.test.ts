/**
 * DirSync management routes (issue 15) on SQLite and PostgreSQL: "Sync now" reaches the agent
 * through its heartbeat and goes requested → running → done; the deletes a blocked cycle held back
 * are listed by name; a settings change is audited with old → new; an agent that signs off is
 * offline at once and one that misses its heartbeats soon after; registration tokens carry their
 * creation time. The agent's side of these runs against a real agent process in
 * test/integration/agent-process.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentSettings, AgentView, RegistrationTokenView } from '../../../src/tenant/api/contract.js';
import type { PendingDeletesView, SyncNowView } from '../../../src/tenant/api/dirsync-manage-contract.js';
import { runReport, startHarness, userChange, type Dialect, type Harness } from './harness.js';

const schedule = (heartbeatMs: number) => ({
  heartbeatMs, deltaMs: 1_800_000, fullMs: 21_600_000, passwordMs: 120_000, passwordReconcileMs: 86_400_000,
  nextDeltaAt: new Date(Date.now() + 60_000).toISOString(), nextFullAt: null, nextPasswordAt: null, nextPasswordReconcileAt: null,
});

describe.each<Dialect>(['sqlite', 'postgres'])('DirSync management on %s', (dialect) => {
  let h: Harness;
  let credential: string;
  let agentId: string;
  const heartbeat = (extra: Record<string, unknown> = {}) => h.agent(credential, 'POST', '/api/v1/agent/heartbeat', { host: 'dc1.example.org', version: '0.1.0', ...extra });
  const audit = async () => ((await h.admin(await h.rootSession(), 'GET', '/api/v1/audit-log?pageSize=200')).json() as { items: Array<{ action: string; actor: string; details: Record<string, unknown> }> }).items;

  beforeAll(async () => {
    h = await startHarness(dialect);
    ({ credential, agentId } = await h.registerAgent('dc1.example.org'));
  });
  afterAll(async () => { await h?.close(); });

  it('Sync now: requested until the agent\'s heartbeat hands it over, running, then done with the run; audited; a reader may only look', async () => {
    const session = await h.rootSession();
    expect((await h.admin(session, 'GET', '/api/v1/dirsync/sync-now')).json()).toMatchObject({ status: 'none' });
    await h.createAdmin('reader', 'global_reader', 'reader-password-1');
    const reader = await h.signIn('reader', 'reader-password-1');
    expect((await h.admin(reader, 'POST', '/api/v1/dirsync/sync-now', { mode: 'full' })).statusCode).toBe(403);
    expect((await h.admin(session, 'POST', '/api/v1/dirsync/sync-now', { mode: 'sideways' })).json().error.code).toBe('REQUEST_INVALID');

    const requested = await h.admin(session, 'POST', '/api/v1/dirsync/sync-now', { mode: 'full' });
    expect(requested.statusCode).toBe(202);
    const view = requested.json() as SyncNowView;
    expect(view).toMatchObject({ status: 'requested', mode: 'full', requestedBy: 'root', startedAt: null });
    expect((await h.admin(reader, 'GET', '/api/v1/dirsync/sync-now')).json()).toMatchObject({ status: 'requested' });

    const settings = (await heartbeat()).json() as AgentSettings;
    expect(settings.syncRequest).toEqual({ requestedAt: view.requestedAt, mode: 'full' });
    expect((await h.agent(credential, 'POST', '/api/v1/agent/sync-request', { state: 'running', requestedAt: view.requestedAt })).json()).toEqual({ recorded: true });
    expect((await h.admin(session, 'GET', '/api/v1/dirsync/sync-now')).json()).toMatchObject({ status: 'running', agentHost: 'dc1.example.org' });

    const run = runReport('directory', 'success', h.clock.now());
    expect((await h.agent(credential, 'POST', '/api/v1/agent/runs', run)).statusCode).toBe(200);
    expect((await h.agent(credential, 'POST', '/api/v1/agent/sync-request', { state: 'done', requestedAt: view.requestedAt, runId: run.runId, outcome: 'success' })).json()).toEqual({ recorded: true });
    const done = (await h.admin(session, 'GET', '/api/v1/dirsync/sync-now')).json() as SyncNowView;
    expect(done).toMatchObject({ status: 'done', outcome: 'success', mode: 'full' });
    // Done: no longer handed to the agent, and a late report of an old request changes nothing.
    expect(((await heartbeat()).json() as AgentSettings).syncRequest).toBeNull();
    expect((await h.agent(credential, 'POST', '/api/v1/agent/sync-request', { state: 'running', requestedAt: view.requestedAt })).json()).toEqual({ recorded: false });
    expect((await audit()).find((e) => e.action === 'sync.requested')).toMatchObject({ actor: 'root', details: { mode: 'full' } });
  });

  it('refuses Sync now while directory sync is switched off, saying what to do', async () => {
    const session = await h.rootSession();
    await h.admin(session, 'PATCH', '/api/v1/dirsync/settings', { directorySyncEnabled: false });
    const refused = await h.admin(session, 'POST', '/api/v1/dirsync/sync-now', { mode: 'delta' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'SYNC_NOW_UNAVAILABLE', hint: expect.stringContaining('Switch directory sync on') });
    await h.admin(session, 'PATCH', '/api/v1/dirsync/settings', { directorySyncEnabled: true });
  });

  it('lists the deletes a blocked cycle held back by name (display name, UPN, DN, kind); a cycle that ran through empties the list', async () => {
    const session = await h.rootSession();
    const users = [userChange('a-1', 'ann@example.org', { displayName: 'Ann Archer' }), userChange('a-2', 'bob@example.org', { displayName: 'Bob Baker' })];
    const group = { op: 'upsert' as const, object: { kind: 'group' as const, anchor: 'g-1', dn: 'cn=staff,ou=groups,dc=example,dc=org', name: 'staff', description: null, mail: null, memberAnchors: ['a-1'] } };
    expect((await h.agent(credential, 'POST', '/api/v1/agent/batches/objects', { batchId: `batch-${dialect}-held`, changes: [...users, group] })).statusCode).toBe(200);
    const held = [
      { kind: 'user', anchor: 'a-2', dn: 'uid=bob,ou=people,dc=example,dc=org' },
      { kind: 'group', anchor: 'g-1', dn: 'cn=staff,ou=groups,dc=example,dc=org' },
      { kind: 'user', anchor: 'a-1', dn: 'uid=ann,ou=people,dc=example,dc=org' },
    ];
    h.clock.advance(1000); // after the run of the test before
    const blocked = runReport('directory', 'blocked', h.clock.now(), { pendingDeletes: 3, errorCode: 'DELETE_THRESHOLD_EXCEEDED', heldDeletes: held as never });
    expect((await h.agent(credential, 'POST', '/api/v1/agent/runs', blocked)).statusCode).toBe(200);
    const list = (await h.admin(session, 'GET', '/api/v1/dirsync/pending-deletes')).json() as PendingDeletesView;
    expect(list.total).toBe(3);
    expect(list.items).toEqual([
      { anchor: 'g-1', kind: 'group', dn: 'cn=staff,ou=groups,dc=example,dc=org', displayName: 'staff', userPrincipalName: null },
      { anchor: 'a-1', kind: 'user', dn: 'uid=ann,ou=people,dc=example,dc=org', displayName: 'Ann Archer', userPrincipalName: 'ann@example.org' },
      { anchor: 'a-2', kind: 'user', dn: 'uid=bob,ou=people,dc=example,dc=org', displayName: 'Bob Baker', userPrincipalName: 'bob@example.org' },
    ]);
    expect((await h.admin(session, 'POST', '/api/v1/dirsync/allow-deletes')).json()).toEqual({ allowedDeletes: 3 });
    h.clock.advance(1000);
    expect((await h.agent(credential, 'POST', '/api/v1/agent/runs', runReport('directory', 'success', h.clock.now()))).statusCode).toBe(200);
    expect((await h.admin(session, 'GET', '/api/v1/dirsync/pending-deletes')).json()).toEqual({ total: 0, items: [] });
  });

  it('audits a settings change with old → new values and refuses an invalid one naming the field', async () => {
    const session = await h.rootSession();
    const changed = await h.admin(session, 'PATCH', '/api/v1/dirsync/settings', { deleteThreshold: 42, deleteThresholdPercent: 10, staleAfterHours: 48 });
    expect(changed.statusCode).toBe(200);
    const entry = (await audit()).find((e) => e.action === 'settings.changed' && 'deleteThreshold' in (e.details['after'] as object));
    expect(entry?.details).toEqual({ before: { deleteThreshold: 500, deleteThresholdPercent: 50, staleAfterHours: 72 }, after: { deleteThreshold: 42, deleteThresholdPercent: 10, staleAfterHours: 48 } });
    const bad = await h.admin(session, 'PATCH', '/api/v1/dirsync/settings', { deleteThresholdPercent: 101 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.fields).toEqual(['deleteThresholdPercent']);
  });

  it('shows an agent that signed off as offline at once, back when it heartbeats, and one that misses three heartbeats as offline', async () => {
    const session = await h.rootSession();
    // The tenant records heartbeats at its clock; the state is judged by the wall clock.
    h.clock.set(new Date());
    const stateOf = async () => ((await h.admin(session, 'GET', '/api/v1/agents')).json() as AgentView[]).find((a) => a.id === agentId)!;
    expect((await heartbeat({ schedule: schedule(1000) })).statusCode).toBe(200);
    expect(await stateOf()).toMatchObject({ state: 'active', schedule: { heartbeatMs: 1000, deltaMs: 1_800_000 } });
    expect((await h.agent(credential, 'POST', '/api/v1/agent/sign-off')).statusCode).toBe(204);
    expect(await stateOf()).toMatchObject({ state: 'offline', active: false, signedOffAt: expect.any(String) });
    expect((await audit()).some((e) => e.action === 'agent.signed_off')).toBe(true);
    expect((await heartbeat({ schedule: schedule(1000) })).statusCode).toBe(200);
    expect(await stateOf()).toMatchObject({ state: 'active', signedOffAt: null });
    // The heartbeat is recorded at the tenant's clock; ten seconds (the floor over 3 × 1 s) in the past is offline.
    h.clock.set(new Date(Date.now() - 11_000));
    expect((await heartbeat({ schedule: schedule(1000) })).statusCode).toBe(200);
    h.clock.set(new Date());
    expect((await stateOf()).state).toBe('offline');
  });

  it('a request whose agent went offline or lost the lease to another agent shows as interrupted, is not handed to the other agent, and its own agent closes it after a restart', async () => {
    const session = await h.rootSession();
    const a = await h.registerAgent('crash-a.example.org');
    const b = await h.registerAgent('crash-b.example.org');
    const hosts = new Map([[a.credential, 'crash-a.example.org'], [b.credential, 'crash-b.example.org']]);
    const beat = (cred: string, heartbeatMs: number) => h.agent(cred, 'POST', '/api/v1/agent/heartbeat', { host: hosts.get(cred), version: '0.1.0', schedule: schedule(heartbeatMs) });
    const view = async () => (await h.admin(session, 'GET', '/api/v1/dirsync/sync-now')).json() as SyncNowView;
    // Frees the lease the agent of the earlier tests holds, so the agents below can take it.
    expect((await h.agent(credential, 'POST', '/api/v1/agent/sign-off')).statusCode).toBe(204);

    // A takes a request 70 s ago and goes silent: its lease (60 s) ran out, but at one heartbeat a minute it is not offline yet.
    const first = ((await h.admin(session, 'POST', '/api/v1/dirsync/sync-now', { mode: 'full' })).json() as SyncNowView);
    h.clock.set(new Date(Date.now() - 70_000));
    expect(((await beat(a.credential, 60_000)).json() as AgentSettings).syncRequest).toEqual({ requestedAt: first.requestedAt, mode: 'full' });
    expect((await h.agent(a.credential, 'POST', '/api/v1/agent/sync-request', { state: 'running', requestedAt: first.requestedAt })).json()).toEqual({ recorded: true });
    h.clock.set(new Date());
    expect(await view()).toMatchObject({ status: 'running', interruption: null });
    // B becomes the active agent: A's request is interrupted, B is not handed it, and cannot take it over.
    expect(((await beat(b.credential, 60_000)).json() as AgentSettings)).toMatchObject({ active: true, syncRequest: null });
    expect(await view()).toMatchObject({ status: 'interrupted', interruption: 'LEASE_TAKEN_OVER', agentHost: 'crash-a.example.org' });
    expect((await h.agent(b.credential, 'POST', '/api/v1/agent/sync-request', { state: 'running', requestedAt: first.requestedAt })).json()).toEqual({ recorded: false });

    // A new request taken by B, which then misses three heartbeats (killed): interrupted, agent offline.
    const second = ((await h.admin(session, 'POST', '/api/v1/dirsync/sync-now', { mode: 'delta' })).json() as SyncNowView);
    h.clock.set(new Date(Date.now() - 11_000));
    expect(((await beat(b.credential, 1000)).json() as AgentSettings).syncRequest).toEqual({ requestedAt: second.requestedAt, mode: 'delta' });
    expect((await h.agent(b.credential, 'POST', '/api/v1/agent/sync-request', { state: 'running', requestedAt: second.requestedAt })).json()).toEqual({ recorded: true });
    h.clock.set(new Date());
    expect(await view()).toMatchObject({ status: 'interrupted', interruption: 'AGENT_OFFLINE', agentHost: 'crash-b.example.org', finishedAt: null });
    // A is alive and no longer handed it either.
    expect(((await beat(a.credential, 60_000)).json() as AgentSettings).syncRequest).toBeNull();

    // B restarts: it is handed its own unfinished request again and closes it as interrupted.
    expect(((await beat(b.credential, 1000)).json() as AgentSettings).syncRequest).toEqual({ requestedAt: second.requestedAt, mode: 'delta' });
    expect(await view()).toMatchObject({ status: 'running' });
    expect((await h.agent(b.credential, 'POST', '/api/v1/agent/sync-request', { state: 'done', requestedAt: second.requestedAt, runId: null, outcome: 'interrupted' })).json()).toEqual({ recorded: true });
    expect(await view()).toMatchObject({ status: 'interrupted', interruption: 'AGENT_RESTARTED', outcome: 'interrupted', finishedAt: expect.any(String) });
    expect(((await beat(b.credential, 1000)).json() as AgentSettings).syncRequest).toBeNull();
  });

  it('lists registration tokens with when they were created, expire and were used', async () => {
    const session = await h.rootSession();
    const created = (await h.admin(session, 'POST', '/api/v1/registration-tokens')).json() as { id: string };
    const token = ((await h.admin(session, 'GET', '/api/v1/registration-tokens')).json() as RegistrationTokenView[]).find((t) => t.id === created.id)!;
    expect(token).toMatchObject({ createdBy: 'root', createdAt: h.clock.now().toISOString(), usedAt: null, revokedAt: null });
  });
});

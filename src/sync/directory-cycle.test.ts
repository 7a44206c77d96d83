import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../shared/errors.js';
import type { DirectoryEntry } from '../directory/entry.js';
import { runDirectoryCycle, type DirectoryCycleOptions } from './directory-cycle.js';
import { MemoryDirectory, MemoryExportState, MemoryTenant } from './fakes.js';
import type { SyncedGroup, SyncedUser } from './model.js';

const person = (uid: string, extra: Record<string, string[]> = {}): DirectoryEntry => ({
  dn: `uid=${uid},ou=People,dc=example,dc=org`,
  attributes: { objectclass: ['inetOrgPerson'], entryuuid: [`u-${uid}`], uid: [uid], cn: [uid], sn: ['S'], mail: [`${uid}@example.org`], ...extra },
});
const group = (cn: string, members: string[], extra: Record<string, string[]> = {}): DirectoryEntry => ({
  dn: `cn=${cn},ou=Groups,dc=example,dc=org`,
  attributes: { objectclass: ['groupOfNames'], entryuuid: [`g-${cn}`], cn: [cn], member: members, ...extra },
});

describe('runDirectoryCycle', () => {
  let directory: MemoryDirectory;
  let state: MemoryExportState;
  let tenant: MemoryTenant;
  const options: DirectoryCycleOptions = { mode: 'delta', mapping: { flavor: 'openldap' }, deleteThreshold: 500, allowedDeletes: 0 };

  beforeEach(() => {
    directory = new MemoryDirectory();
    state = new MemoryExportState();
    tenant = new MemoryTenant();
  });

  it('runs a full cycle first, then deltas that send only what changed', async () => {
    for (const uid of ['ann', 'bob', 'cas']) directory.put(person(uid));
    directory.put(group('staff', ['uid=ann,ou=People,dc=example,dc=org', 'UID=bob, ou=people,dc=example,dc=org']));
    const first = await runDirectoryCycle(directory, state, tenant, options);
    expect(first.mode).toBe('full');
    expect(first.counts).toMatchObject({ read: 4, added: 4, updated: 0, deleted: 0 });
    expect(tenant.objects.get('g-staff')).toMatchObject({ memberAnchors: ['u-ann', 'u-bob'] });

    directory.put(person('bob', { cn: ['Bob Renamed'] }));
    tenant.batches.length = 0;
    const second = await runDirectoryCycle(directory, state, tenant, options);
    expect(second.mode).toBe('delta');
    expect(second.counts).toMatchObject({ read: 1, updated: 1, added: 0, deleted: 0 });
    expect(tenant.batches.flat().map((c) => (c.op === 'upsert' ? c.object.anchor : c.anchor))).toEqual(['u-bob']);
    expect(directory.reads.all).toBe(1);
  });

  it('keeps the anchor when an entry is renamed or moved, and resolves members through the export record', async () => {
    directory.put(person('ann'));
    directory.put(group('staff', ['uid=ann,ou=People,dc=example,dc=org']));
    await runDirectoryCycle(directory, state, tenant, options);
    directory.put({ ...person('ann'), dn: 'uid=ann,ou=Former,dc=example,dc=org' });
    const moved = await runDirectoryCycle(directory, state, tenant, options);
    expect(moved.counts).toMatchObject({ updated: 1, added: 0, deleted: 0 });
    expect(tenant.objects.get('u-ann')?.dn).toBe('uid=ann,ou=Former,dc=example,dc=org');
    // Only the group changes now: its member DN resolves through what was exported before.
    directory.put(group('staff', ['uid=ann,ou=Former,dc=example,dc=org'], { description: ['Everyone'] }));
    const regrouped = await runDirectoryCycle(directory, state, tenant, options);
    expect(regrouped.counts).toMatchObject({ read: 1, updated: 1 });
    expect(tenant.objects.get('g-staff')).toMatchObject({ memberAnchors: ['u-ann'], description: 'Everyone' });
  });

  it.each([
    ['compare', 1],
    ['anchors', 0],
    ['present', 0],
  ] as const)('detects deletes in a delta when the source reports departures as %s', async (mode, anchorListings) => {
    directory.departureMode = mode;
    for (const uid of ['ann', 'bob', 'cas']) directory.put(person(uid));
    await runDirectoryCycle(directory, state, tenant, options);
    directory.remove('u-bob');
    // cas leaves and comes back within the same delta: read in this cycle, so it stays.
    directory.remove('u-cas');
    directory.put(person('cas', { cn: ['Cas Back'] }));
    const result = await runDirectoryCycle(directory, state, tenant, options);
    expect(result.counts).toMatchObject({ deleted: 1, updated: 1 });
    expect([...tenant.objects.keys()].sort()).toEqual(['u-ann', 'u-cas']);
    expect(state.get('u-bob')).toBeUndefined();
    // Only a source that cannot name its departures makes the engine list every anchor.
    expect(directory.reads.anchors).toBe(anchorListings);
  });

  it('holds deletes back above the threshold until an admin allows them', async () => {
    for (const uid of ['a', 'b', 'c', 'd']) directory.put(person(uid));
    await runDirectoryCycle(directory, state, tenant, options);
    for (const uid of ['a', 'b', 'c']) directory.remove(`u-${uid}`);
    const blocked = await runDirectoryCycle(directory, state, tenant, { ...options, deleteThreshold: 2 });
    expect(blocked.outcome).toBe('blocked');
    expect(blocked.failure?.code).toBe('DELETE_THRESHOLD_EXCEEDED');
    expect(blocked.pendingDeletes).toBe(3);
    expect(tenant.objects.size).toBe(4);
    const allowed = await runDirectoryCycle(directory, state, tenant, { ...options, deleteThreshold: 2, allowedDeletes: 3 });
    expect(allowed.outcome).toBe('success');
    expect(tenant.objects.size).toBe(1);
  });

  it.each(['full', 'delta'] as const)('stops a %s read that lost nearly all of a 400-user tenant by the relative threshold, below the absolute one', async (mode) => {
    for (let i = 0; i < 400; i++) directory.put(person(`p${i}`));
    directory.put(person('stays'));
    await runDirectoryCycle(directory, state, tenant, { ...options, mode: 'full' });
    for (let i = 0; i < 400; i++) directory.remove(`u-p${i}`);
    const blocked = await runDirectoryCycle(directory, state, tenant, { ...options, mode, deleteThreshold: 500, deleteThresholdPercent: 50 });
    expect(blocked.outcome).toBe('blocked');
    expect(blocked.counts.synced).toBe(401);
    expect(blocked.failure?.message).toMatch(/400 of 401 synced objects \(99 %\), more than the threshold of 50 %/);
    expect(tenant.objects.size).toBe(401);
    // A share below the limit goes through.
    for (let i = 0; i < 400; i++) directory.put(person(`p${i}`));
    for (let i = 0; i < 100; i++) directory.remove(`u-p${i}`);
    const some = await runDirectoryCycle(directory, state, tenant, { ...options, mode, deleteThreshold: 500, deleteThresholdPercent: 50 });
    expect(some.outcome).toBe('success');
    expect(tenant.objects.size).toBe(301);
  });

  it.each(['full', 'delta'] as const)('holds every delete of an empty %s read, whatever the thresholds, until an admin allows them', async (mode) => {
    for (let i = 0; i < 31; i++) directory.put(person(`p${i}`));
    await runDirectoryCycle(directory, state, tenant, { ...options, mode: 'full' });
    for (let i = 0; i < 31; i++) directory.remove(`u-p${i}`);
    // Thresholds that would let 31 deletes through: the empty read alone holds them.
    const held = await runDirectoryCycle(directory, state, tenant, { ...options, mode, deleteThreshold: 500, deleteThresholdPercent: 0 });
    expect(held.outcome).toBe('blocked');
    expect(held.failure?.code).toBe('SOURCE_READ_EMPTY');
    expect(held.pendingDeletes).toBe(31);
    expect(held.failure?.message).toMatch(/no objects in scope .* delete all 31 synced objects; no deletes were exported/);
    expect(tenant.objects.size).toBe(31);
    // The same path as the thresholds: allowed once, they go.
    const allowed = await runDirectoryCycle(directory, state, tenant, { ...options, mode, deleteThreshold: 500, deleteThresholdPercent: 0, allowedDeletes: 31 });
    expect(allowed.outcome).toBe('success');
    expect(tenant.objects.size).toBe(0);
  });

  it('does not take a read with objects in error for an empty one', async () => {
    directory.put(person('ann'));
    await runDirectoryCycle(directory, state, tenant, { ...options, mode: 'full' });
    directory.remove('u-ann');
    directory.put({ dn: 'cn=nobody,ou=People,dc=example,dc=org', attributes: { objectclass: ['inetOrgPerson'], entryuuid: ['u-nobody'], cn: ['nobody'], sn: ['N'] } });
    const result = await runDirectoryCycle(directory, state, tenant, { ...options, mode: 'full', deleteThresholdPercent: 0 });
    expect(result.failure).toBeNull();
    expect(tenant.objects.has('u-ann')).toBe(false);
  });

  it('turns a bad object into a per-object error, goes on with the rest, and retries it', async () => {
    directory.put(person('ann'));
    directory.put({ dn: 'cn=nobody,ou=People,dc=example,dc=org', attributes: { objectclass: ['inetOrgPerson'], entryuuid: ['u-nobody'], cn: ['nobody'], sn: ['N'] } });
    directory.put(person('dup'));
    tenant.reject.add('u-dup');
    const result = await runDirectoryCycle(directory, state, tenant, { ...options, mode: 'full' });
    expect(result.outcome).toBe('partial');
    // The agent's own finding goes with the run report; the tenant's refusal the tenant recorded itself.
    expect(result.errors.map((e) => [e.anchor, e.code])).toEqual([['u-nobody', 'OBJECT_REQUIRED_ATTRIBUTE_MISSING']]);
    expect(result.rejected.map((e) => [e.anchor, e.code])).toEqual([['u-dup', 'OBJECT_DUPLICATE_UPN']]);
    expect(result.counts.errors).toBe(2);
    expect(tenant.objects.has('u-ann')).toBe(true);
    // The rejected object was not recorded as exported, so the next full cycle sends it again.
    tenant.reject.clear();
    const retry = await runDirectoryCycle(directory, state, tenant, { ...options, mode: 'full' });
    expect(retry.counts.added).toBe(1);
    expect(tenant.objects.has('u-dup')).toBe(true);
  });

  it('exports nothing and records nothing in a dry run', async () => {
    directory.put(person('ann'));
    const result = await runDirectoryCycle(directory, state, tenant, { ...options, dryRun: true });
    expect(result.plan?.adds.map((a) => a.record.dn)).toEqual(['uid=ann,ou=People,dc=example,dc=org']);
    expect(tenant.batches).toHaveLength(0);
    expect(state.count()).toBe(0);
  });

  it('resolves members in a dry run, where nothing is recorded, from the objects of the cycle itself', async () => {
    directory.put(person('ann'));
    directory.put(group('staff', ['uid=ann,ou=People,dc=example,dc=org']));
    const result = await runDirectoryCycle(directory, state, tenant, { ...options, dryRun: true });
    expect(result.plan?.adds.find((a) => a.record.kind === 'group')?.change.object).toMatchObject({ memberAnchors: ['u-ann'] });
  });

  it('keeps a user the tenant refused among its groups, so the membership holds once the user is fixed', async () => {
    directory.put(person('ann'));
    directory.put(person('dup'));
    directory.put(group('staff', ['uid=ann,ou=People,dc=example,dc=org', 'uid=dup,ou=People,dc=example,dc=org']));
    tenant.reject.add('u-dup');
    await runDirectoryCycle(directory, state, tenant, { ...options, mode: 'full' });
    expect(tenant.objects.get('g-staff')).toMatchObject({ memberAnchors: ['u-ann', 'u-dup'] });
  });

  it('exports page after page while reading; a failed export fails the cycle and leaves nothing running', async () => {
    for (const uid of ['a', 'b', 'c', 'd', 'e']) directory.put(person(uid));
    directory.pageSize = 1;
    tenant.failPush = { at: 2, error: new AppError('TENANT_UNREACHABLE', { message: 'tenant gone' }) };
    const failed = await runDirectoryCycle(directory, state, tenant, { ...options, mode: 'full' });
    expect(failed).toMatchObject({ outcome: 'failed', failure: { code: 'TENANT_UNREACHABLE' } });
    // Two exports are in flight at a time: page 3 went out while page 2 was on its way. Page 2
    // failed, and once that surfaced no later page was sent; the cycle waited for page 3 before
    // it returned (nothing keeps running), and only what the tenant acknowledged is recorded.
    expect(tenant.batches.map((b) => b.map((c) => (c.op === 'upsert' ? c.object.anchor : c.anchor)))).toEqual([['u-a'], ['u-c']]);
    expect(state.count()).toBe(2);
    await new Promise((r) => setTimeout(r, 20));
    expect(state.count()).toBe(2);
    expect(tenant.batches).toHaveLength(2);
    expect(state.getCursor('directory')).toBeNull();
    const next = await runDirectoryCycle(directory, state, tenant, { ...options, mode: 'full' });
    expect(next.outcome).toBe('success');
    expect(tenant.objects.size).toBe(5);
    // The next cycle sends what was not acknowledged: b, d, e (a and c are unchanged).
    expect(tenant.batches).toHaveLength(5);
  });

  it('fails cleanly when the directory drops mid-cycle, and the next cycle completes', async () => {
    directory.put(person('ann'));
    directory.failNextRead = new AppError('DIR_UNREACHABLE', { message: 'connection lost' });
    const failed = await runDirectoryCycle(directory, state, tenant, options);
    expect(failed.outcome).toBe('failed');
    expect(failed.failure?.code).toBe('DIR_UNREACHABLE');
    expect(state.getCursor('directory')).toBeNull();
    const next = await runDirectoryCycle(directory, state, tenant, options);
    expect(next.outcome).toBe('success');
    expect(tenant.objects.has('u-ann')).toBe(true);
  });

  it('resolves posixGroup memberUid and keeps nested groups as members', async () => {
    directory.put(person('ann'));
    directory.put({ dn: 'cn=devs,ou=Groups,dc=example,dc=org', attributes: { objectclass: ['posixGroup'], entryuuid: ['g-devs'], cn: ['devs'], memberuid: ['ann', 'ghost'] } });
    directory.put(group('all', ['cn=devs,ou=Groups,dc=example,dc=org']));
    await runDirectoryCycle(directory, state, tenant, options);
    expect(tenant.objects.get('g-devs')).toMatchObject({ memberAnchors: ['u-ann'] });
    expect(tenant.objects.get('g-all')).toMatchObject({ memberAnchors: ['g-devs'] });
  });
});

describe('runDirectoryCycle: batches, failures and reconciliation', () => {
  const options: DirectoryCycleOptions = { mode: 'full', mapping: { flavor: 'openldap' }, deleteThreshold: 500, allowedDeletes: 0 };
  const member = (i: number) => `uid=m${i},ou=People,dc=example,dc=org`;

  it('sizes batches by bytes below the tenant body limit, and splits a batch the tenant refuses as too large', async () => {
    const directory = new MemoryDirectory();
    const state = new MemoryExportState();
    const tenant = new MemoryTenant();
    // 40 groups of 300 members (about 12 KB each): by count alone one batch of 480 KB.
    for (let i = 0; i < 300; i++) directory.put(person(`m${i}`));
    for (let g = 0; g < 40; g++) directory.put(group(`big${g}`, Array.from({ length: 300 }, (_, i) => member(i))));
    tenant.maxBodyBytes = 100_000;
    // The agent's own byte limit already keeps batches under 64 KB...
    const sized = await runDirectoryCycle(directory, state, tenant, { ...options, batchBytes: 64_000 });
    expect(sized.outcome).toBe('success');
    expect(tenant.objects.size).toBe(340);
    // ...and with a byte limit above the tenant's, a refused batch is split in halves and sent again.
    const again = new MemoryTenant();
    again.maxBodyBytes = 100_000;
    const split = await runDirectoryCycle(directory, new MemoryExportState(), again, { ...options, batchBytes: 10_000_000 });
    expect(split.outcome).toBe('success');
    expect(again.objects.size).toBe(340);
    expect([...again.objects.values()].filter((o) => o.kind === 'group').every((g) => g.kind === 'group' && g.memberAnchors.length === 300)).toBe(true);
  });

  it('makes one object too large for any request a sync error of its own; the rest is exported', async () => {
    const directory = new MemoryDirectory();
    const tenant = new MemoryTenant();
    for (let i = 0; i < 200; i++) directory.put(person(`m${i}`));
    directory.put(group('huge', Array.from({ length: 200 }, (_, i) => member(i))));
    directory.put(group('small', [member(0)]));
    tenant.maxBodyBytes = 1_500;
    const result = await runDirectoryCycle(directory, new MemoryExportState(), tenant, options);
    expect(result.outcome).toBe('partial');
    expect(result.rejected.map((e) => [e.anchor, e.code])).toEqual([['g-huge', 'REQUEST_TOO_LARGE']]);
    expect(tenant.objects.has('g-small')).toBe(true);
    expect(tenant.objects.has('g-huge')).toBe(false);
  });

  it('returns from a failed cycle only once every export it started has finished', async () => {
    const directory = new MemoryDirectory();
    const tenant = new MemoryTenant();
    for (let i = 0; i < 6; i++) directory.put(person(`m${i}`));
    directory.pageSize = 1;
    let committing = 0;
    let committed = 0;
    // Batch 1 fails after a while; batch 2 is slow but succeeds; the read fails at page 3.
    tenant.beforePush = async (n) => {
      committing++;
      await new Promise((r) => setTimeout(r, n === 1 ? 20 : 150));
      committing--;
      if (n === 1) throw new AppError('TENANT_UNREACHABLE');
      committed++;
    };
    const reads = directory.readAll.bind(directory);
    directory.readAll = async function* () {
      let page = 0;
      for await (const entries of reads()) {
        if (++page === 3) { await new Promise((r) => setTimeout(r, 40)); throw new AppError('DIR_UNREACHABLE'); }
        yield entries;
      }
    };
    const result = await runDirectoryCycle(directory, new MemoryExportState(), tenant, options);
    expect(result.outcome).toBe('failed');
    expect(committing).toBe(0);
    expect(committed).toBe(1);
  });

  it('in a full cycle, sends again what the tenant lost or holds differently, and nothing else', async () => {
    const directory = new MemoryDirectory();
    const state = new MemoryExportState();
    const tenant = new MemoryTenant();
    for (const uid of ['ann', 'bob', 'cas']) directory.put(person(uid));
    directory.put(group('staff', [member(0), 'uid=ann,ou=People,dc=example,dc=org', 'uid=bob,ou=People,dc=example,dc=org']));
    await runDirectoryCycle(directory, state, tenant, options);
    tenant.objects.delete('u-bob');
    tenant.objects.set('u-cas', { ...(tenant.objects.get('u-cas') as SyncedUser), enabled: false });
    tenant.objects.set('g-staff', { ...(tenant.objects.get('g-staff') as SyncedGroup), memberAnchors: ['u-ann'] });
    tenant.batches.length = 0;
    const delta = await runDirectoryCycle(directory, state, tenant, { ...options, mode: 'delta' });
    expect(delta.counts).toMatchObject({ added: 0, updated: 0 });
    const full = await runDirectoryCycle(directory, state, tenant, options);
    expect(full.counts).toMatchObject({ added: 1, updated: 2, unchanged: 1, deleted: 0 });
    expect(tenant.batches.flat().map((c) => (c.op === 'upsert' ? c.object.anchor : c.anchor)).sort()).toEqual(['g-staff', 'u-bob', 'u-cas']);
    expect(tenant.objects.get('u-cas')).toMatchObject({ enabled: true });
    expect(tenant.objects.get('g-staff')).toMatchObject({ memberAnchors: ['u-ann', 'u-bob'] });
  });

  it('an agent without a record of its own (one that took over) sends nothing the tenant holds unchanged, and records it', async () => {
    const directory = new MemoryDirectory();
    const tenant = new MemoryTenant();
    for (const uid of ['ann', 'bob']) directory.put(person(uid));
    directory.put(group('staff', ['uid=ann,ou=People,dc=example,dc=org']));
    await runDirectoryCycle(directory, new MemoryExportState(), tenant, options);
    tenant.batches.length = 0;
    const fresh = new MemoryExportState();
    const result = await runDirectoryCycle(directory, fresh, tenant, options);
    expect(result.counts).toMatchObject({ added: 0, updated: 0, unchanged: 3 });
    expect(tenant.batches).toEqual([]);
    expect(fresh.count()).toBe(3);
    // Its users are marked for the password cycle, which reconciles them with the tenant's verifiers.
    expect(fresh.pending.size).toBe(2);
  });
});

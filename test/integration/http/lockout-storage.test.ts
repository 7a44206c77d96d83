/**
 * Issue 11, finding 9: audit and lockout storage stay bounded under attack. A burst of 1,000
 * wrong sign-ins (end user and admin, in parallel, from one address) adds a handful of rows: one
 * audit row per lock event, not per attempt, and a lockout row per counter. Expired lockout rows
 * are removed by the retention pruning (tenant.retention.lockouts). SQLite and PostgreSQL.
 */
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOCKOUT_POLICY } from '../../../src/tenant/domain/lockout.js';
import { DEFAULT_RETENTION } from '../../../src/tenant/domain/retention.js';
import { openDatabase, rowCounts } from '../store/test-stores.js';
import { passwordSet, startHarness, userChange, verifiersFor, type Dialect, type Harness } from './harness.js';

const BURST = 1000;
const DAY = 86_400_000;

describe.each<Dialect>(['sqlite', 'postgres'])('lockout and audit storage under a sign-in burst (%s)', (dialect) => {
  let h: Harness;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let db: Kysely<any>;

  beforeAll(async () => {
    h = await startHarness(dialect);
    const { credential } = await h.registerAgent();
    expect((await h.agent(credential, 'POST', '/api/v1/agent/batches/objects', { batchId: 'burst-users-1', changes: [userChange('anchor-ann', 'ann@example.org')] })).statusCode).toBe(200);
    expect((await h.agent(credential, 'POST', '/api/v1/agent/batches/passwords', { batchId: 'burst-pw-001', items: [passwordSet('anchor-ann', await verifiersFor('Ann-pw-1'))] })).json()).toMatchObject({ applied: 1 });
    await h.createAdmin('ops', 'global_admin', 'Ops-pw-1');
    db = openDatabase(h.storeOptions);
  });
  afterAll(async () => {
    await db?.destroy();
    await h?.close();
  });

  const lockoutRows = async () => Number((await db.selectFrom('lockouts').select((eb) => eb.fn.countAll().as('n')).where('tenant_id', '=', h.tenantId).executeTakeFirstOrThrow()).n);

  it(`adds a bounded number of rows for ${BURST} wrong sign-ins, one audit row per lock event`, async () => {
    const before = await rowCounts(db, h.storeOptions);
    const statuses: number[] = [];
    // In waves of 100 parallel requests: a burst, without opening 1,000 database connections at once.
    for (let wave = 0; wave < BURST / 100; wave++) {
      const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => {
        const admin = (wave * 100 + i) % 2 === 1;
        return h.app.inject({
          method: 'POST', remoteAddress: '127.0.0.7',
          url: admin ? '/api/v1/auth/sign-in' : '/api/v1/sign-in',
          payload: admin ? { username: 'ops', password: `wrong-${wave}-${i}` } : { username: 'ann@example.org', password: `wrong-${wave}-${i}` },
        });
      }));
      statuses.push(...replies.map((r) => r.statusCode));
    }
    const after = await rowCounts(db, h.storeOptions);

    const checked = statuses.filter((s) => s === 401).length;
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    // Each subject's (user, address) counter admits its threshold, then everything is refused unchecked.
    expect(checked).toBeLessThanOrEqual(2 * DEFAULT_LOCKOUT_POLICY.userClientThreshold);
    const added: Record<string, number> = Object.fromEntries(Object.keys(after).map((table) => [table, after[table]! - (before[table] ?? 0)]).filter(([, n]) => n !== 0));
    console.log(`lockout storage: ${BURST} sign-in attempts (${checked} checked, ${BURST - checked} refused) added rows ${JSON.stringify(added)}`);
    // Two lock events (the user's and the admin's counter for this address): two audit rows.
    expect(added['audit_log']).toBe(2);
    const locks = await db.selectFrom('audit_log').select(['action']).where('tenant_id', '=', h.tenantId).where('action', 'like', '%locked%').execute();
    expect(locks.map((l) => l.action).sort()).toEqual(['admin.locked_out', 'sign_in.locked_out']);
    // Counters: per (subject, address), per subject, per address; nothing per attempt.
    expect(added['lockouts']).toBeLessThanOrEqual(5);
    const total = Object.values(added).reduce((sum: number, n: number) => sum + n, 0);
    expect(total).toBeLessThanOrEqual(8);
  });

  it('removes expired lockout rows at the retention pruning, never one still in force', async () => {
    expect(await lockoutRows()).toBeGreaterThan(0);
    // A fresh lock now, on another address: in force while the older rows expire.
    h.clock.advance(DEFAULT_RETENTION.lockouts.maxAgeDays * DAY + 60_000);
    for (let i = 0; i < DEFAULT_LOCKOUT_POLICY.userClientThreshold + 1; i++) {
      await h.app.inject({ method: 'POST', remoteAddress: '127.0.0.8', url: '/api/v1/sign-in', payload: { username: 'ann@example.org', password: `wrong-${i}` } });
    }
    const inForce = await db.selectFrom('lockouts').select(['key', 'locked_until']).where('tenant_id', '=', h.tenantId).where('locked_until', '>', h.clock.now().getTime()).execute();
    expect(inForce.length).toBeGreaterThan(0);

    // The burst's rows are past the age limit and no longer lock anyone: pruned. Of the fresh rows,
    // a count limit of one removes all but the one still locking someone out.
    const removed = await h.repo.pruneHistory({ ...DEFAULT_RETENTION, lockouts: { maxAgeDays: DEFAULT_RETENTION.lockouts.maxAgeDays, maxCount: 1 } }, h.clock.now());
    expect(removed.lockouts).toBeGreaterThan(0);
    const left = await db.selectFrom('lockouts').select(['key']).where('tenant_id', '=', h.tenantId).execute();
    expect(left.map((r) => String(r.key)).sort()).toEqual(inForce.map((r) => String(r.key)).sort());

    // Once that lock has expired and aged past the limit, pruning removes it too.
    await h.repo.pruneHistory(DEFAULT_RETENTION, new Date(h.clock.now().getTime() + (DEFAULT_RETENTION.lockouts.maxAgeDays + 2) * DAY));
    expect(await lockoutRows()).toBe(0);
  });
});

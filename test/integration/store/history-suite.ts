/**
 * Retention (pruning by age and count) and the password-coverage facts of the status, run on a
 * real SQLite file and a real PostgreSQL database (sqlite-store.test.ts, postgres-store.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ObjectChange } from '../../../src/sync/model.js';
import { PASSWORD_PROBLEM_CODES } from '../../../src/tenant/domain/password-flow.js';
import type { RetentionPolicy, SyncRunRecord, TenantRepository } from '../../../src/tenant/store/ports.js';
import { user, verifier } from './store-suite.js';
import { useSharedTestStore } from './shared-test-store.js';
import type { StoreKind } from './test-stores.js';

const DAY = 86_400_000;
const NOW = new Date('2026-12-01T12:00:00.000Z');
const daysAgo = (days: number): Date => new Date(NOW.getTime() - days * DAY);
const upsert = (n: number): ObjectChange => ({ op: 'upsert', object: user(n) });

function run(kind: 'directory' | 'password', finishedAt: Date, outcome: SyncRunRecord['outcome'] = 'success'): SyncRunRecord {
  return { id: `run-${randomUUID()}`, agentId: 'agent-1', kind, mode: 'full', startedAt: finishedAt, finishedAt, outcome, counts: {}, errorCode: null, errorMessage: null };
}

const generous = { maxAgeDays: 36_500, maxCount: 100_000_000 };
const policy = (over: Partial<RetentionPolicy>): RetentionPolicy => ({ runs: generous, batches: generous, audit: generous, lockouts: generous, ...over });

export function defineHistorySuite(kind: StoreKind): void {
  describe(`history and password coverage on ${kind}`, () => {
    const shared = useSharedTestStore(kind);
    const tenant = (): Promise<TenantRepository> => shared.tenant();

    describe('retention', () => {
      it('prunes runs by age but keeps the last run of each kind and the last that synced', async () => {
        const repo = await tenant();
        const lastSynced = run('directory', daysAgo(200), 'success');
        const lastDirectory = run('directory', daysAgo(150), 'failed');
        const lastPassword = run('password', daysAgo(300), 'partial');
        const old = [run('directory', daysAgo(400)), run('password', daysAgo(500)), run('directory', daysAgo(250), 'failed')];
        for (const r of [...old, lastSynced, lastDirectory, lastPassword]) await repo.recordRun(r, []);
        const removed = await repo.pruneHistory(policy({ runs: { maxAgeDays: 90, maxCount: 10_000 } }), NOW);
        expect(removed.runs).toBe(3);
        expect((await repo.listRuns(100)).map((r) => r.id).sort()).toEqual([lastSynced.id, lastDirectory.id, lastPassword.id].sort());
        expect((await repo.lastSuccessfulRun('directory'))?.id).toBe(lastSynced.id);
        expect((await repo.lastRun('password'))?.id).toBe(lastPassword.id);
        // Pruning again removes nothing more.
        expect((await repo.pruneHistory(policy({ runs: { maxAgeDays: 90, maxCount: 10_000 } }), NOW)).runs).toBe(0);
      });

      it('prunes runs and audit entries beyond the newest N, whatever their age', async () => {
        const repo = await tenant();
        const runs = Array.from({ length: 12 }, (_, i) => run('directory', new Date(NOW.getTime() - (12 - i) * 60_000)));
        for (const r of runs) await repo.recordRun(r, []);
        for (let i = 0; i < 30; i++) await repo.audit({ actor: 'admin', action: `action.${i}`, details: { i }, at: new Date(NOW.getTime() - (30 - i) * 1000) });
        const removed = await repo.pruneHistory(policy({ runs: { maxAgeDays: 90, maxCount: 5 }, audit: { maxAgeDays: 365, maxCount: 10 } }), NOW);
        expect(removed).toMatchObject({ runs: 7, audit: 20 });
        expect((await repo.listRuns(100)).map((r) => r.id)).toEqual(runs.slice(7).reverse().map((r) => r.id));
        const audit = await repo.listAudit({ page: 1, pageSize: 100 });
        expect(audit.total).toBe(10);
        expect(audit.items.map((e) => e.action)).toEqual(Array.from({ length: 10 }, (_, i) => `action.${29 - i}`));
      });

      it('prunes audit entries by age and nothing else of the tenant, nor another tenant', async () => {
        const repo = await tenant();
        const other = await tenant();
        await repo.applyObjectBatch(`b-${randomUUID()}`, 'agent', [upsert(1), upsert(2)], daysAgo(400));
        await repo.applyPasswordBatch(`b-${randomUUID()}`, 'agent', [{ op: 'set', anchor: 'u-1', verifiers: [verifier()] }], daysAgo(400));
        await repo.recordRun(run('password', daysAgo(400), 'partial'), [{ anchor: 'u-2', kind: 'user', dn: 'uid=user2', attribute: 'userPassword', code: 'PASSWORD_NOT_SET', message: 'none', hint: 'set one', origin: 'agent', runKind: 'password' }]);
        for (const r of [repo, other]) {
          await r.audit({ actor: 'admin', action: 'old', details: {}, at: daysAgo(400) });
          await r.audit({ actor: 'admin', action: 'new', details: {}, at: daysAgo(1) });
        }
        const removed = await repo.pruneHistory(policy({ audit: { maxAgeDays: 365, maxCount: 100_000 } }), NOW);
        expect(removed).toEqual({ runs: 0, batches: 0, audit: 1, lockouts: 0 });
        expect((await repo.listAudit({ page: 1, pageSize: 10 })).items.map((e) => e.action)).toEqual(['new']);
        expect((await other.listAudit({ page: 1, pageSize: 10 })).items.map((e) => e.action)).toEqual(['new', 'old']);
        // Users, verifiers and sync errors are not history: all still there.
        expect(await repo.countUsers()).toBe(2);
        expect((await repo.findUserForSignIn('user1@example.test'))?.verifiers).toHaveLength(1);
        expect(await repo.countSyncErrors()).toBe(1);
      });

      it('prunes batch records by age: an old batch id applies again, a recent one is still a duplicate', async () => {
        const repo = await tenant();
        const oldId = `b-${randomUUID()}`;
        const recentId = `b-${randomUUID()}`;
        await repo.applyObjectBatch(oldId, 'agent', [upsert(1)], daysAgo(10));
        await repo.applyObjectBatch(recentId, 'agent', [upsert(2)], daysAgo(1));
        const removed = await repo.pruneHistory(policy({ batches: { maxAgeDays: 7, maxCount: 100_000 } }), NOW);
        expect(removed.batches).toBe(1);
        expect((await repo.applyObjectBatch(recentId, 'agent', [upsert(2)], NOW)).duplicate).toBe(true);
        expect((await repo.applyObjectBatch(oldId, 'agent', [upsert(1)], NOW)).duplicate).toBe(false);
        // ...and by count.
        for (let i = 0; i < 6; i++) await repo.applyPasswordBatch(`p-${i}-${randomUUID()}`, 'agent', [{ op: 'clear', anchor: 'u-1' }], new Date(NOW.getTime() - (6 - i) * 1000));
        const byCount = await repo.pruneHistory(policy({ batches: { maxAgeDays: 7, maxCount: 3 } }), NOW);
        expect(byCount.batches).toBe(5); // 8 records (2 object batches again, 6 password batches), the newest 3 stay
      });

    });

    describe('password coverage', () => {
      it('counts users with a password, reported problems per code, and users nothing explains', async () => {
        const repo = await tenant();
        const T = daysAgo(2);
        await repo.applyObjectBatch(`b-${randomUUID()}`, 'agent', Array.from({ length: 8 }, (_, i) => upsert(i)), T);
        await repo.applyPasswordBatch(`b-${randomUUID()}`, 'agent', [
          { op: 'set', anchor: 'u-0', verifiers: [verifier()] }, { op: 'set', anchor: 'u-1', verifiers: [verifier()] },
          { op: 'error', anchor: 'u-2', scheme: 'NOPE', code: 'PASSWORD_SCHEME_UNSUPPORTED', message: 'unsupported' },
        ], T);
        const problem = (anchor: string, code: string) => ({ anchor, kind: 'user' as const, dn: `uid=${anchor}`, attribute: 'userPassword', code, message: code, hint: 'fix', origin: 'agent' as const, runKind: 'password' as const });
        await repo.recordRun({ ...run('password', daysAgo(1), 'partial'), mode: 'delta' }, [problem('u-3', 'PASSWORD_NOT_READABLE'), problem('u-4', 'PASSWORD_NOT_READABLE'), problem('u-5', 'PASSWORD_NOT_SET')]);
        // A user added after the last password cycle began is not yet expected to have a password.
        await repo.applyObjectBatch(`b-${randomUUID()}`, 'agent', [upsert(99)], NOW);
        const coverage = await repo.passwordCoverage(PASSWORD_PROBLEM_CODES, daysAgo(1));
        expect(coverage).toEqual({
          usersWithPassword: 2,
          problemsByCode: { PASSWORD_SCHEME_UNSUPPORTED: 1, PASSWORD_NOT_READABLE: 2, PASSWORD_NOT_SET: 1 },
          unexplained: 2, // u-6 and u-7
        });
        expect((await repo.passwordCoverage(PASSWORD_PROBLEM_CODES, null)).unexplained).toBe(0);
        // A user removed from the directory takes its problem with it.
        await repo.applyObjectBatch(`b-${randomUUID()}`, 'agent', [{ op: 'delete', kind: 'user', anchor: 'u-3', dn: 'x' }], NOW);
        expect((await repo.passwordCoverage(PASSWORD_PROBLEM_CODES, daysAgo(1))).problemsByCode['PASSWORD_NOT_READABLE']).toBe(1);
      });
    });
  });
}

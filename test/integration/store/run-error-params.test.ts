/**
 * A run's error carries its facts by name (issue 15, migration 0033): stored and read back on both
 * stores through every way the runs are read (last run, list, page), none on runs without, and
 * none on runs written before the column existed or on a row whose params do not parse.
 */
import { randomUUID } from 'node:crypto';
import { Migrator } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrationProvider } from '../../../src/tenant/store/migrations/index.js';
import type { SyncRunRecord } from '../../../src/tenant/store/ports.js';
import { createTestStore, openDatabase, type StoreKind } from './test-stores.js';

const T0 = Date.parse('2026-11-20T10:00:00.000Z');
function run(minutes: number, patch: Partial<SyncRunRecord> = {}): SyncRunRecord {
  return {
    id: `run-${randomUUID()}`, agentId: 'agent-1', kind: 'directory', mode: 'full',
    startedAt: new Date(T0 + (minutes - 1) * 60_000), finishedAt: new Date(T0 + minutes * 60_000),
    outcome: 'failed', counts: {}, errorCode: 'DIR_UNREACHABLE', errorMessage: 'The directory at ldap://127.0.0.1:1 cannot be reached: ECONNREFUSED', ...patch,
  };
}

for (const kind of ['sqlite', 'postgres'] as StoreKind[]) {
  describe(`run error params on ${kind}`, () => {
    it('stores the facts of a failed run and reads them back wherever runs are read', async () => {
      const test = await createTestStore(kind);
      try {
        const repo = test.store.forTenant('default');
        const errorParams = { url: 'ldap://127.0.0.1:1', reason: 'connect ECONNREFUSED 127.0.0.1:1 — ünïcode' };
        const emptyRead = { read: 0, deletes: 1024 };
        const failed = run(1, { errorParams });
        const blocked = run(2, { outcome: 'blocked', errorCode: 'SOURCE_READ_EMPTY', errorMessage: 'The source returned no objects …', errorParams: emptyRead });
        const fine = run(3, { outcome: 'success', errorCode: null, errorMessage: null });
        for (const r of [failed, blocked, fine]) await repo.recordRun(r, []);

        expect((await repo.listRuns(10)).map((r) => [r.id, r.errorParams])).toEqual([[fine.id, null], [blocked.id, emptyRead], [failed.id, errorParams]]);
        expect((await repo.listRunsPage({ page: 1, pageSize: 2 })).items.map((r) => r.errorParams)).toEqual([null, emptyRead]);
        expect((await repo.lastRun('directory'))?.errorParams).toBeNull();
        // A number stays a number (the admin center formats it per language).
        await repo.recordRun(run(4, { errorParams: { form: 'absolute', deletes: 1200, synced: 5000, threshold: 1000, share: 24, percent: 0 }, errorCode: 'DELETE_THRESHOLD_EXCEEDED' }), []);
        expect((await repo.lastRun())?.errorParams).toEqual({ form: 'absolute', deletes: 1200, synced: 5000, threshold: 1000, share: 24, percent: 0 });
        // An empty object is stored as none.
        await repo.recordRun(run(5, { errorParams: {} }), []);
        expect((await repo.lastRun())?.errorParams).toBeNull();
      } finally {
        await test.cleanup();
      }
    });

    it('reads no params on runs from before migration 0033 and on a row that does not parse', async () => {
      const test = await createTestStore(kind, { migrate: false });
      const db = openDatabase(test.options);
      try {
        expect((await new Migrator({ db, provider: migrationProvider(kind) }).migrateTo('0032-error-params')).error).toBeUndefined();
        await db.insertInto('tenants').values({ id: 'old', name: 'Old', created_at: 0 }).execute();
        await db.insertInto('sync_runs').values({
          tenant_id: 'old', id: 'run-before', agent_id: 'a', kind: 'directory', mode: 'full', started_at: T0, finished_at: T0 + 1000,
          outcome: 'failed', counts: '{}', error_code: 'DIR_BIND_FAILED', error_message: 'The directory rejected the sync account credentials.',
        }).execute();
        await test.store.migrate();
        const repo = test.store.forTenant('old');
        expect(await repo.lastRun()).toMatchObject({ id: 'run-before', errorCode: 'DIR_BIND_FAILED', errorParams: null });

        await db.insertInto('sync_runs').values({
          tenant_id: 'old', id: 'run-garbled', agent_id: 'a', kind: 'directory', mode: 'full', started_at: T0 + 2000, finished_at: T0 + 3000,
          outcome: 'failed', counts: '{}', error_code: 'DIR_BIND_FAILED', error_message: 'x', error_params: '{"url": [1, 2',
        }).execute();
        expect(await repo.lastRun()).toMatchObject({ id: 'run-garbled', errorParams: null });
      } finally {
        await db.destroy();
        await test.cleanup();
      }
    });
  });
}

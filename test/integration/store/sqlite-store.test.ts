import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SQLITE_FILE_NAME } from '../../../src/tenant/store/open-store.js';
import { defineHistorySuite } from './history-suite.js';
import { defineStoreSuite, group, user } from './store-suite.js';
import { createTestStore } from './test-stores.js';

defineStoreSuite('sqlite');
defineHistorySuite('sqlite');

describe('SQLite search indexes', () => {
  it('stay in step with the users and groups through adds, renames, deletes and re-adds', async () => {
    const { store, options, cleanup } = await createTestStore('sqlite');
    const database = new Database(join(options.dataDir, SQLITE_FILE_NAME));
    // FTS5 compares the whole index with the rows it was built from (rank 1: external content too).
    const check = (fts: string) => database.prepare(`insert into ${fts} (${fts}, rank) values ('integrity-check', 1)`).run();
    try {
      const repo = store.forTenant('default');
      await repo.applyObjectBatch('b1', 'agent', [
        ...Array.from({ length: 30 }, (_, i) => ({ op: 'upsert' as const, object: user(i) })),
        { op: 'upsert', object: group(1, ['u-1']) }, { op: 'upsert', object: group(2, ['u-2'], { mail: 'Two@Example.Test' }) },
      ], new Date());
      await repo.applyObjectBatch('b2', 'agent', [
        { op: 'upsert', object: user(1, { displayName: 'Renamed One', mail: 'one@example.test' }) },
        { op: 'upsert', object: user(2, { enabled: false }) }, // the searched text stays the same
        { op: 'delete', kind: 'user', anchor: 'u-3', dn: 'x' },
        { op: 'delete', kind: 'user', anchor: 'u-4', dn: 'x' }, { op: 'upsert', object: user(4) },
        { op: 'upsert', object: user(5) }, { op: 'delete', kind: 'user', anchor: 'u-5', dn: 'x' },
        { op: 'upsert', object: user(6, { userPrincipalName: 'user7@example.test' }) }, // a duplicate UPN: written with a stand-in
        { op: 'upsert', object: group(1, ['u-1'], { name: 'Renamed Group' }) }, { op: 'delete', kind: 'group', anchor: 'g-2', dn: 'x' },
      ], new Date());
      check('users_search');
      check('groups_search');
      // The check sees a row changed around the index.
      database.prepare(`update users set display_name_lower = 'changed' where anchor = 'u-8'`).run();
      expect(() => check('users_search')).toThrow();
    } finally {
      database.close();
      await cleanup();
    }
  });
});

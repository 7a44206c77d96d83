// Needs the PostgreSQL at DATABASE_URL_TEST (default postgres://postgres@127.0.0.1:5432/test);
// fails with a clear message when it cannot be reached.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { defineStoreSuite } from './store-suite.js';
import { createTestStore, openDatabase } from './test-stores.js';

defineStoreSuite('postgres');

describe('PostgreSQL schema', () => {
  it('keeps every anchor column in the C collation, so that joins on anchors look up keys', async () => {
    // A comparison of a "C" column with a default-collation one is made in "C", which a
    // default-collation index cannot serve: every row of the tenant is filtered instead.
    const { options, cleanup } = await createTestStore('postgres');
    const db = openDatabase(options);
    try {
      const columns = await sql<{ column: string; collation: string | null }>`
        select table_name || '.' || column_name as column, collation_name as collation from information_schema.columns
        where table_schema = current_schema() and (column_name = 'anchor' or column_name like '%\\_anchor') order by 1`.execute(db);
      expect(columns.rows.map((c) => c.column)).toEqual(expect.arrayContaining(['memberships.group_anchor', 'password_verifiers.anchor', 'users.anchor']));
      expect(columns.rows.filter((c) => c.collation !== 'C')).toEqual([]);
    } finally {
      await db.destroy();
      await cleanup();
    }
  });
});

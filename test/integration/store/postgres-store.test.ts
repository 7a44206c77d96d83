// Needs the PostgreSQL at DATABASE_URL_TEST (default postgres://postgres@127.0.0.1:5432/test);
// fails with a clear message when it cannot be reached.
import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { defineHistorySuite } from './history-suite.js';
import { defineStoreSuite } from './store-suite.js';
import { BULK_TABLES } from '../../../src/tenant/store/migrations/0011-bulk-tables-without-tenant-checks.js';
import { createTestStore, openDatabase } from './test-stores.js';
import { insertRows } from '../../../src/tenant/store/bulk-write.js';
import type { GroupsTable, MembershipsTable, StoreDatabase } from '../../../src/tenant/store/schema.js';

defineStoreSuite('postgres');
defineHistorySuite('postgres');

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

  it('checks tenant_id against tenants on every table but the four a sync writes in bulk', async () => {
    const { options, cleanup } = await createTestStore('postgres');
    const db = openDatabase(options);
    try {
      const tables = await sql<{ name: string; checked: boolean }>`
        select c.relname as name, exists (select 1 from pg_constraint k where k.conrelid = c.oid and k.contype = 'f'
          and k.confrelid = to_regclass('tenants')) as checked
        from pg_class c where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r'
          and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')`.execute(db);
      const unchecked = tables.rows.filter((t) => !t.checked).map((t) => t.name).sort();
      expect(unchecked).toEqual([...BULK_TABLES].sort());
      expect(tables.rows.length).toBeGreaterThan(BULK_TABLES.length + 5);
    } finally {
      await db.destroy();
      await cleanup();
    }
  });
});

describe('PostgreSQL bulk writes', () => {
  it('store every row as given, whether a column is the same in all rows, differs, or is NULL throughout', async () => {
    const { options, cleanup } = await createTestStore('postgres');
    const db = openDatabase(options) as Kysely<StoreDatabase>;
    const ctx = { db, dialect: 'postgres' as const, tenantId: 'default' };
    try {
      const group = (anchor: string, name: string, description: string | null): GroupsTable => ({
        tenant_id: 'default', anchor, dn: `cn=${name},dc=x`, name, name_lower: name.toLowerCase(), description, mail: null, mail_lower: null, created_at: 5, updated_at: 5,
      });
      const groups = [group('g1', 'One', null), group('g2', 'Two', 'second'), group('g3', 'Three', null)];
      const memberships: MembershipsTable[] = [
        { tenant_id: 'default', group_anchor: 'g1', member_anchor: 'u1' },
        { tenant_id: 'default', group_anchor: 'g1', member_anchor: 'u2' },
        { tenant_id: 'default', group_anchor: 'g2', member_anchor: 'u2' },
      ];
      await db.transaction().execute(async (trx) => {
        await insertRows(trx, ctx, 'groups', groups.slice(0, 1)); // one row: nothing to share
        await insertRows(trx, ctx, 'groups', groups.slice(1)); // mail NULL throughout, description mixed
        await insertRows(trx, ctx, 'memberships', memberships.slice(0, 2)); // group the same, member differs
        await insertRows(trx, ctx, 'memberships', memberships.slice(2));
        // an upsert whose changed column is the same in every row
        await insertRows(trx, ctx, 'groups', groups.map((g) => ({ ...g, updated_at: 9 })), { conflict: ['tenant_id', 'anchor'], update: ['updated_at'] });
      });
      const stored = await db.selectFrom('groups').selectAll().orderBy('anchor').execute();
      expect(stored.map((g) => ({ ...g, created_at: Number(g.created_at), updated_at: Number(g.updated_at) }))).toEqual(groups.map((g) => ({ ...g, updated_at: 9 })));
      expect(await db.selectFrom('memberships').selectAll().orderBy('group_anchor').orderBy('member_anchor').execute()).toEqual(memberships);
    } finally {
      await db.destroy();
      await cleanup();
    }
  });
});

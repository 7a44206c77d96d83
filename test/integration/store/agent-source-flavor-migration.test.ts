/**
 * Migration 0031 gives agents a source flavor column and fills it once for rows written by
 * earlier agents, from the description those agents wrote; what it cannot tell stays unknown.
 */
import { Migrator } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrationProvider } from '../../../src/tenant/store/migrations/index.js';
import { createTestStore, openDatabase, type StoreKind } from './test-stores.js';

const ROWS: Array<[id: string, source: string | null, flavor: string | null]> = [
  ['a-ad', 'ldaps://dc1.example.test:636 (ad)', 'ad'],
  ['a-ad-tls', 'ldap://dc1.example.test:389 (ad, StartTLS)', 'ad'],
  ['a-openldap', 'ldap://ldap.example.test:389 (openldap)', 'openldap'],
  ['a-389ds', 'ldaps://ds.example.test:636 (389ds)', '389ds'],
  ['a-ldif', 'ldif:/srv/exports/staff (ad).ldif', 'ldif'],
  ['a-odd', 'ldap://x.example.test (ad) (openldap)', 'openldap'],
  ['a-unknown', 'something else', null],
  ['a-none', null, null],
];

for (const kind of ['sqlite', 'postgres'] as StoreKind[]) {
  describe(`migration 0031 on ${kind}`, () => {
    it('fills the flavor of existing agents from the descriptions earlier agents wrote', async () => {
      const fresh = await createTestStore(kind, { migrate: false });
      const db = openDatabase(fresh.options);
      try {
        expect((await new Migrator({ db, provider: migrationProvider(kind) }).migrateTo('0028-registration-agent')).error).toBeUndefined();
        await db.insertInto('tenants').values({ id: 'old', name: 'Old', created_at: 0 }).execute();
        await db.insertInto('agents').values(ROWS.map(([id, source]) => ({
          tenant_id: 'old', id, host: 'h', version: '0.1.0', credential_hash: `hash-${id}`, last_heartbeat: 1, source, sync_account: null, tls_verification_disabled: 0, created_at: 0,
        }))).execute();

        await fresh.store.migrate();
        const repo = fresh.store.forTenant('old');
        for (const [id, , flavor] of ROWS) expect((await repo.findAgent(id))?.sourceFlavor, id).toBe(flavor);
        // A heartbeat that carries the field sets it; one without (an earlier agent) leaves it.
        await repo.recordHeartbeat('a-unknown', new Date(2), { host: 'h', version: '0.2.0', source: 'ad forest', sourceFlavor: 'ad' });
        await repo.recordHeartbeat('a-openldap', new Date(2), { host: 'h', version: '0.1.0', source: 'ldap://ldap.example.test:389 (openldap)' });
        const agents = await repo.listAgents();
        expect(agents.find((a) => a.id === 'a-unknown')?.sourceFlavor).toBe('ad');
        expect(agents.find((a) => a.id === 'a-openldap')?.sourceFlavor).toBe('openldap');
      } finally {
        await db.destroy();
        await fresh.cleanup();
      }
    }, 60_000);
  });
}

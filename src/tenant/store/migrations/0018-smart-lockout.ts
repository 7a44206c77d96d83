/**
 * Smart lockout (tenant/domain/lockout.ts): a lockout row now counts *reserved* attempts (taken
 * atomically before the password is checked) and how many locks its series has had, and holds the
 * token of the last attempt it admitted so a reservation knows whether it won. `sign_in_familiar`
 * remembers the clients (device cookies, addresses) that signed in as a subject, which keep
 * getting through while strangers are locked. The index serves the sweep of expired rows.
 */
import { type Kysely, type Migration } from 'kysely';

export function smartLockout(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('lockouts').addColumn('lock_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('lockouts').addColumn('grant_token', 'text').execute();
      // lockouts_last_failure_idx, which the sweep uses too, comes with 0016 (retention).
      await db.schema.createIndex('lockouts_last_failure_idx').ifNotExists().on('lockouts').columns(['tenant_id', 'last_failure_at']).execute();
      await db.schema.createTable('sign_in_familiar')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('sign_in_familiar_pk', ['tenant_id', 'subject', 'kind', 'value'])
        .execute();
      await db.schema.createIndex('sign_in_familiar_seen_idx').on('sign_in_familiar').columns(['tenant_id', 'last_seen_at']).execute();
    },
  };
}

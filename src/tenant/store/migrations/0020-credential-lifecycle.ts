/**
 * The credential lifecycle (issue 11):
 * - agents: revocation, a credential that expires and is rotated (the previous one stays valid
 *   for a short overlap, so a rotation lost on the way does not cut the agent off), and which
 *   links the agent was allowed to run in clear;
 * - registration tokens: revocation;
 * - admins: disabled, must change their password (the generated initial one, or after a reset);
 * - sessions: created and last-seen times for the idle timeout and the absolute lifetime.
 */
import type { Kysely, Migration } from 'kysely';

export function credentialLifecycle(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('agents').addColumn('revoked_at', 'bigint').execute();
      await db.schema.alterTable('agents').addColumn('credential_expires_at', 'bigint').execute();
      await db.schema.alterTable('agents').addColumn('previous_credential_hash', 'text').execute();
      await db.schema.alterTable('agents').addColumn('previous_credential_expires_at', 'bigint').execute();
      await db.schema.alterTable('agents').addColumn('cleartext_links', 'text').execute();
      await db.schema.alterTable('registration_tokens').addColumn('revoked_at', 'bigint').execute();
      await db.schema.alterTable('admins').addColumn('disabled_at', 'bigint').execute();
      await db.schema.alterTable('admins').addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('sessions').addColumn('created_at', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('sessions').addColumn('last_seen_at', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
    },
  };
}

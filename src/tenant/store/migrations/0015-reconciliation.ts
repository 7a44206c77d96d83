/**
 * Reconciliation and the password pipeline's progress:
 * - `password_verifiers.fingerprint`: the agent's keyed fingerprint of the directory hash a verifier
 *   was derived from (an HMAC under a key only the agent holds: it reveals nothing of the hash). A
 *   password reconciliation compares it with the directory's and sends again what is stale.
 * - `agents.password_progress`: the running password cycle's progress (JSON), from the heartbeat.
 * - `settings.password_reconcile_requested_at`: an admin asked for a password reconciliation now.
 */
import type { Kysely, Migration } from 'kysely';

export function reconciliationSchema(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('password_verifiers').addColumn('fingerprint', 'text').execute();
      await db.schema.alterTable('agents').addColumn('password_progress', 'text').execute();
      await db.schema.alterTable('settings').addColumn('password_reconcile_requested_at', 'bigint').execute();
    },
  };
}

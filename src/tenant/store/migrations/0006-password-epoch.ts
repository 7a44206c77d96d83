/**
 * `settings.password_epoch`: counts the removals of every synced password hash. Agents compare it
 * with the epoch they last saw and, when it moved, forget what they exported and send every
 * verifier again (once password sync is on).
 */
import type { Kysely, Migration } from 'kysely';

export function passwordEpochSchema(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('settings').addColumn('password_epoch', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  };
}

/**
 * Which agent a registration token made (issue 10): an agent whose registration answer was lost
 * retries with the same token and the key it generated itself, and the tenant recognises the
 * registration it already committed instead of refusing the used token.
 */
import type { Kysely, Migration } from 'kysely';

export function registrationAgent(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('registration_tokens').addColumn('agent_id', 'text').execute();
    },
  };
}

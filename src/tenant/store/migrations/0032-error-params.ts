/**
 * The facts of a sync error by name (issue 15): `params` holds a JSON object of string and number
 * values (`shared/error-params.ts`), so the admin center renders the code's template in the
 * admin's language. Rows from before have none and show their stored message.
 */
import type { Kysely, Migration } from 'kysely';

export function errorParams(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('sync_errors').addColumn('params', 'text').execute();
    },
  };
}

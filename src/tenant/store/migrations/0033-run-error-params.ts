/**
 * The facts of a run's error by name (issue 15), like `sync_errors.params` (0032): a JSON object
 * of string and number values (`shared/error-params.ts`), so the sync history and the DirSync
 * status render the code's template in the admin's language. Runs from before have none and
 * show their stored message.
 */
import type { Kysely, Migration } from 'kysely';

export function runErrorParams(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('sync_runs').addColumn('error_params', 'text').execute();
    },
  };
}

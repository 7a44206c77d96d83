/**
 * `agents.directory_progress`: the running directory cycle's progress (JSON), from the heartbeat,
 * so the sync history shows the run in progress (objects read of how many, ETA) as it goes.
 */
import type { Kysely, Migration } from 'kysely';

export function directoryProgressSchema(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('agents').addColumn('directory_progress', 'text').execute();
    },
  };
}

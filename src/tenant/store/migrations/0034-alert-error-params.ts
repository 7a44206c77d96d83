/**
 * The code and facts of an alert delivery's last failure (issue 15): the SMTP server, the webhook's
 * answer, the reason, so the Alerts page states them in the admin's language. Failures from
 * before have none and show their stored English text.
 */
import type { Kysely, Migration } from 'kysely';

export function alertErrorParams(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('alert_deliveries').addColumn('last_error_code', 'text').execute();
      await db.schema.alterTable('alert_deliveries').addColumn('last_error_params', 'text').execute();
    },
  };
}

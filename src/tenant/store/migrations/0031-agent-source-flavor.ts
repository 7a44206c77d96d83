/**
 * The kind of directory an agent reads, as a field of its own (issue 11): the tenant used to tell
 * an Active Directory agent by looking for "(ad)" in the free-text source description, which an
 * LDIF path or a URL can contain too. Agents now report the flavor in their heartbeat.
 *
 * Rows written by earlier agents are filled once from the description those agents wrote
 * (`<url> (<flavor>)` or `<url> (<flavor>, StartTLS)` for LDAP sources, `ldif:<path>` for files);
 * anything else stays null (unknown). Both dialects: plain text column, standard LIKE.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export function agentSourceFlavor(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('agents').addColumn('source_flavor', 'text').execute();
      for (const flavor of ['openldap', '389ds', 'ad']) {
        await sql`update agents set source_flavor = ${flavor}
          where source_flavor is null and source not like 'ldif:%' and (source like ${`% (${flavor})`} or source like ${`% (${flavor}, StartTLS)`})`.execute(db);
      }
      await sql`update agents set source_flavor = 'ldif' where source_flavor is null and source like 'ldif:%'`.execute(db);
    },
  };
}

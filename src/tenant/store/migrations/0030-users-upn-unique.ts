/**
 * A unique index on the users' UPN per tenant (issue 10/15): a second defence behind the holder
 * rule of object-batch.ts, which decides who keeps a UPN and gives a newcomer a stand-in. Should
 * that rule ever be bypassed — a bug, or two tenant replicas applying batches at once on
 * PostgreSQL, each reading the owners before the other committed — the database refuses the
 * second holder instead of storing two users that sign in with one name.
 *
 * Case: Active Directory compares UPNs case-insensitively, so the index is on `upn_lower`, the
 * UPN trimmed and lower-cased exactly as the holder rule compares it (JavaScript toLowerCase,
 * locale-independent, no Unicode normalization): both defences agree on what "the same UPN" is.
 *
 * Existing data cannot violate it: since 0001 a clash was refused or, since the quarantine, the
 * newcomer got a stand-in `<name>+<hex of its anchor>@<domain>` checked against every taken UPN
 * (falling back to `<anchor>@quarantine.invalid`, unique as the anchor is). A store that holds a
 * duplicate anyway (edited by hand) is named, and the migration stops before changing anything.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const USERS_UPN_UNIQUE_INDEX = 'users_upn_unique_idx';

export function usersUpnUnique(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      const duplicates = await db.selectFrom('users').select(['tenant_id', 'upn_lower', sql<number>`count(*)`.as('holders')])
        .groupBy(['tenant_id', 'upn_lower']).having(sql`count(*)`, '>', 1).limit(5).execute();
      if (duplicates.length > 0) {
        const named = duplicates.map((d) => `${String(d.upn_lower)} (tenant ${String(d.tenant_id)}, ${String(d.holders)} users)`).join('; ');
        throw new Error(`users with the same user principal name exist: ${named}. Delete or rename all but one of each (or remove the users and let the agent sync them again), then start again.`);
      }
      await db.schema.createIndex(USERS_UPN_UNIQUE_INDEX).on('users').columns(['tenant_id', 'upn_lower']).unique().execute();
      // The plain index of 0001 on the same columns is now redundant.
      await db.schema.dropIndex('users_upn_idx').execute();
    },
  };
}

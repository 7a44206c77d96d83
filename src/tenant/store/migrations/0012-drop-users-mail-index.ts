/**
 * Drops users_mail_idx: no query looks users up by users.mail_lower (sign-in and the mail owners
 * of a batch read user_mails, which holds every address of a user; the search reads the trigram
 * or full-text index). It only cost a B-tree insert per synchronized user.
 */
import { type Kysely, type Migration } from 'kysely';

export function dropUsersMailIndex(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('users_mail_idx').ifExists().execute();
    },
  };
}

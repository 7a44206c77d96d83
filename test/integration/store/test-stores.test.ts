/**
 * The test stores' own plumbing: a plain database handle on a PostgreSQL test store survives its
 * connection being ended by the server, as a cleanup's `drop database ... with (force)` does when
 * it reaches a connection pg's pool.end() has not closed yet. Unhandled, that FATAL was an uncaught
 * exception that failed a CI run whose tests had all passed.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createTestStore, openDatabase } from './test-stores.js';

describe('openDatabase on PostgreSQL', () => {
  it('takes a connection ended by the server (as drop database with force does) without an uncaught error', async () => {
    const fresh = await createTestStore('postgres', { migrate: false });
    const db = openDatabase(fresh.options);
    const admin = openDatabase(fresh.options);
    try {
      const pid = async (): Promise<number> => (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]!.pid;
      const first = await pid();
      await sql`select pg_terminate_backend(${first})`.execute(admin);
      // The idle client hears the FATAL and leaves the pool; the next query gets a new connection.
      let next = first;
      for (let attempt = 0; attempt < 100 && next === first; attempt++) {
        next = await pid().catch(() => first);
        if (next === first) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(next).not.toBe(first);
    } finally {
      await db.destroy();
      await admin.destroy();
      await fresh.cleanup();
    }
  });
});

import fc from 'fast-check';
import { Kysely, SqliteDialect, sql } from 'kysely';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { chunk, containsLower, toDate, toNumber } from './dialect.js';

describe('containsLower', () => {
  // A real SQLite evaluates the LIKE: the search term must match as a literal substring,
  // whatever wildcard or escape characters it holds.
  const db = new Kysely<Record<string, never>>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });

  async function matches(text: string, term: string): Promise<boolean> {
    const result = await sql<{ hit: number }>`select (${containsLower(sql`lower(${text})`, term)}) as hit`.execute(db);
    return result.rows[0]?.hit === 1;
  }

  it('treats % _ and \\ in the term as literal characters', async () => {
    expect(await matches('100% sure', '0%')).toBe(true);
    expect(await matches('1000 sure', '0%')).toBe(false);
    expect(await matches('a_b', 'a_b')).toBe(true);
    expect(await matches('axb', 'a_b')).toBe(false);
    expect(await matches('c:\\dir', ':\\d')).toBe(true);
  });

  it('agrees with String.includes on lower-cased ASCII text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.constantFrom('a', 'B', '%', '_', '\\', ' ', 'x') }), fc.string({ unit: fc.constantFrom('a', 'b', '%', '_', '\\', 'x'), maxLength: 3 }), async (text, term) => {
        expect(await matches(text, term)).toBe(text.toLowerCase().includes(term.toLowerCase()));
      }),
      { numRuns: 200 },
    );
  });
});

describe('helpers', () => {
  it('chunks without losing or reordering items', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 3)).toEqual([]);
  });

  it('reads PostgreSQL bigint strings and SQLite numbers alike', () => {
    expect(toNumber('1764067200000')).toBe(1764067200000);
    expect(toDate(1764067200000)).toEqual(new Date(1764067200000));
    expect(toDate('1764067200000')).toEqual(new Date(1764067200000));
    expect(toDate(null)).toBeNull();
  });
});

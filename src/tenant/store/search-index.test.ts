import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ftsPhrase, usesSearchIndex } from './search-index.js';

// A real FTS5 trigram index, configured as migration 0009 creates users_search.
const db = new Database(':memory:');
db.exec(`create virtual table idx using fts5(t, tokenize='trigram', columnsize=0)`);
const insert = db.prepare('insert into idx(rowid, t) values (?, ?)');
const search = db.prepare('select rowid from idx where idx match ?').pluck();
let nextRowid = 1;

/** Whether the index finds `text` (stored lower-case, as the users' columns are) for `term`. */
function indexFinds(text: string, term: string): boolean {
  const rowid = nextRowid++;
  insert.run(rowid, text.toLowerCase());
  return (search.all(ftsPhrase(term.toLowerCase())) as number[]).includes(rowid);
}

describe('usesSearchIndex', () => {
  it.each([
    ['sqlite', 'abc', true],
    ['sqlite', 'ab', false],
    ['sqlite', 'ü-ü', true],
    ['sqlite', '😀😀😀', true], // three characters, six UTF-16 code units
    ['sqlite', '😀a', false],
    ['sqlite', 'a\u0000bc', false], // FTS5 would read the query up to the NUL only
    ['postgres', 'abcdef', false],
  ] as const)('%s, %j -> %s', (dialect, term, expected) => {
    expect(usesSearchIndex(dialect, term)).toBe(expected);
  });
});

describe('ftsPhrase', () => {
  // Search text that FTS5 query syntax would read as operators, prefixes, columns or groups.
  it.each([
    ['Jansen-Ünal', 'jansen-ünal'],
    ['Jansen-Ünal', 'n-ü'],
    ['say "hi" now', '"hi"'],
    ['say "hi" now', 'y "'],
    ['a "" b', ' "" '],
    ['Ben AND Jerry', 'and'],
    ['Ben AND Jerry', 'ben and jerry'],
    ['x OR y NOT z', 'or y not'],
    ['wild*card', 'd*c'],
    ['-minus', '-mi'],
    ['col:value', 'col:value'],
    ['NEAR(a b, 2)', 'near(a'],
    ['^caret', '^ca'],
    ['{a b}: c', '{a b}:'],
    ['100% _sure_', '0% _'],
    ["O'Brien", "o'b"],
    ['tab\there', 'b\th'],
  ])('finds %j by %j', (text, term) => {
    expect(usesSearchIndex('sqlite', term.toLowerCase())).toBe(true);
    expect(indexFinds(text, term)).toBe(true);
  });

  it('finds nothing for text that is not there, however the term looks', () => {
    expect(indexFinds('Ben Jerry', 'ben and jerry')).toBe(false);
    expect(indexFinds('wildcard', 'wild*')).toBe(false);
    expect(indexFinds('value', 'col:value')).toBe(false);
  });

  it('finds every row that contains the term, and never fails on what the term holds', () => {
    const unit = fc.constantFrom('a', 'B', 'é', 'Ü', 'ß', 'İ', '😀', ' ', '-', '"', '*', ':', '^', '(', ')', '%', '_', '\\', "'", 'AND', 'or', 'NEAR');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 12 }), fc.nat(), fc.nat(), fc.string({ unit, maxLength: 5 }), (text, from, length, other) => {
        const chars = [...text.toLowerCase()];
        const start = chars.length === 0 ? 0 : from % chars.length;
        const inside = chars.slice(start, start + (length % 8)).join('');
        for (const term of [inside, other.toLowerCase()]) {
          if (!usesSearchIndex('sqlite', term)) continue;
          // Whatever the term, the query runs; when the text holds it, the index finds the row.
          const found = indexFinds(text, term);
          if (text.toLowerCase().includes(term)) expect(found).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

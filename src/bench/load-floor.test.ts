import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { copyField, copyLines } from './load-floor.js';

/** COPY's text format read back: the inverse of copyField, as PostgreSQL parses a field. */
function parseField(field: string): string | null {
  if (field === '\\N') return null;
  return field.replace(/\\(.)/g, (_, ch: string) => (ch === 't' ? '\t' : ch === 'n' ? '\n' : ch === 'r' ? '\r' : ch));
}

describe('COPY text format', () => {
  it('writes null as \\N and escapes backslash, tab and line breaks', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField(undefined)).toBe('\\N');
    expect(copyField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyField(42)).toBe('42');
    expect(copyField(true)).toBe('t');
  });

  it('round-trips any text, one line per row, one field per column', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.option(fc.string({ unit: 'grapheme' })), fc.string()), { maxLength: 20 }), (pairs) => {
      const rows = pairs.map(([a, b]) => ({ a, b }));
      const text = [...copyLines(rows, ['a', 'b'])].join('');
      const lines = text === '' ? [] : text.slice(0, -1).split('\n');
      expect(lines).toHaveLength(rows.length);
      lines.forEach((line, i) => {
        const fields = line.split('\t');
        expect(fields).toHaveLength(2);
        expect(parseField(fields[0]!)).toBe(rows[i]!.a);
        expect(parseField(fields[1]!)).toBe(rows[i]!.b);
      });
    }));
  });
});

/**
 * Entries -> LDIF content records (RFC 2849). Values that are not SAFE-STRINGs (non-ASCII, leading
 * space, colon or '<', trailing space, control characters) are written as base64; lines are folded at
 * 76 characters. Used by tests and by scripts/make-sample-ldif.ts.
 */
import type { DirectoryEntry } from '../entry.js';

const LINE_LENGTH = 76;

function needsBase64(value: string): boolean {
  return /^[ :<]/.test(value) || / $/.test(value) || /[^\x01-\x09\x0b\x0c\x0e-\x7f]/.test(value);
}

function fold(line: string): string {
  if (line.length <= LINE_LENGTH) return line;
  const parts = [line.slice(0, LINE_LENGTH)];
  for (let i = LINE_LENGTH; i < line.length; i += LINE_LENGTH - 1) parts.push(` ${line.slice(i, i + LINE_LENGTH - 1)}`);
  return parts.join('\n');
}

function attrLine(name: string, value: string): string {
  if (needsBase64(value)) return fold(`${name}:: ${Buffer.from(value, 'utf8').toString('base64')}`);
  return fold(value === '' ? `${name}:` : `${name}: ${value}`);
}

export interface FormatLdifOptions {
  /** A comment written at the top of the file, one `#` line per line of text. */
  header?: string;
  /** Write the `version: 1` line (default true). OpenLDAP 2.5's slapadd rejects it, so files meant
   * for slapadd leave it out; parseLdif accepts both. */
  version?: boolean;
}

export function formatLdif(entries: readonly DirectoryEntry[], options: FormatLdifOptions = {}): string {
  const blocks: string[] = [];
  const header = options.header ? options.header.split('\n').map((line) => (line ? `# ${line}` : '#')).join('\n') + '\n' : '';
  if (options.version !== false) blocks.push(`${header}version: 1`);
  for (const [index, entry] of entries.entries()) {
    const lines = [(index === 0 && options.version === false ? header : '') + attrLine('dn', entry.dn)];
    for (const [name, values] of Object.entries(entry.attributes)) {
      for (const value of values) lines.push(attrLine(name, value));
    }
    blocks.push(lines.join('\n'));
  }
  return `${blocks.join('\n\n')}\n`;
}

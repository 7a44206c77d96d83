/**
 * CSV for the sync error export (RFC 4180: quotes doubled, fields with separators quoted, CRLF).
 * Cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR) get a leading apostrophe:
 * DNs and messages come from the directory, which an attacker may write to (CSV injection, OWASP).
 */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null>>): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

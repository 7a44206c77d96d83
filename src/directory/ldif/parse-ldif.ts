/**
 * LDIF content records (RFC 2849, https://www.rfc-editor.org/rfc/rfc2849) -> directory entries.
 *
 * A record that cannot be read becomes one LDIF_SYNTAX error naming its line and is skipped; the
 * other records still parse. Messages never quote a value: the line might hold a password.
 */
import { AppError } from '../../shared/errors.js';
import { normalizeDn } from '../dn.js';
import type { DirectoryEntry } from '../entry.js';

export interface LdifEntry extends DirectoryEntry {
  /** 1-based line of the entry's `dn:` line. */
  line: number;
}

export interface ParsedLdif {
  entries: LdifEntry[];
  errors: AppError[];
}

interface LogicalLine {
  /** Physical line where it starts. */
  line: number;
  text: string;
}

class RecordError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const ATTRIBUTE = /^([A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)((?:;[A-Za-z0-9-]+)*)$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Splits into records of unfolded logical lines, dropping comments. */
function splitRecords(text: string): LogicalLine[][] {
  const physical = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const records: LogicalLine[][] = [];
  let record: LogicalLine[] = [];
  let inComment = false;
  for (let i = 0; i < physical.length; i++) {
    const raw = physical[i] ?? '';
    if (raw.startsWith(' ')) {
      // A folded continuation: of a comment (ignored) or of the previous line (one space removed).
      if (inComment) continue;
      const previous = record[record.length - 1];
      if (previous) previous.text += raw.slice(1);
      else record.push({ line: i + 1, text: raw }); // a record cannot start with a continuation
      continue;
    }
    if (raw === '') {
      inComment = false;
      if (record.length > 0) records.push(record);
      record = [];
      continue;
    }
    inComment = raw.startsWith('#');
    if (!inComment) record.push({ line: i + 1, text: raw });
  }
  if (record.length > 0) records.push(record);
  return records;
}

interface AttrValue {
  name: string;
  value: string;
}

function decodeBase64Text(line: number, encoded: string): string {
  const compact = encoded.trim();
  if (!BASE64.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) throw new RecordError(line, 'the base64 value after "::" is not valid base64');
  const bytes = Buffer.from(compact, 'base64');
  try {
    return utf8.decode(bytes);
  } catch {
    // Binary values (jpegPhoto, certificates) are kept in their base64 form: entries carry text.
    return bytes.toString('base64');
  }
}

function parseAttrValue(logical: LogicalLine): AttrValue {
  const colon = logical.text.indexOf(':');
  if (colon < 0) throw new RecordError(logical.line, 'expected "attribute: value" but the line has no colon');
  const description = logical.text.slice(0, colon);
  const match = ATTRIBUTE.exec(description);
  if (!match) throw new RecordError(logical.line, 'the attribute name is not valid');
  const name = (match[1] ?? '').toLowerCase();
  const rest = logical.text.slice(colon + 1);
  if (rest.startsWith(':')) return { name, value: decodeBase64Text(logical.line, rest.slice(1)) };
  if (rest.startsWith('<')) throw new RecordError(logical.line, `values read from a URL ("${name}:<") are not supported`);
  return { name, value: rest.replace(/^ +/, '') };
}

function parseRecord(lines: LogicalLine[]): LdifEntry {
  const first = lines[0] as LogicalLine;
  const dnLine = parseAttrValue(first);
  if (dnLine.name !== 'dn') throw new RecordError(first.line, 'a record must start with "dn:"');
  if (dnLine.value.trim() === '') throw new RecordError(first.line, 'the DN is empty');
  const attributes: Record<string, string[]> = {};
  for (const logical of lines.slice(1)) {
    const { name, value } = parseAttrValue(logical);
    if (name === 'changetype' || name === 'control') {
      throw new RecordError(logical.line, 'change records ("changetype:") are not supported; give entries as content records');
    }
    if (name === 'dn') throw new RecordError(logical.line, 'a second "dn:" line in one record; records are separated by an empty line');
    // hasOwn, not ??=: an attribute may be called "constructor" (the name grammar excludes __proto__).
    const values = Object.hasOwn(attributes, name) ? attributes[name] : (attributes[name] = []);
    values?.push(value);
  }
  return { dn: dnLine.value, attributes, line: first.line };
}

export function parseLdif(text: string): ParsedLdif {
  const entries: LdifEntry[] = [];
  const errors: AppError[] = [];
  const seen = new Map<string, number>();
  const records = splitRecords(text);

  for (const [index, lines] of records.entries()) {
    let body = lines;
    const first = lines[0] as LogicalLine;
    if (index === 0 && /^version:/i.test(first.text)) {
      if (!/^version: *1 *$/i.test(first.text)) {
        errors.push(syntaxError(first.line, 'only LDIF "version: 1" is supported'));
        continue;
      }
      body = lines.slice(1);
      if (body.length === 0) continue;
    }
    try {
      const entry = parseRecord(body);
      const key = normalizeDn(entry.dn);
      const previous = seen.get(key);
      if (previous !== undefined) throw new RecordError(entry.line, `the DN appears again; the first entry with it is at line ${previous}`);
      seen.set(key, entry.line);
      entries.push(entry);
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      const dn = dnOf(body);
      errors.push(syntaxError(error.line, error.reason, dn));
    }
  }
  return { entries, errors };
}

function dnOf(lines: LogicalLine[]): string | undefined {
  const first = lines[0];
  if (!first) return undefined;
  try {
    const { name, value } = parseAttrValue(first);
    return name === 'dn' && value !== '' ? value : undefined;
  } catch {
    return undefined;
  }
}

function syntaxError(line: number, reason: string, dn?: string): AppError {
  return new AppError('LDIF_SYNTAX', {
    message: `Line ${line}: ${reason}${dn === undefined ? '' : ` (entry ${dn})`}.`,
    details: dn === undefined ? { line } : { line, dn },
    params: dn === undefined ? { line } : { line, dn },
  });
}

/**
 * The one DN reading of dirbridge (RFC 4514): scope checks (is this entry under an included or
 * excluded base?), group membership (is this member value that user's DN?), LDIF anchors and the
 * agent's DN index all compare DNs through it, so two spellings of one DN never disagree.
 * Attribute types and values compare case-insensitively, as they do for the naming attributes
 * dirbridge meets (dc, ou, cn, uid: caseIgnoreMatch).
 */

/** Splits on `separators` where they are not escaped with a backslash or inside double quotes. */
function splitUnescaped(text: string, separators: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + (text[i + 1] as string);
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
      current += ch;
    } else if (separators.includes(ch) && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** Decodes RFC 4514 escapes (`\,` and `\2C`) and surrounding quotes into the raw value. */
function unescapeValue(raw: string): string {
  // Fast path: most values carry neither escapes nor quotes.
  if (!raw.includes('\\') && !raw.includes('"')) return raw.trim();
  let value = raw.trimStart();
  // Trailing spaces are insignificant unless the first of them is escaped ("a\\ ").
  const trimmed = value.trimEnd();
  const backslashes = /\\*$/.exec(trimmed)?.[0].length ?? 0;
  value = backslashes % 2 === 1 && value.length > trimmed.length ? `${trimmed} ` : trimmed;
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === '\\' && i + 1 < value.length) {
      const hex = value.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else {
        bytes.push(...encoder.encode(value[i + 1] as string));
        i++;
      }
    } else {
      const code = value.codePointAt(i) as number;
      const chars = String.fromCodePoint(code);
      bytes.push(...encoder.encode(chars));
      i += chars.length - 1;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** Escapes a value for a DN string (RFC 4514 section 2.4). */
export function escapeDnValue(value: string): string {
  let out = value.replace(/[\\,+"<>;=\0]/g, (c) => (c === '\0' ? '\\00' : `\\${c}`));
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/**
 * The RDNs of a DN in canonical form, most specific first: each `type=value` with the type and the
 * value lower-cased, the value decoded (`\,`, `\2C` and `"a,b"` alike) and escaped again in one
 * way (escapeDnValue), attribute-value pairs of a multi-valued RDN sorted. Empty RDNs are dropped.
 */
export function dnParts(dn: string): string[] {
  if (dn.trim() === '') return [];
  // Fast path: a DN without escapes, quotes, multi-valued RDNs or ';' separators (nearly all of them).
  if (!/[\\"+;]/.test(dn)) {
    return dn.split(',').filter((rdn) => rdn.trim() !== '').map((rdn) => {
      const eq = rdn.indexOf('=');
      const type = (eq < 0 ? rdn : rdn.slice(0, eq)).trim().toLowerCase();
      const value = eq < 0 ? '' : rdn.slice(eq + 1).trim().toLowerCase();
      return `${type}=${escapeDnValue(value)}`;
    });
  }
  return splitUnescaped(dn, ',;').filter((rdn) => rdn.trim() !== '').map((rdn) =>
    splitUnescaped(rdn, '+')
      .map((ava) => {
        const at = splitUnescaped(ava, '=');
        const type = (at[0] ?? '').trim().toLowerCase();
        const value = unescapeValue(at.slice(1).join('=')).toLowerCase();
        return `${type}=${escapeDnValue(value)}`;
      })
      .sort()
      .join('+'),
  );
}

/**
 * A canonical string for comparing DNs: equal for DNs that name the same entry however they are
 * spelled (`cn=Smith\, John`, `cn=Smith\2C John`, `CN="Smith, John"`). Used for every DN
 * comparison: scope checks, member resolution, LDIF anchors, the agent's DN index.
 */
export function normalizeDn(dn: string): string {
  // Most DNs need nothing but lower case (every member DN and export record passes here): no
  // escapes, quotes, multi-valued RDNs, ';', spaces to trim, empty RDNs, or characters that
  // escapeDnValue would escape (a second '=' in an RDN, '<', '>', a leading '#', NUL).
  if (!NEEDS_FULL_READING.test(dn)) return dn.toLowerCase();
  return normalizeDnFully(dn);
}

const NEEDS_FULL_READING = /[\\"+;<>\0]|\s[,=]|[,=]\s|^\s|\s$|,,|^,|,$|^$|=[^,]*=|(^|,)[^,=]*=#|(^|,)[^,=]*(,|$)/;

/** The RDN-by-RDN reading that normalizeDn shortcuts; exported so tests can hold the two equal. */
export function normalizeDnFully(dn: string): string {
  return dnParts(dn).join(',');
}

/** Whether `dn` is `base` or lies below it. */
export function isUnder(dn: string, base: string): boolean {
  return isDnWithin(dn, base);
}

/** True when `dn` is `base` or below it (either given as a string or as dnParts). */
export function isDnWithin(dn: string | readonly string[], base: string | readonly string[]): boolean {
  const child = typeof dn === 'string' ? dnParts(dn) : dn;
  const parent = typeof base === 'string' ? dnParts(base) : base;
  if (parent.length > child.length) return false;
  const offset = child.length - parent.length;
  return parent.every((part, i) => child[offset + i] === part);
}

const ATTRIBUTE_TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/;

/**
 * Why `dn` is not a DN (RFC 4514: RDNs of `type=value` separated by commas), or null when it is
 * one. dnParts reads anything leniently; a DN an admin typed into the config is checked first, so
 * a typo is named at start rather than found as an empty search.
 */
export function dnProblem(dn: string): string | null {
  if (dn.trim() === '') return 'is empty';
  const rdns = splitUnescaped(dn, ',');
  for (const [i, rdn] of rdns.entries()) {
    if (rdn.trim() === '') return i === rdns.length - 1 && i > 0 ? 'ends with a comma' : 'has an empty RDN (two commas in a row, or a leading comma)';
    for (const ava of splitUnescaped(rdn, '+')) {
      const eq = splitUnescaped(ava, '=');
      if (eq.length < 2) return `has "${ava.trim()}" where an RDN of type=value is expected`;
      const type = (eq[0] ?? '').trim();
      if (!ATTRIBUTE_TYPE.test(type)) return `has "${type}" where an attribute type (like ou, cn or dc) is expected`;
      if (eq.slice(1).join('=').trim() === '') return `has no value after "${type}="`;
    }
  }
  return null;
}

/** The number of RDNs of a DN. */
export function rdnCount(dn: string): number {
  return splitUnescaped(dn, ',').filter((rdn) => rdn.trim() !== '').length;
}

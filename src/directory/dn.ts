/**
 * DN normalization for comparisons and LDIF anchors: attribute types lower-cased, spaces around
 * separators removed, values compared case-insensitively (the usual matching rule of naming
 * attributes such as cn, uid, ou, dc). Escaped separators (RFC 4514 "\,") are kept intact.
 */
export function normalizeDn(dn: string): string {
  // Most DNs need nothing but lower case: no escapes, quotes, multi-valued RDNs, ';' separators,
  // empty RDNs or spaces to trim. Every member DN and export record passes here (~20x faster).
  if (!NEEDS_FULL_READING.test(dn)) return dn.toLowerCase();
  return normalizeDnFully(dn);
}

const NEEDS_FULL_READING = /[\\"+;]|\s[,=]|[,=]\s|^\s|\s$|,,|^,|,$|^$/;

/** The RDN-by-RDN reading that normalizeDn shortcuts; exported so tests can hold the two equal. */
export function normalizeDnFully(dn: string): string {
  return splitRdns(dn).map(normalizeRdn).join(',');
}

function normalizeRdn(rdn: string): string {
  const normalizeAva = (ava: string): string => {
    const eq = ava.indexOf('=');
    if (eq < 0) return ava.trim().toLowerCase();
    return `${ava.slice(0, eq).trim().toLowerCase()}=${ava.slice(eq + 1).trim().toLowerCase()}`;
  };
  // A multi-valued RDN (cn=a+uid=b) compares in any order.
  return rdn.includes('+') ? rdn.split('+').map(normalizeAva).sort().join('+') : normalizeAva(rdn);
}

/** Splits a DN into its RDNs, honouring backslash escapes and quoted values. */
export function splitRdns(dn: string): string[] {
  // Most DNs have neither escapes nor quotes: a plain split is then exact, and a hot path (every member DN).
  if (!dn.includes('\\') && !dn.includes('"')) return dn.split(/[,;]/).map((r) => r.trim()).filter((r) => r !== '');
  return splitEscapedRdns(dn);
}

/** The character-by-character reading, for DNs with escapes or quotes. */
export function splitEscapedRdns(dn: string): string[] {
  const rdns: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i]!;
    if (c === '\\' && i + 1 < dn.length) {
      current += c + dn[i + 1]!;
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      current += c;
    } else if ((c === ',' || c === ';') && !quoted) {
      rdns.push(current.trim());
      current = '';
    } else {
      current += c;
    }
  }
  if (current.trim() !== '' || rdns.length > 0) rdns.push(current.trim());
  return rdns.filter((r) => r !== '');
}

/** Whether `dn` is `base` or lies below it. */
export function isUnder(dn: string, base: string): boolean {
  const d = normalizeDn(dn);
  const b = normalizeDn(base);
  return d === b || d.endsWith(`,${b}`);
}

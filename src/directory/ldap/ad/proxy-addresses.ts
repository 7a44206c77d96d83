/**
 * proxyAddresses holds every address of a mail-enabled object as `type:address`. The type is
 * case-significant: upper-case `SMTP:` marks the primary SMTP address, lower-case `smtp:` the
 * secondary ones; other types (X500:, SIP:, x400:) are not mail addresses.
 * https://learn.microsoft.com/en-us/troubleshoot/azure/entra/entra-id/user-prov-sync/proxyaddresses-attribute-populate
 */

/** The SMTP addresses of proxyAddresses, the primary first, duplicates (case-insensitive) removed. */
export function smtpAddresses(proxyAddresses: readonly string[]): string[] {
  const primary: string[] = [];
  const secondary: string[] = [];
  for (const raw of proxyAddresses) {
    const value = raw.trim();
    const colon = value.indexOf(':');
    if (colon < 0) continue;
    const type = value.slice(0, colon);
    const address = value.slice(colon + 1).trim();
    if (type.toLowerCase() !== 'smtp' || !address.includes('@')) continue;
    (type === 'SMTP' ? primary : secondary).push(address);
  }
  const seen = new Set<string>();
  const out: string[] = [];
  for (const address of [...primary, ...secondary]) {
    const key = address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(address);
  }
  return out;
}

/** The primary SMTP address, or undefined when proxyAddresses has none marked `SMTP:`. */
export function primarySmtpAddress(proxyAddresses: readonly string[]): string | undefined {
  const primary = proxyAddresses.map((v) => v.trim()).find((v) => v.startsWith('SMTP:'));
  return primary?.slice(5).trim() || undefined;
}

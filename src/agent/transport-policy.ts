/**
 * The agent's refusal to send secrets in clear: its bearer credential over http://, or the bind
 * password and every password hash over ldap:// without StartTLS. Loopback is exempt (nothing
 * leaves the host); anything else needs the explicit `agent.allowCleartext`, and is then reported
 * in the heartbeat so the status and the troubleshooter show it.
 */
import { AppError } from '../shared/errors.js';

export type CleartextLink = 'tenant' | 'directory';

export interface TransportTargets {
  tenantUrl: string;
  /** The LDAP source, when the source is a directory server. */
  ldap?: { url: string; startTls: boolean } | undefined;
}

/** 127.0.0.0/8, ::1 and localhost: traffic that never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

/** The links that would carry secrets in clear to another host. */
export function cleartextLinks(targets: TransportTargets): CleartextLink[] {
  const links: CleartextLink[] = [];
  if (/^http:\/\//i.test(targets.tenantUrl) && !isLoopbackHost(hostOf(targets.tenantUrl))) links.push('tenant');
  const ldap = targets.ldap;
  if (ldap && /^ldap:\/\//i.test(ldap.url) && !ldap.startTls && !isLoopbackHost(hostOf(ldap.url))) links.push('directory');
  return links;
}

/** Throws CLEARTEXT_REFUSED unless allowed; returns the cleartext links (to report when allowed). */
export function checkTransport(targets: TransportTargets, allowCleartext: boolean): CleartextLink[] {
  const links = cleartextLinks(targets);
  if (links.length > 0 && !allowCleartext) {
    const what = links.map((link) => (link === 'tenant' ? `the tenant URL ${targets.tenantUrl} is http://` : `the directory ${targets.ldap?.url} is ldap:// without StartTLS`));
    throw new AppError('CLEARTEXT_REFUSED', { message: `The agent refuses to connect in clear: ${what.join(' and ')}, and the host is not loopback.`, details: { links } });
  }
  return links;
}

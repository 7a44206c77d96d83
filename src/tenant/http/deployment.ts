/**
 * How the service is reached: its public origin (the OpenID Connect issuer and every absolute URL
 * it hands out) and whether that origin is HTTPS (Secure `__Host-` session cookie, HSTS).
 * The origin comes from configuration (`tenant.publicUrl`) or, without it, from the listener's own
 * address; never from a request's Host or X-Forwarded-Host header, which a client chooses.
 */
import type { AddressInfo } from 'node:net';

export const PLAIN_SESSION_COOKIE = 'dirbridge_session';
/** `__Host-`: the browser accepts it only Secure, for Path=/ and without Domain, so no sibling host can plant or shadow it. */
export const SECURE_SESSION_COOKIE = '__Host-dirbridge_session';

export interface Deployment {
  /** e.g. https://id.example.org (no trailing slash). */
  publicOrigin(): string;
  /** The origin is https: cookies are Secure and HSTS is sent. */
  secure: boolean;
  sessionCookie: string;
}

export interface DeploymentOptions {
  publicUrl?: string | undefined;
  /** The service listens with TLS itself. */
  tls: boolean;
  /** The listener's address once listening (null before, e.g. under app.inject()). */
  listenerAddress: () => AddressInfo | string | null;
}

export function createDeployment(options: DeploymentOptions): Deployment {
  const configured = options.publicUrl ? new URL(options.publicUrl).origin : null;
  const secure = configured ? configured.startsWith('https:') : options.tls;
  const scheme = options.tls ? 'https' : 'http';
  return {
    secure,
    sessionCookie: secure ? SECURE_SESSION_COOKIE : PLAIN_SESSION_COOKIE,
    publicOrigin() {
      if (configured) return configured;
      const address = options.listenerAddress();
      if (!address || typeof address === 'string') return `${scheme}://localhost`;
      return `${scheme}://${listenerHost(address.address)}:${address.port}`;
    },
  };
}

/** A wildcard listener is reached on loopback from this host; an IPv6 literal needs brackets. */
function listenerHost(address: string): string {
  if (address === '0.0.0.0' || address === '::' || address === '') return '127.0.0.1';
  return address.includes(':') ? `[${address}]` : address;
}

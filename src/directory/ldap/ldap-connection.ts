/**
 * Opens a bound ldapts client: connect (ldap:// or ldaps://), StartTLS when asked, simple bind.
 * Every failure becomes a directory AppError (see ldap-errors.ts).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';

import { Client } from 'ldapts';

import { AppError } from '../../shared/errors.js';
import type { LdapLogger, LdapSourceConfig } from './ldap-config.js';
import { toDirectoryError, type LdapStage } from './ldap-errors.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_OPERATION_TIMEOUT_MS = 120_000;
/** A bind, StartTLS (and its TLS handshake), a root DSE read, a liveness probe. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Silence of a push watch after which the server is asked whether it is still there. */
export const DEFAULT_WATCH_PROBE_MS = 60_000;

/** The TLS options for both ldaps:// and StartTLS, verifying the server against caFile when given. */
export function tlsOptionsFor(config: LdapSourceConfig, logger: LdapLogger): ConnectionOptions {
  const { hostname } = new URL(config.url);
  const host = hostname.replace(/^\[|\]$/g, '');
  const options: ConnectionOptions = { host, minVersion: 'TLSv1.2' };
  // SNI must not carry an IP address (RFC 6066 section 3); the certificate is still checked against it.
  if (isIP(host) === 0) options.servername = host;
  if (config.caFile) {
    try {
      options.ca = readFileSync(config.caFile);
    } catch (error) {
      throw new AppError('DIR_TLS_FAILED', { message: `The CA file ${config.caFile} cannot be read.`, hint: 'Give the path of a PEM file with the CA certificate (--ca-file).', params: { form: 'caFile', file: config.caFile }, cause: error });
    }
  }
  if (config.tlsInsecureSkipVerify) {
    logger.warn(`TLS certificate verification is DISABLED for ${config.url}: anyone on the network path can read the sync account password and every synced hash. Use caFile instead.`, { url: config.url });
    options.rejectUnauthorized = false;
  }
  return options;
}

export function usesTls(config: LdapSourceConfig): boolean {
  return /^ldaps:/i.test(config.url) || config.startTls === true;
}

export async function openLdapClient(config: LdapSourceConfig, logger: LdapLogger): Promise<Client> {
  const secure = /^ldaps:/i.test(config.url);
  const tlsOptions = usesTls(config) ? tlsOptionsFor(config, logger) : undefined;
  // ldapts treats any tlsOptions as "connect with TLS", so pass them only for ldaps://.
  const client = new Client({
    url: config.url,
    connectTimeout: config.timeouts?.connectMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    // This client only binds and reads small things (root DSE, contextCSN, one group): searches run on stream connections.
    timeout: config.timeouts?.requestMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    tlsOptions: secure ? tlsOptions : undefined,
    strictDN: false,
  });
  let stage: LdapStage = 'connect';
  try {
    if (config.startTls && !secure) {
      stage = 'starttls';
      await client.startTLS({ ...tlsOptions });
    }
    stage = 'bind';
    await client.bind(config.bindDn, config.bindPassword);
    return client;
  } catch (error) {
    await client.unbind().catch(() => undefined);
    // A refused connection surfaces during the first operation (StartTLS or bind): ldapts connects lazily.
    const effective = isConnectFailure(error) ? 'connect' : stage;
    throw toDirectoryError(error, effective, { url: config.url });
  }
}

function isConnectFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT'].includes(code);
}

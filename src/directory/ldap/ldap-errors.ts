/**
 * Classifies what the LDAP client throws into the registry's directory codes. Messages name the
 * URL (and base DN when there is one), never the password; the original error is the cause.
 */
import { InvalidAsn1Error, MessageParserError, ResultCodeError } from 'ldapts';

import { AppError } from '../../shared/errors.js';
import { BerError } from './ber.js';

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED']);

// Node's TLS verification errors (OpenSSL X509_V_ERR_* names) and ERR_TLS_* / ERR_SSL_* codes.
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|UNABLE_TO_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

/** LDAP result codes (RFC 4511 appendix A). */
const INVALID_CREDENTIALS = 49;
const CONFIDENTIALITY_REQUIRED = 13;
const UNAVAILABLE = 52;
const BUSY = 51;

export type LdapStage = 'connect' | 'starttls' | 'bind' | 'search';

/** A server that accepted the connection said nothing for too long; becomes DIR_TIMEOUT. */
export class LdapTimeoutError extends Error {
  override readonly name = 'LdapTimeoutError';
  constructor(
    /** What was waited for, e.g. "the bind", "a page of the search of dc=example,dc=org". */
    readonly waitingFor: string,
    readonly timeoutMs: number,
  ) {
    super(`no answer to ${waitingFor} within ${timeoutMs} ms`);
  }
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Readable names of the result codes a sync account meets (RFC 4511 appendix A). */
const RESULT_NAMES: Record<number, string> = {
  1: 'operations error',
  2: 'protocol error',
  3: 'time limit exceeded',
  4: 'size limit exceeded',
  7: 'authentication method not supported',
  8: 'stronger authentication required',
  11: 'administrative limit exceeded',
  12: 'unavailable critical extension',
  13: 'confidentiality required',
  32: 'no such object',
  34: 'invalid DN syntax',
  48: 'inappropriate authentication',
  49: 'invalid credentials',
  50: 'insufficient access rights',
  51: 'busy',
  52: 'unavailable',
  53: 'unwilling to perform',
  80: 'other',
};

function describe(error: unknown): string {
  if (error instanceof ResultCodeError) {
    const diagnostic = error.message.replace(/\s*Code: 0x[0-9a-f]+$/i, '').trim();
    const name = RESULT_NAMES[error.code] ?? error.name;
    return `${name} (LDAP result ${error.code})${diagnostic ? `: ${diagnostic}` : ''}`;
  }
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
}

/**
 * A server that hangs or sends garbage: the cycle must fail with it, never fall back to another
 * way of reading (which would meet the same server) or be logged and forgotten.
 */
export function isStalledOrMalformed(error: unknown): boolean {
  return error instanceof AppError && (error.code === 'DIR_TIMEOUT' || error.code === 'DIR_PROTOCOL_ERROR');
}

export function toDirectoryError(error: unknown, stage: LdapStage, context: { url: string; baseDn?: string }): AppError {
  if (error instanceof AppError) return error;
  const where = context.baseDn ? `${context.url} (base ${context.baseDn})` : context.url;
  // The facts for the template in the admin's language (the reason is the server's or the OS's own
  // words); a message that names the base has its own form, as a template cannot leave a fact out.
  const at = (form?: string) => (context.baseDn
    ? { form: form ? `${form}InBase` : 'inBase', url: context.url, base: context.baseDn }
    : { ...(form ? { form } : {}), url: context.url });
  if (error instanceof LdapTimeoutError) {
    return new AppError('DIR_TIMEOUT', { message: `The directory at ${where} accepted the connection but sent ${error.message}.`, details: { stage, timeoutMs: error.timeoutMs }, params: { ...at(), reason: error.message }, cause: error });
  }
  // Ours (stream connections) and ldapts' (the client that reads the root DSE) alike.
  if (error instanceof BerError || error instanceof InvalidAsn1Error || error instanceof MessageParserError) {
    return new AppError('DIR_PROTOCOL_ERROR', { message: `The directory at ${where} sent a malformed LDAP message (${error.message}); the connection was closed.`, details: { stage }, params: { ...at(), reason: error.message }, cause: error });
  }
  const cause = describe(error);
  const code = errorCode(error);
  // ldapts' per-request timer (the request timeout): the server accepted the connection, then went quiet.
  if (/Operation timed out/.test(cause)) {
    return new AppError('DIR_TIMEOUT', { message: `The directory at ${where} accepted the connection but did not answer in time (${cause}).`, details: { stage }, params: { ...at('noAnswer'), reason: cause }, cause: error });
  }

  if (error instanceof ResultCodeError) {
    if (error.code === INVALID_CREDENTIALS) {
      return new AppError('DIR_BIND_FAILED', { message: `The directory at ${context.url} rejected the sync account credentials (LDAP result 49, invalid credentials).`, params: { form: 'invalidCredentials', url: context.url }, cause: error });
    }
    if (stage === 'starttls') {
      return new AppError('DIR_TLS_FAILED', { message: `The directory at ${context.url} refused StartTLS: ${cause}`, hint: 'Enable TLS on the directory server, or use ldaps://.', params: { form: 'startTlsRefused', url: context.url, reason: cause }, cause: error });
    }
    if (error.code === CONFIDENTIALITY_REQUIRED) {
      return new AppError('DIR_TLS_FAILED', { message: `The directory at ${context.url} requires an encrypted connection: ${cause}`, hint: 'Use ldaps:// or enable startTls.', params: { form: 'encryptionRequired', url: context.url, reason: cause }, cause: error });
    }
    if (error.code === UNAVAILABLE || error.code === BUSY) {
      return new AppError('DIR_UNREACHABLE', { message: `The directory at ${context.url} is unavailable or busy: ${cause}`, params: { form: 'busy', url: context.url, reason: cause }, cause: error });
    }
    if (stage === 'bind') {
      return new AppError('DIR_BIND_FAILED', { message: `Binding to ${context.url} failed: ${cause}`, params: { url: context.url, reason: cause }, cause: error });
    }
    return new AppError('DIR_SEARCH_FAILED', { message: `A search in ${where} failed: ${cause}`, params: { ...at(), reason: cause }, cause: error });
  }

  if (code && TLS_CODE.test(code)) {
    return new AppError('DIR_TLS_FAILED', { message: `The TLS connection to ${context.url} failed: ${cause} (${code}).`, params: { url: context.url, reason: `${cause} (${code})` }, cause: error });
  }
  if (/certificate|ssl|tls/i.test(cause) && stage !== 'search') {
    return new AppError('DIR_TLS_FAILED', { message: `The TLS connection to ${context.url} failed: ${cause}.`, params: { url: context.url, reason: cause }, cause: error });
  }
  if ((code && UNREACHABLE_CODES.has(code)) || /Connection timeout|timed out|Connection closed|Socket error|socket hang up|not established/i.test(cause)) {
    const lost = stage === 'search' || stage === 'bind';
    const wasLost = lost && !/ECONNREFUSED|ENOTFOUND|Connection timeout/.test(`${code ?? ''} ${cause}`);
    return new AppError('DIR_UNREACHABLE', {
      message: wasLost ? `The connection to ${where} was lost: ${cause}` : `The directory at ${context.url} cannot be reached: ${cause}`,
      params: wasLost ? { ...at('lost'), reason: cause } : { url: context.url, reason: cause },
      cause: error,
    });
  }
  if (stage === 'search') return new AppError('DIR_SEARCH_FAILED', { message: `A search in ${where} failed: ${cause}`, params: { ...at(), reason: cause }, cause: error });
  return new AppError('DIR_UNREACHABLE', { message: `The directory at ${context.url} cannot be reached: ${cause}`, params: { url: context.url, reason: cause }, cause: error });
}

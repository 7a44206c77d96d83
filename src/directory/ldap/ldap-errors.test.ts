import { InsufficientAccessError, InvalidCredentialsError, NoSuchObjectError, UnavailableError } from 'ldapts';
import { describe, expect, it } from 'vitest';

import { toDirectoryError, type LdapStage } from './ldap-errors.js';

function sysError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

const context = { url: 'ldap://127.0.0.1:389', baseDn: 'ou=people,dc=x' };

describe('toDirectoryError', () => {
  it.each<[string, unknown, LdapStage, string]>([
    ['invalid credentials', new InvalidCredentialsError(), 'bind', 'DIR_BIND_FAILED'],
    ['refused', sysError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:389'), 'connect', 'DIR_UNREACHABLE'],
    ['connect timeout', new Error('Connection timeout'), 'connect', 'DIR_UNREACHABLE'],
    ['dropped mid-search', new Error('Connection closed before message response was received. Message type: SearchRequest (0x63)'), 'search', 'DIR_UNREACHABLE'],
    ['untrusted CA', sysError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), 'connect', 'DIR_TLS_FAILED'],
    ['wrong host name', sysError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), 'starttls', 'DIR_TLS_FAILED'],
    ['StartTLS refused', new UnavailableError('TLS not configured'), 'starttls', 'DIR_TLS_FAILED'],
    ['server unavailable', new UnavailableError(), 'search', 'DIR_UNREACHABLE'],
    ['no such base', new NoSuchObjectError(), 'search', 'DIR_SEARCH_FAILED'],
    ['no access', new InsufficientAccessError(), 'search', 'DIR_SEARCH_FAILED'],
    ['anything else while searching', new Error('odd'), 'search', 'DIR_SEARCH_FAILED'],
  ])('%s -> %s', (_name, error, stage, code) => {
    const mapped = toDirectoryError(error, stage, context);
    expect(mapped.code).toBe(code);
    expect(mapped.message).toContain(context.url);
    expect(mapped.cause).toBe(error);
  });

  it('names the base DN of a failed search', () => {
    expect(toDirectoryError(new NoSuchObjectError(), 'search', context).message).toContain('ou=people,dc=x');
    expect(toDirectoryError(new NoSuchObjectError(), 'search', context).message).toContain('no such object (LDAP result 32)');
  });
});

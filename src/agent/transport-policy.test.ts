import { describe, expect, it } from 'vitest';
import { isAppError } from '../shared/errors.js';
import { checkTransport, cleartextLinks, isLoopbackHost } from './transport-policy.js';

describe('transport policy', () => {
  it.each([
    ['127.0.0.1', true], ['127.9.8.7', true], ['localhost', true], ['[::1]', true], ['::1', true],
    ['10.0.0.1', false], ['tenant.example.org', false], ['127.0.0.1.evil.example', false], ['128.0.0.1', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it.each([
    ['https tenant, ldaps', 'https://t.example.org', { url: 'ldaps://dc1.example.org:636', startTls: false }, []],
    ['https tenant, ldap + StartTLS', 'https://t.example.org', { url: 'ldap://dc1.example.org:389', startTls: true }, []],
    ['http tenant on loopback, ldap on loopback', 'http://127.0.0.1:8080', { url: 'ldap://127.0.0.1:3389', startTls: false }, []],
    ['http tenant elsewhere', 'http://t.example.org', undefined, ['tenant']],
    ['cleartext ldap elsewhere', 'https://t.example.org', { url: 'ldap://dc1.example.org:389', startTls: false }, ['directory']],
    ['both', 'HTTP://10.1.2.3:8080', { url: 'LDAP://10.1.2.4', startTls: false }, ['tenant', 'directory']],
  ] as const)('%s', (_name, tenantUrl, ldap, expected) => {
    expect(cleartextLinks({ tenantUrl, ldap })).toEqual(expected);
  });

  it('refuses cleartext unless allowed, and then reports the links', () => {
    const targets = { tenantUrl: 'http://t.example.org', ldap: { url: 'ldap://dc1.example.org', startTls: false } };
    let error: unknown;
    try { checkTransport(targets, false); } catch (e) { error = e; }
    expect(isAppError(error) && error.code).toBe('CLEARTEXT_REFUSED');
    expect(checkTransport(targets, true)).toEqual(['tenant', 'directory']);
  });
});

import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindSource, readSourceRecord, SOURCE_FILE } from './source-binding.js';
import { isAppError } from '../shared/errors.js';
import type { SourceConfig } from './schema.js';

const sample: SourceConfig = { type: 'ldif', path: '/opt/dirbridge/sample/directory.ldif', settleMs: 500 };
const ldap = (url = 'ldaps://ldap.example.org:636', baseDns = ['ou=People,dc=example,dc=org']): SourceConfig => ({
  type: 'ldap', url, flavor: 'openldap', bindDn: 'cn=sync,dc=example,dc=org', bindPasswordFile: '/etc/dirbridge/bind-password', baseDns, excludeDns: [],
  startTls: false, tlsInsecureSkipVerify: false, pageSize: 1000, timeouts: { connectMs: 1, requestMs: 1, operationMs: 1, watchProbeMs: 1 }, maxMessageBytes: 65536, changePollSeconds: 2,
});
const folder = () => mkdtempSync(join(tmpdir(), 'dirbridge-binding-'));
const codeOf = (run: () => unknown): string | null => {
  try { run(); return null; } catch (error) { return isAppError(error) ? error.code : 'not an AppError'; }
};

describe('bindSource', () => {
  it('uses the sample only for the quick start on a new folder, and records it', () => {
    const stateDir = folder();
    expect(bindSource({ stateDir, configured: undefined, sample, allowSample: true, replace: false, synced: 0 })).toBe(sample);
    expect(readSourceRecord(stateDir)).toEqual({ kind: 'sample' });
    // The quick start restarted, and `dirbridge sync` in its folder, go on with the sample.
    expect(bindSource({ stateDir, configured: undefined, sample, allowSample: true, replace: false, synced: 31 })).toBe(sample);
    expect(bindSource({ stateDir, configured: undefined, sample, allowSample: 'if-recorded', replace: false, synced: 31 })).toBe(sample);
  });

  it('never gives an agent the sample', () => {
    const stateDir = folder();
    expect(codeOf(() => bindSource({ stateDir, configured: undefined, sample, allowSample: false, replace: false, synced: 0 }))).toBe('SOURCE_MISSING');
    expect(codeOf(() => bindSource({ stateDir, configured: undefined, sample, allowSample: 'if-recorded', replace: false, synced: 0 }))).toBe('SOURCE_MISSING');
    expect(existsSync(join(stateDir, SOURCE_FILE))).toBe(false);
  });

  it('refuses a missing source once the folder synced an LDAP directory, naming it and its flags', () => {
    const stateDir = folder();
    bindSource({ stateDir, configured: ldap(), sample, allowSample: true, replace: false, synced: 0 });
    try {
      bindSource({ stateDir, configured: undefined, sample, allowSample: true, replace: false, synced: 31 });
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, 'SOURCE_MISSING')).toBe(true);
      expect((error as Error).message).toContain('ldaps://ldap.example.org:636');
      expect((error as { hint?: string }).hint).toContain("--source-url ldaps://ldap.example.org:636 --flavor openldap --base-dn 'ou=people,dc=example,dc=org'");
    }
    // Even with --replace-source: the sample is never put in the place of a real directory.
    expect(codeOf(() => bindSource({ stateDir, configured: undefined, sample, allowSample: true, replace: true, synced: 31 }))).toBe('SOURCE_MISSING');
  });

  it('refuses the sample on a folder that synced before the record existed (an upgrade)', () => {
    expect(codeOf(() => bindSource({ stateDir: folder(), configured: undefined, sample, allowSample: true, replace: false, synced: 5 }))).toBe('SOURCE_MISSING');
  });

  it('refuses another source once something was synced, until --replace-source', () => {
    const stateDir = folder();
    bindSource({ stateDir, configured: ldap(), sample, allowSample: false, replace: false, synced: 0 });
    // The same directory spelled differently is the same source.
    expect(codeOf(() => bindSource({ stateDir, configured: ldap('LDAPS://ldap.example.org:636/', ['OU=People, DC=example, DC=org']), sample, allowSample: false, replace: false, synced: 9 }))).toBeNull();
    expect(codeOf(() => bindSource({ stateDir, configured: ldap('ldaps://other.example.org:636'), sample, allowSample: false, replace: false, synced: 9 }))).toBe('SOURCE_CHANGED');
    expect(codeOf(() => bindSource({ stateDir, configured: { type: 'ldif', path: '/tmp/x.ldif', settleMs: 500 }, sample, allowSample: true, replace: false, synced: 9 }))).toBe('SOURCE_CHANGED');
    expect(readSourceRecord(stateDir)).toMatchObject({ kind: 'ldap', url: 'ldaps://ldap.example.org:636' });
    bindSource({ stateDir, configured: ldap('ldaps://other.example.org:636'), sample, allowSample: false, replace: true, synced: 9 });
    expect(readSourceRecord(stateDir)).toMatchObject({ kind: 'ldap', url: 'ldaps://other.example.org:636' });
  });

  it('lets a folder that synced nothing yet change its source (a typo fixed before the first sync)', () => {
    const stateDir = folder();
    bindSource({ stateDir, configured: ldap('ldaps://typo.example.org:636'), sample, allowSample: false, replace: false, synced: 0 });
    expect(codeOf(() => bindSource({ stateDir, configured: ldap(), sample, allowSample: false, replace: false, synced: 0 }))).toBeNull();
    expect(readSourceRecord(stateDir)).toMatchObject({ url: 'ldaps://ldap.example.org:636' });
  });

  it('keeps no secret in the record', () => {
    const stateDir = folder();
    bindSource({ stateDir, configured: ldap(), sample, allowSample: false, replace: false, synced: 0 });
    const text = readFileSync(join(stateDir, SOURCE_FILE), 'utf8');
    expect(text).not.toContain('bind-password');
    expect(text).not.toContain('cn=sync');
  });

  it('refuses a damaged record rather than guessing', () => {
    const stateDir = folder();
    writeFileSync(join(stateDir, SOURCE_FILE), '{"kind":');
    expect(codeOf(() => bindSource({ stateDir, configured: ldap(), sample, allowSample: false, replace: false, synced: 3 }))).toBe('SOURCE_CHANGED');
  });
});

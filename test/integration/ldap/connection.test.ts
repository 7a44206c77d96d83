import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createLdapSource, type LdapSourceConfig } from '../../../src/directory/ldap/ldap-source.js';
import { isAppError } from '../../../src/shared/errors.js';
import type { DirectorySource } from '../../../src/sync/ports.js';
import { startSlapd, type Slapd } from '../../support/slapd.js';
import { makeTestCertificates } from '../../support/tls.js';
import { directoryLdif, SUFFIX } from './directory-fixture.js';

let slapd: Slapd;
let otherCaDir: string;
let otherCa: string;
const warnings: string[] = [];
const logger = { warn: (msg: string) => warnings.push(msg) };

function config(extra: Partial<LdapSourceConfig> = {}): LdapSourceConfig {
  return { url: slapd.url, bindDn: slapd.syncDn, bindPassword: slapd.syncPw, baseDns: [SUFFIX], flavor: 'openldap', pageSize: 50, ...extra };
}

async function count(source: DirectorySource): Promise<number> {
  let n = 0;
  for await (const page of source.readAll('objects')) n += page.length;
  await source.close();
  return n;
}

async function failure(source: DirectorySource): Promise<unknown> {
  try {
    await count(source);
  } catch (error) {
    return error;
  }
  throw new Error('the read did not fail');
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

beforeAll(async () => {
  slapd = await startSlapd({ tls: true, ldif: directoryLdif(150) });
  otherCaDir = mkdtempSync(join(tmpdir(), 'dirbridge-other-ca-'));
  otherCa = makeTestCertificates(otherCaDir, 'some other CA').caFile;
});
afterAll(async () => {
  await slapd?.stop();
  rmSync(otherCaDir, { recursive: true, force: true });
});

describe('LDAP source: TLS', () => {
  it('reads over StartTLS, verifying the server against the given CA', async () => {
    expect(await count(createLdapSource(config({ startTls: true, caFile: slapd.caFile }), logger))).toBe(157);
  });

  it('reads over ldaps://, verifying the server against the given CA', async () => {
    expect(await count(createLdapSource(config({ url: slapd.ldapsUrl!, caFile: slapd.caFile }), logger))).toBe(157);
  });

  it.each([
    ['StartTLS', () => config({ startTls: true, caFile: otherCa })],
    ['ldaps', () => config({ url: slapd.ldapsUrl!, caFile: otherCa })],
    ['ldaps without a CA file (system CAs)', () => config({ url: slapd.ldapsUrl! })],
  ])('fails with DIR_TLS_FAILED against an untrusted CA (%s)', async (_name, make) => {
    const error = await failure(createLdapSource(make(), logger));
    expect(isAppError(error, 'DIR_TLS_FAILED')).toBe(true);
    expect((error as Error).message).toContain('127.0.0.1');
    expect((error as Error).cause).toBeDefined();
  });

  it.each([
    ['StartTLS', () => config({ startTls: true, caFile: slapd.caFile })],
    ['ldaps', () => config({ url: slapd.ldapsUrl!, caFile: slapd.caFile })],
  ])('watches over %s', async (_name, make) => {
    const source = createLdapSource(make(), logger);
    let changes = 0;
    const errors: unknown[] = [];
    const stop = source.watch!(() => changes++, (e) => errors.push(e));
    // Changes until one is notified (the watch may still be connecting), not one after a fixed sleep;
    // the deadline is a ceiling for a loaded CI machine.
    const deadline = Date.now() + 30_000;
    for (let n = 0; changes === 0 && Date.now() < deadline; n++) {
      slapd.modify(`dn: uid=user001,ou=people,${SUFFIX}\nchangetype: modify\nreplace: description\ndescription: watched ${n}\n`);
      for (let i = 0; i < 25 && changes === 0; i++) await new Promise((r) => setTimeout(r, 20));
    }
    stop();
    await source.close();
    expect(errors).toEqual([]);
    expect(changes).toBeGreaterThanOrEqual(1);
  });

  it('watch reports an untrusted CA through onError with DIR_TLS_FAILED', async () => {
    const source = createLdapSource(config({ startTls: true, caFile: otherCa }), logger);
    const errors: unknown[] = [];
    const stop = source.watch!(() => undefined, (e) => errors.push(e));
    const deadline = Date.now() + 30_000;
    while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stop();
    expect(isAppError(errors[0], 'DIR_TLS_FAILED')).toBe(true);
  });

  it('connects without verification when told to, and warns loudly', async () => {
    warnings.length = 0;
    expect(await count(createLdapSource(config({ url: slapd.ldapsUrl!, tlsInsecureSkipVerify: true }), logger))).toBe(157);
    expect(warnings.some((w) => /verification is DISABLED/.test(w))).toBe(true);
  });
});

describe('LDAP source: connection errors', () => {
  it('fails with DIR_BIND_FAILED on a wrong password, never showing the password', async () => {
    const error = await failure(createLdapSource(config({ bindPassword: 'wrong-secret-123' }), logger));
    expect(isAppError(error, 'DIR_BIND_FAILED')).toBe(true);
    expect((error as Error).message).toContain(slapd.url);
    expect(JSON.stringify(error)).not.toContain('wrong-secret-123');
    expect((error as Error).message).not.toContain('wrong-secret-123');
  });

  it('fails with DIR_UNREACHABLE on a port nobody listens on', async () => {
    const url = `ldap://127.0.0.1:${await closedPort()}`;
    const error = await failure(createLdapSource(config({ url }), logger));
    expect(isAppError(error, 'DIR_UNREACHABLE')).toBe(true);
    expect((error as Error).message).toContain(url);
  });

  it('a server restart during a read gives a clean AppError, and the next read succeeds', async () => {
    const source = createLdapSource(config({ pageSize: 10 }), logger);
    let pages = 0;
    let caught: unknown;
    try {
      for await (const page of source.readAll('objects')) {
        expect(page.length).toBeGreaterThan(0);
        pages++;
        if (pages === 2) await slapd.restart();
      }
    } catch (error) {
      caught = error;
    }
    expect(pages).toBe(2);
    expect(isAppError(caught, 'DIR_UNREACHABLE')).toBe(true);
    expect((caught as Error).message).toContain(slapd.url);
    expect(await count(source)).toBe(157);
  });
});

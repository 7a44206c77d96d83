/**
 * The LDAP layer against a server that misbehaves (test/support/misbehaving-ldap-server.ts): each
 * way of hanging or lying ends the read quickly with a coded error, never a wait without end.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { fetchCookies } from '../../../src/directory/ldap/389ds/contentsync.js';
import { createLdapSource, type LdapSourceConfig } from '../../../src/directory/ldap/ldap-source.js';
import { readRefreshDeletes } from '../../../src/directory/ldap/openldap/syncrepl-refresh.js';
import { startSyncreplWatch } from '../../../src/directory/ldap/openldap/syncrepl-watch.js';
import { extendedResponseMessage } from '../../../src/directory/ldap/ber-fixtures.js';
import { isAppError } from '../../../src/shared/errors.js';
import {
  afterBind,
  garbageToSearch,
  hugeMessageToSearch,
  OP,
  overlongEntryToSearch,
  resetOnSearch,
  silentAfterRefresh,
  stallAfterAccept,
  stallMidSearch,
  startMisbehavingLdapServer,
  type MisbehavingLdapServer,
  type Script,
} from '../../support/misbehaving-ldap-server.js';

const TIMEOUT_MS = 300;
const logger = { warn: () => undefined };
let server: MisbehavingLdapServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

function config(url: string): LdapSourceConfig {
  return {
    url,
    bindDn: 'cn=sync,dc=example,dc=org',
    bindPassword: 'not-a-real-secret',
    baseDns: ['dc=example,dc=org'],
    flavor: 'openldap',
    timeouts: { connectMs: TIMEOUT_MS, requestMs: TIMEOUT_MS, operationMs: TIMEOUT_MS, watchProbeMs: TIMEOUT_MS },
  };
}

/** Runs `read` against a server following `script`; returns the error code and how long it took. */
async function outcome(script: Script, read: (config: LdapSourceConfig) => Promise<unknown>): Promise<{ code: string; ms: number; message: string }> {
  server = await startMisbehavingLdapServer(script);
  const started = Date.now();
  try {
    await read(config(server.url));
  } catch (error) {
    return { code: isAppError(error) ? error.code : `not an AppError: ${String(error)}`, ms: Date.now() - started, message: (error as Error).message };
  }
  throw new Error('the read did not fail');
}

async function readAll(config: LdapSourceConfig): Promise<void> {
  const source = createLdapSource(config, logger);
  try {
    for await (const page of source.readAll('objects')) void page;
  } finally {
    await source.close();
  }
}

describe('a misbehaving LDAP server', () => {
  it.each<[string, string, Script]>([
    ['accepts and never answers the bind', 'DIR_TIMEOUT', stallAfterAccept],
    ['stalls in the middle of a search page', 'DIR_TIMEOUT', stallMidSearch(3)],
    ['answers a search with garbage', 'DIR_PROTOCOL_ERROR', garbageToSearch],
    ['sends the 30-byte entry with a 2^31-byte attribute name', 'DIR_PROTOCOL_ERROR', overlongEntryToSearch],
    ['announces a 1 GiB message', 'DIR_PROTOCOL_ERROR', hugeMessageToSearch],
    ['resets the connection during a search', 'DIR_UNREACHABLE', resetOnSearch],
  ])('a full read from a server that %s fails with %s within a second', async (_what, code, script) => {
    const result = await outcome(script, readAll);
    expect(result.code, result.message).toBe(code);
    expect(result.ms).toBeLessThan(TIMEOUT_MS + 1_000);
  });

  it('StartTLS that is never answered fails with DIR_TIMEOUT', async () => {
    const result = await outcome(stallAfterAccept, (c) => readAll({ ...c, startTls: true, tlsInsecureSkipVerify: true }));
    expect(result.code).toBe('DIR_TIMEOUT');
    expect(result.message).toMatch(/StartTLS/);
  });

  it('the root DSE read (ldapts client) of a server that accepts and stalls fails with DIR_TIMEOUT', async () => {
    const result = await outcome(stallAfterAccept, async (c) => {
      const source = createLdapSource(c, logger);
      try {
        await source.currentCursor();
      } finally {
        await source.close();
      }
    });
    expect(result.code).toBe('DIR_TIMEOUT');
    expect(result.ms).toBeLessThan(TIMEOUT_MS + 1_000);
  });

  it('an RFC 4533 refresh for deletes that never ends fails with DIR_TIMEOUT', async () => {
    const result = await outcome(stallMidSearch(0), (c) => readRefreshDeletes({ config: c, logger, base: 'dc=example,dc=org', filter: '(objectClass=*)', sinceCsn: '20260101000000.000000Z#000000#000#000000' }));
    expect(result.code).toBe('DIR_TIMEOUT');
    expect(result.ms).toBeLessThan(TIMEOUT_MS + 1_000);
  });

  it('a 389-DS contentsync refresh answered with garbage fails with DIR_PROTOCOL_ERROR, one never answered with DIR_TIMEOUT', async () => {
    expect((await outcome(garbageToSearch, (c) => fetchCookies(c, logger, ['dc=example,dc=org'], '(objectClass=*)'))).code).toBe('DIR_PROTOCOL_ERROR');
    await server?.stop();
    expect((await outcome(stallMidSearch(0), (c) => fetchCookies(c, logger, ['dc=example,dc=org'], '(objectClass=*)'))).code).toBe('DIR_TIMEOUT');
  });

  it('the push watch reports a server that went silent after its refresh (the liveness probe goes unanswered) with DIR_TIMEOUT', async () => {
    server = await startMisbehavingLdapServer(silentAfterRefresh);
    const errors: unknown[] = [];
    const started = Date.now();
    const stop = startSyncreplWatch({ config: config(server.url), logger, filter: '(objectClass=*)', inScope: () => true, onChange: () => undefined, onError: (error) => errors.push(error) });
    try {
      while (errors.length === 0 && Date.now() - started < 5_000) await new Promise((r) => setTimeout(r, 20));
    } finally {
      stop();
    }
    expect(errors.map((e) => (isAppError(e) ? e.code : String(e)))[0]).toBe('DIR_TIMEOUT');
    expect((errors[0] as Error).message).toMatch(/liveness probe/);
    // The probe was sent: the server saw a "Who am I?" extended request after the search.
    expect(server.received.some((r) => r.op === OP.extended)).toBe(true);
    expect(Date.now() - started).toBeLessThan(3 * TIMEOUT_MS + 1_000);
  });

  it('a watch whose server answers the probe stays up without errors', async () => {
    server = await startMisbehavingLdapServer(
      afterBind((request, reply) => {
        silentAfterRefresh(request, reply, undefined as never);
        if (request.op === OP.extended) reply(extendedResponseMessage(request.messageId));
      }),
    );
    const errors: unknown[] = [];
    const stop = startSyncreplWatch({ config: config(server.url), logger, filter: '(objectClass=*)', inScope: () => true, onChange: () => undefined, onError: (error) => errors.push(error) });
    await new Promise((r) => setTimeout(r, 5 * TIMEOUT_MS));
    stop();
    expect(errors).toEqual([]);
    expect(server.received.filter((r) => r.op === OP.extended).length).toBeGreaterThanOrEqual(2);
  });
});

/**
 * The bundled sample never takes a real directory's place (issue 15, harm 3): an agent with no
 * source is refused before it registers or sends anything; an all-in-one that synced a real slapd
 * and is restarted without its source flags is refused, and the real users stay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSlapd, type Slapd } from '../support/slapd.js';
import { eventually } from '../support/all-in-one.js';
import { startAllInOne } from '../../src/cli/all-in-one.js';
import { buildAgent } from '../../src/cli/agent-wiring.js';
import { loadConfig } from '../../src/config/load.js';
import { openStore } from '../../src/tenant/store/open-store.js';
import { bootstrapTenant, startTenantService } from '../../src/tenant/service.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { isAppError } from '../../src/shared/errors.js';

const SUFFIX = 'dc=example,dc=test';
const ssha = (password: string) => execFileSync('slappasswd', ['-h', '{SSHA}', '-s', password], { encoding: 'utf8' }).trim();
const person = (uid: string) => `dn: uid=${uid},ou=people,${SUFFIX}\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${uid} Person\nsn: Person\nmail: ${uid}@example.test\nuserPassword: ${ssha(`Pw-${uid}-1`)}\n`;
const REAL = ['ann', 'bob', 'cas'];

describe('source binding', () => {
  let slapd: Slapd;
  const { logger } = createMemoryLogger('warn');

  beforeAll(async () => {
    slapd = await startSlapd({ suffix: SUFFIX, ldif: [`dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people\n`, ...REAL.map(person)].join('\n') });
  });
  afterAll(async () => { await slapd?.stop(); });

  const upnsIn = async (dataDir: string) => {
    const store = await openStore({ dataDir });
    try {
      return (await store.forTenant('default').listUsers({ page: 1, pageSize: 200 })).items.map((u) => u.userPrincipalName).sort();
    } finally {
      await store.close();
    }
  };

  it('refuses an agent with no source before it registers, and the tenant gets nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dirbridge-binding-agent-'));
    const store = await openStore({ dataDir });
    await store.migrate();
    await bootstrapTenant(store, 'default', { initialAdminPassword: 'Binding-admin-password-1' });
    const service = await startTenantService({ store, tenantId: 'default', port: 0, host: '127.0.0.1', logger, version: 'test' });
    let tokensAsked = 0;
    try {
      const config = loadConfig({ env: {}, overrides: { tenant: { dataDir: join(dataDir, 'agent-host') } } });
      const error = await buildAgent(config, logger, { tenantUrl: service.url, createToken: async () => { tokensAsked++; return 'unused'; } }).then(() => null, (e: unknown) => e);
      expect(isAppError(error, 'SOURCE_MISSING')).toBe(true);
      expect((error as Error).message).toMatch(/an agent synchronizes only the source it is given/);
      expect(tokensAsked).toBe(0);
      expect((await store.forTenant('default').listUsers({ page: 1, pageSize: 10 })).total).toBe(0);
    } finally {
      await service.close();
      await store.close();
    }
  });

  it('refuses to restart an LDAP-synced all-in-one without its source, and the real users stay', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dirbridge-binding-aio-'));
    const passwordFile = join(dataDir, 'bind-password');
    writeFileSync(passwordFile, slapd.syncPw, { mode: 0o600 });
    const tenant = { port: 0, host: '127.0.0.1', dataDir, initialAdminPassword: 'Binding-admin-password-1' };
    const intervals = { heartbeatSeconds: 1, deltaMinutes: 60, fullHours: 24, passwordMinutes: 60 };
    const ldapSource = { type: 'ldap', url: slapd.url, bindDn: slapd.syncDn, bindPasswordFile: passwordFile, baseDns: [SUFFIX] };

    const first = await startAllInOne(loadConfig({ env: {}, overrides: { tenant, agent: { source: ldapSource, intervals } } }), logger);
    try {
      await eventually(async () => expect(await upnsIn(dataDir).catch(() => [])).toEqual(REAL.map((u) => `${u}@example.test`)), 30_000);
    } finally {
      await first.stop();
    }
    expect(JSON.parse(readFileSync(join(dataDir, 'agent', 'source.json'), 'utf8'))).toMatchObject({ kind: 'ldap', url: slapd.url });

    // The restart forgot its source flags: refused, naming the source to give again.
    const error = await startAllInOne(loadConfig({ env: {}, overrides: { tenant, agent: { intervals } } }), logger).then(async (running) => { await running.stop(); return null; }, (e: unknown) => e);
    expect(isAppError(error, 'SOURCE_MISSING')).toBe(true);
    expect((error as { hint?: string }).hint).toContain(`--source-url ${slapd.url}`);
    // A different source is refused too.
    const ldif = join(dataDir, 'other.ldif');
    writeFileSync(ldif, readFileSync(new URL('../../sample/directory.ldif', import.meta.url)));
    const changed = await startAllInOne(loadConfig({ env: {}, overrides: { tenant, agent: { source: { type: 'ldif', path: ldif }, intervals } } }), logger).then(async (running) => { await running.stop(); return null; }, (e: unknown) => e);
    expect(isAppError(changed, 'SOURCE_CHANGED')).toBe(true);

    expect(await upnsIn(dataDir)).toEqual(REAL.map((u) => `${u}@example.test`));
  });
});

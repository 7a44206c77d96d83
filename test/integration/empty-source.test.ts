/**
 * A source read that fails or returns nothing never deletes (issue 15, harm 4): the sample
 * directory synced from an LDIF file, then the file overwritten with binary garbage, then emptied.
 * The tenant's thresholds are set so they would let every delete through: the guard on the read
 * alone holds them, and the status says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAgent, type RunningAgent } from '../../src/cli/agent-wiring.js';
import { createRegistrationToken } from '../../src/cli/all-in-one.js';
import { loadConfig } from '../../src/config/load.js';
import { openStore } from '../../src/tenant/store/open-store.js';
import { bootstrapTenant, startTenantService } from '../../src/tenant/service.js';
import { computeDirSyncStatus } from '../../src/tenant/domain/status.js';
import { loadStatusInput } from '../../src/tenant/status-input.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import type { TenantStore } from '../../src/tenant/store/ports.js';

const sampleLdif = fileURLToPath(new URL('../../sample/directory.ldif', import.meta.url));

describe('a source that reads as nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dirbridge-empty-source-'));
  const ldif = join(dir, 'directory.ldif');
  const { logger } = createMemoryLogger('warn');
  let store: TenantStore;
  let service: Awaited<ReturnType<typeof startTenantService>>;
  let agent: RunningAgent;
  let synced = 0;

  beforeAll(async () => {
    copyFileSync(sampleLdif, ldif);
    store = await openStore({ dataDir: join(dir, 'tenant') });
    await store.migrate();
    await bootstrapTenant(store, 'default', { initialAdminPassword: 'Empty-source-password-1' });
    service = await startTenantService({ store, tenantId: 'default', port: 0, host: '127.0.0.1', logger, version: 'test' });
    const config = loadConfig({ env: {}, overrides: { tenant: { dataDir: join(dir, 'agent-host') }, agent: { source: { type: 'ldif', path: ldif, settleMs: 0 } } } });
    agent = await buildAgent(config, logger, { tenantUrl: service.url, createToken: () => createRegistrationToken(store, 'default', 'test') });
    await agent.agent.connect();
    // The sample holds a few entries in error on purpose: 'partial'.
    expect(['success', 'partial']).toContain((await agent.agent.syncDirectory('full'))?.outcome);
    synced = (await repo().listUsers({ page: 1, pageSize: 1 })).total;
    expect(synced).toBeGreaterThan(10);
    // Thresholds that would let every delete through.
    await repo().updateSettings({ deleteThreshold: 100_000, deleteThresholdPercent: 0 });
    await agent.agent.connect();
  });
  afterAll(async () => {
    await agent?.stop();
    await service?.close();
    await store?.close();
  });

  const repo = () => store.forTenant('default');
  const users = async () => (await repo().listUsers({ page: 1, pageSize: 1 })).total;
  const status = async () => computeDirSyncStatus(await loadStatusInput(repo(), 5), new Date());
  const replace = (bytes: Buffer) => { writeFileSync(`${ldif}.new`, bytes); renameSync(`${ldif}.new`, ldif); };

  it.each(['full', 'delta'] as const)('LDIF overwritten with binary garbage: a %s cycle fails, deletes nothing, and the status says why', async (mode) => {
    replace(randomBytes(64 * 1024));
    const result = await agent.agent.syncDirectory(mode);
    expect(result?.outcome).toBe('failed');
    expect(result?.counts.deleted).toBe(0);
    expect(await users()).toBe(synced);
    const warnings = (await status()).warnings;
    expect(warnings.find((w) => w.code === 'LAST_CYCLE_FAILED')?.message).toMatch(/LDIF_FILE_UNREADABLE/);
    // The run's facts reach the tenant by name, for the admin's language (issue 15).
    expect((await repo().lastRun('directory'))?.errorParams).toEqual({ form: 'notUtf8', file: ldif });
  });

  it.each(['full', 'delta'] as const)('LDIF emptied: a %s cycle holds every delete, and the status names the empty read', async (mode) => {
    replace(Buffer.from('version: 1\n# nobody left\n'));
    const result = await agent.agent.syncDirectory(mode);
    expect(result?.outcome).toBe('blocked');
    expect(result?.failure?.code).toBe('SOURCE_READ_EMPTY');
    expect(result?.counts.deleted).toBe(0);
    expect(await users()).toBe(synced);
    // Shown as itself, not as a threshold to raise.
    const warnings = (await status()).warnings;
    expect(warnings.map((w) => w.code)).not.toContain('DELETE_THRESHOLD_EXCEEDED');
    expect(warnings.find((w) => w.code === 'SOURCE_READ_EMPTY')?.message).toMatch(/read no objects from the source.*Check the source/);
    expect((await status()).pendingDeletes).toBeGreaterThanOrEqual(synced);
    const facts = (await repo().lastRun('directory'))?.errorParams;
    expect(facts).toEqual({ read: 0, deletes: (await status()).pendingDeletes });
  });

  it('the file restored: the next cycle is whole again and deleted nothing', async () => {
    copyFileSync(sampleLdif, `${ldif}.new`);
    renameSync(`${ldif}.new`, ldif);
    const result = await agent.agent.syncDirectory('full');
    expect(['success', 'partial']).toContain(result?.outcome);
    expect(result?.counts.deleted).toBe(0);
    expect(await users()).toBe(synced);
  });
});

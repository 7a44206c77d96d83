/**
 * A tenant service on a real store (SQLite file or PostgreSQL database) plus an agent built the way
 * the CLI builds it, pointed at a real slapd (or 389-DS). Tests drive the agent's cycles one by one, or start
 * its loops to measure push latency.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestStore, type StoreKind, type TestStore } from '../integration/store/test-stores.js';
import { startTenantService, bootstrapTenant } from '../../src/tenant/service.js';
import { createRegistrationToken } from '../../src/cli/all-in-one.js';
import { buildAgent, type RunningAgent } from '../../src/cli/agent-wiring.js';
import { loadConfig } from '../../src/config/load.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import type { TenantRepository } from '../../src/tenant/store/ports.js';
import type { Slapd } from './slapd.js';

export interface SyncHarness {
  store: TestStore;
  repo: TenantRepository;
  url: string;
  logs: string[];
  /** An agent for the directory server with the given source settings (merged over a default that reads the whole suffix). */
  agent(source?: Record<string, unknown>, extra?: { intervals?: Record<string, number>; mapping?: Record<string, unknown>; stateDir?: string }): Promise<RunningAgent>;
  close(): Promise<void>;
}

/** What the harness needs of a directory server: slapd.ts and dirsrv.ts both provide it. */
export type HarnessDirectory = Pick<Slapd, 'url' | 'syncDn' | 'syncPw' | 'suffix'>;

export async function startSyncHarness(kind: StoreKind, slapd: HarnessDirectory): Promise<SyncHarness> {
  const store = await createTestStore(kind);
  const { logger, lines } = createMemoryLogger('info');
  await bootstrapTenant(store.store, 'default', { initialAdminPassword: 'Harness-admin-password-1' });
  const service = await startTenantService({ store: store.store, tenantId: 'default', port: 0, host: '127.0.0.1', logger, version: 'test', leaseTtlSeconds: 2 });
  const repo = store.store.forTenant('default');
  const dir = mkdtempSync(join(tmpdir(), 'dirbridge-harness-'));
  const passwordFile = join(dir, 'bind-password');
  writeFileSync(passwordFile, slapd.syncPw, { mode: 0o600 });
  const agents: RunningAgent[] = [];
  let n = 0;
  return {
    store,
    repo,
    url: service.url,
    logs: lines,
    async agent(source = {}, extra = {}) {
      const config = loadConfig({
        env: {},
        overrides: {
          tenant: { dataDir: join(dir, `agent-${++n}`) },
          agent: {
            tenantUrl: service.url,
            // A restart is a new agent on the same state folder.
            ...(extra.stateDir ? { stateDir: extra.stateDir } : {}),
            source: { type: 'ldap', url: slapd.url, bindDn: slapd.syncDn, bindPasswordFile: passwordFile, baseDns: [slapd.suffix], ...source },
            intervals: { heartbeatSeconds: 1, deltaMinutes: 60, fullHours: 24, passwordMinutes: 60, ...extra.intervals },
            mapping: extra.mapping ?? {},
          },
        },
      });
      const running = await buildAgent(config, logger.child({ part: 'agent' }), {
        tenantUrl: service.url,
        createToken: () => createRegistrationToken(store.store, 'default', 'test'),
      });
      agents.push(running);
      return running;
    },
    async close() {
      for (const a of agents) await a.stop().catch(() => undefined);
      await service.close();
      await store.cleanup();
    },
  };
}

/**
 * Resolves once the started agent's directory watch has delivered a change: `poke(n)` makes one in
 * scope, again every half second until the agent hears of one. Waiting for that event, not for a
 * fixed sleep, is what tells a test the watch is up on a loaded machine.
 */
export async function untilWatching(agent: RunningAgent, poke: (n: number) => void, timeoutMs = 60_000): Promise<void> {
  const target = agent.agent as unknown as { onSourceChange: () => void };
  const original = target.onSourceChange;
  let heard = 0;
  target.onSourceChange = function (this: unknown) { heard++; original.call(this); };
  try {
    const deadline = Date.now() + timeoutMs;
    for (let n = 0; heard === 0; n++) {
      if (Date.now() > deadline) throw new Error(`the agent's watch reported no change within ${timeoutMs} ms`);
      poke(n);
      for (let i = 0; i < 10 && heard === 0; i++) await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    delete (target as { onSourceChange?: unknown }).onSourceChange;
  }
}

/**
 * One process of the benchmark, forked by scripts/bench.ts with an IPC channel: `tenant` (a store
 * plus the tenant service) or `agent` (an agent built the way the CLI builds it). Separate
 * processes so the benchmark reports each one's peak RSS. The parent sends
 * { id, cmd, args } and gets { id, result } or { id, error } back.
 *
 * It runs compiled (dist/bench/bench-child.js), as dirbridge ships, and each role loads only its
 * own modules, so an agent's figures carry neither a TypeScript loader nor the tenant's code.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { TenantRepository, TenantStore, TenantSettings } from '../tenant/store/ports.js';
import type { RunningTenantService } from '../tenant/service.js';
import type { RunningAgent } from '../cli/agent-wiring.js';
import { createLogger } from '../shared/logger.js';
import { newId, sha256Hex } from '../shared/ids.js';
import type { ObjectChange } from '../sync/model.js';

type Handler = (args: any) => Promise<unknown>;

const TENANT_ID = 'default';
// Warnings and errors only, to stderr: the parent prints the table on stdout.
const logger = createLogger({ level: process.env['DIRBRIDGE_LOG_LEVEL'] ?? 'warn', destination: process.stderr });

function serve(handlers: Record<string, Handler>): void {
  process.on('message', (message: { id: number; cmd: string; args?: unknown }) => {
    const handler = handlers[message.cmd];
    const reply = (payload: object): void => {
      process.send?.({ id: message.id, ...payload });
    };
    if (!handler) {
      reply({ error: `unknown command ${message.cmd}` });
      return;
    }
    handler(message.args ?? {}).then(
      (result) => reply({ result: result ?? null }),
      (error: unknown) => reply({ error: error instanceof Error ? `${error.message}` : String(error) }),
    );
  });
  process.send?.({ ready: true });
}

const maxRssMb = (): number => process.resourceUsage().maxRSS / 1024;

/** What either role reports of its own process: peak RSS, and CPU time (user + system) so far. */
const processFigures: Record<'rss' | 'cpu', Handler> = {
  async rss() {
    return { maxRssMb: maxRssMb() };
  },
  async cpu() {
    const { user, system } = process.cpuUsage();
    return { seconds: (user + system) / 1e6 };
  },
};

async function tenantRole(): Promise<void> {
  const { openStore } = await import('../tenant/store/open-store.js');
  const { bootstrapTenant, startTenantService } = await import('../tenant/service.js');
  const { createRegistrationToken } = await import('../cli/all-in-one.js');
  let store: TenantStore | undefined;
  let service: RunningTenantService | undefined;
  let repo: TenantRepository | undefined;
  let bulkAgentId: string | undefined;
  let loopDelay: IntervalHistogram | undefined;
  const need = (): TenantRepository => {
    if (!repo) throw new Error('tenant not initialized');
    return repo;
  };
  serve({
    async init(args: { databaseUrl?: string; dataDir: string; adminPassword: string; settings?: Partial<TenantSettings> }) {
      store = await openStore(args.databaseUrl ? { databaseUrl: args.databaseUrl, dataDir: args.dataDir } : { dataDir: args.dataDir });
      await bootstrapTenant(store, TENANT_ID, { initialAdminPassword: args.adminPassword });
      repo = store.forTenant(TENANT_ID);
      if (args.settings) await repo.updateSettings(args.settings);
      service = await startTenantService({ store, tenantId: TENANT_ID, port: 0, host: '127.0.0.1', logger, version: 'bench' });
      return { url: service.url };
    },
    async token() {
      if (!store) throw new Error('tenant not initialized');
      return { token: await createRegistrationToken(store, TENANT_ID, 'bench') };
    },
    async settings(patch: Partial<TenantSettings>) {
      await need().updateSettings(patch);
      return null;
    },
    async counts() {
      const r = need();
      const users = await r.countUsers();
      let groups = 0;
      let memberships = 0;
      for (let page = 1; ; page++) {
        const result = await r.listGroups({ page, pageSize: 1000 });
        groups = result.total;
        for (const g of result.items) memberships += g.memberCount;
        if (result.items.length < 1000) break;
      }
      return { users, groups, memberships };
    },
    async displayName(args: { search: string }) {
      const result = await need().listUsers({ search: args.search, page: 1, pageSize: 5 });
      return { total: result.total, displayName: result.items[0]?.displayName ?? null };
    },
    /** A stamp of a user's verifiers (changes when a new verifier arrives); never the verifier itself. */
    async verifierStamp(args: { username: string }) {
      const user = await need().findUserForSignIn(args.username);
      if (!user || user.verifiers.length === 0) return { stamp: null };
      return { stamp: sha256Hex(JSON.stringify(user.verifiers)).slice(0, 16) };
    },
    /** Synthetic users straight through the store's batch API, in batches of `chunk`. */
    async bulkInsert(args: { count: number; chunk: number; suffix: string }) {
      const r = need();
      const agentId = newId();
      bulkAgentId = agentId;
      const tokenHash = sha256Hex(randomBytes(16).toString('hex'));
      await r.createRegistrationToken({ id: newId(), tokenHash, createdBy: 'bench', expiresAt: new Date(Date.now() + 3_600_000), usedAt: null });
      await r.redeemRegistrationToken(tokenHash, new Date(), { id: agentId, host: 'bench-bulk', version: 'bench', credentialHash: sha256Hex(randomBytes(16).toString('hex')), createdAt: new Date() });
      const started = performance.now();
      for (let from = 0; from < args.count; from += args.chunk) {
        const changes: ObjectChange[] = [];
        for (let i = from; i < Math.min(args.count, from + args.chunk); i++) {
          const uid = `s${String(i).padStart(7, '0')}`;
          changes.push({
            op: 'upsert',
            object: {
              kind: 'user', anchor: `bench-${String(i).padStart(8, '0')}`, dn: `uid=${uid},ou=scale,${args.suffix}`,
              userPrincipalName: `${uid}@scale.example.test`, displayName: `Scale User ${i}`, givenName: 'Scale', surname: `User ${i}`,
              mail: `${uid}@scale.example.test`, otherMails: [], enabled: i % 20 !== 0,
            },
          });
        }
        const result = await r.applyObjectBatch(newId(), agentId, changes, new Date());
        if (result.errors.length > 0) throw new Error(`bulk insert: ${result.errors.length} objects rejected, first: ${result.errors[0]?.code}`);
        if (process.send && from % (args.chunk * 20) === 0) process.send({ progress: Math.min(args.count, from + args.chunk) });
      }
      return { seconds: (performance.now() - started) / 1000 };
    },
    /** The KDF parameters new verifiers must carry (the tenant accepts no others). */
    async kdfParams() {
      return (await need().getSettings()).kdfParams;
    },
    /** Verifiers for users made by bulkInsert, as the agent would send them (one password batch). */
    async setVerifiers(args: { items: Array<{ anchor: string; verifiers: unknown[] }> }) {
      if (!bulkAgentId) throw new Error('setVerifiers needs bulkInsert first');
      const result = await need().applyPasswordBatch(newId(), bulkAgentId, args.items.map((i) => ({ op: 'set' as const, anchor: i.anchor, verifiers: i.verifiers as never })), new Date());
      if (result.errors.length > 0) throw new Error(`setVerifiers: ${result.errors.length} rejected, first: ${result.errors[0]?.code}`);
      return null;
    },
    /** This process's event-loop delay (perf_hooks), between loopDelayStart and loopDelayStop, in ms. */
    async loopDelayStart() {
      loopDelay?.disable();
      loopDelay = monitorEventLoopDelay({ resolution: 10 });
      loopDelay.enable();
      return null;
    },
    async loopDelayStop() {
      if (!loopDelay) throw new Error('loopDelayStart first');
      loopDelay.disable();
      const h = loopDelay;
      loopDelay = undefined;
      return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6, samples: h.count };
    },
    ...processFigures,
    async stop() {
      await service?.close();
      await store?.close();
      setImmediate(() => process.exit(0));
      return null;
    },
  });
}

async function agentRole(): Promise<void> {
  const { buildAgent } = await import('../cli/agent-wiring.js');
  const { loadConfig } = await import('../config/load.js');
  const { createDerivationPool, DEFAULT_KDF_PARAMS } = await import('../passwords/index.js');
  let running: RunningAgent | undefined;
  const need = (): RunningAgent => {
    if (!running) throw new Error('agent not initialized');
    return running;
  };
  serve({
    async init(args: { tenantUrl: string; token: string; stateDir: string; ldapUrl: string; bindDn: string; bindPassword: string; baseDn: string; filter?: string }) {
      mkdirSync(args.stateDir, { recursive: true });
      const passwordFile = join(args.stateDir, 'bind-password');
      writeFileSync(passwordFile, args.bindPassword, { mode: 0o600 });
      const config = loadConfig({
        env: {},
        overrides: {
          tenant: { dataDir: args.stateDir },
          agent: {
            tenantUrl: args.tenantUrl,
            registrationToken: args.token,
            stateDir: join(args.stateDir, 'agent'),
            host: 'bench-agent',
            source: { type: 'ldap', url: args.ldapUrl, bindDn: args.bindDn, bindPasswordFile: passwordFile, baseDns: [args.baseDn], ...(args.filter ? { filter: args.filter } : {}) },
            intervals: { heartbeatSeconds: 1, deltaMinutes: 1440, fullHours: 720, passwordMinutes: 1440 },
          },
        },
      });
      running = await buildAgent(config, logger.child({ part: 'agent' }), { tenantUrl: args.tenantUrl });
      const settings = await running.agent.connect();
      return { active: settings?.active ?? false };
    },
    async connect() {
      const settings = await need().agent.connect();
      return { active: settings?.active ?? false, passwordSyncEnabled: settings?.passwordSyncEnabled ?? false };
    },
    async sync(args: { mode: 'full' | 'delta' }) {
      // Sampled during the cycle, to tell the JavaScript heap (what the engine keeps) from the rest of the RSS.
      let peakHeapMb = 0;
      const sample = (): void => {
        peakHeapMb = Math.max(peakHeapMb, process.memoryUsage().heapUsed / 2 ** 20);
      };
      const sampler = setInterval(sample, 100);
      const started = performance.now();
      const result = await need().agent.syncDirectory(args.mode).finally(() => clearInterval(sampler));
      const seconds = (performance.now() - started) / 1000;
      sample();
      if (!result) throw new Error('the directory cycle did not run (agent not active or directory sync off)');
      return { seconds, mode: result.mode, outcome: result.outcome, counts: result.counts, errors: result.errors.length, failure: result.failure?.code ?? null, maxRssMb: maxRssMb(), peakHeapMb };
    },
    async passwords(args: { mode: 'full' | 'delta' | 'persist' }) {
      const started = performance.now();
      const result = await need().agent.syncPasswords(args.mode);
      const seconds = (performance.now() - started) / 1000;
      if (!result) throw new Error('the password cycle did not run (agent not active or password sync off)');
      return { seconds, mode: result.mode, outcome: result.outcome, counts: result.counts, errors: result.errors.length, failure: result.failure?.code ?? null };
    },
    async start() {
      await need().agent.start();
      return null;
    },
    /** The running password cycle's progress (null when none runs). */
    async passwordProgress() {
      return need().agent.currentPasswordProgress;
    },
    /** Stops the agent's loops (its cycles and heartbeats), so they do not compete with a measurement. */
    async stopLoops() {
      await need().agent.stop();
      return null;
    },
    /** The raw KDF rate: `count` scrypt derivations at the tenant's parameters through a worker pool of all cores. */
    async kdf(args: { count: number }) {
      const pool = createDerivationPool();
      try {
        // Warm the workers up first (thread start, module load), as the agent's long-lived pool is.
        await Promise.all(Array.from({ length: pool.size }, () => pool.derive({ scheme: 'SSHA', params: { salt: randomBytes(8).toString('base64') }, digest: randomBytes(20) }, DEFAULT_KDF_PARAMS)));
        const started = performance.now();
        await Promise.all(Array.from({ length: args.count }, () => pool.derive({ scheme: 'SSHA', params: { salt: randomBytes(8).toString('base64') }, digest: randomBytes(20) }, DEFAULT_KDF_PARAMS)));
        const seconds = (performance.now() - started) / 1000;
        return { seconds, perSecond: args.count / seconds, workers: pool.size };
      } finally {
        await pool.close();
      }
    },
    ...processFigures,
    async stop() {
      await running?.stop();
      setImmediate(() => process.exit(0));
      return null;
    },
  });
}

const role = process.argv[2];
if (role === 'tenant') await tenantRole();
else if (role === 'agent') await agentRole();
else {
  process.stderr.write('usage: bench-child.ts tenant|agent (forked by scripts/bench.ts)\n');
  process.exit(2);
}

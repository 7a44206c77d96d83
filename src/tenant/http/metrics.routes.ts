/**
 * Operations endpoints: /livez (the process answers), /healthz (store reachable) and /metrics in the Prometheus text format
 * (hand-written: six series do not need a client library). Run counters count the reports this
 * process received, the usual counter semantics behind a load balancer (sum over replicas);
 * the gauges are read from the store on each scrape.
 */
import type { SyncRunKind, SyncRunOutcome } from '../../sync/model.js';
import type { TenantAppContext } from './context.js';
import { route, type RouteSpec } from './route.js';

const KINDS: SyncRunKind[] = ['directory', 'password'];
const OUTCOMES: SyncRunOutcome[] = ['success', 'partial', 'failed', 'blocked'];

export class RunCounters {
  private readonly counts = new Map<string, number>();

  increment(kind: SyncRunKind, outcome: SyncRunOutcome): void {
    const key = `${kind}|${outcome}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  get(kind: SyncRunKind, outcome: SyncRunOutcome): number {
    return this.counts.get(`${kind}|${outcome}`) ?? 0;
  }
}

function gauge(lines: string[], name: string, help: string, value: number | null): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
  // Absent rather than 0 when unknown: "never" must not look like "just now".
  if (value !== null) lines.push(`${name} ${Number.isFinite(value) ? String(value) : 'NaN'}`);
}

export function metricsRoutes(ctx: TenantAppContext): RouteSpec[] {
  const { store, repo, clock } = ctx;
  return [
    route({
      method: 'GET', url: '/livez', tag: 'operations', auth: 'none',
      summary: 'Liveness: 200 {status:"ok"} as soon as the event loop gets to the request. Touches neither the store nor the password pool, so its latency is the event-loop delay (liveness probes; /healthz is the readiness probe).',
      // Nothing here may wait on anything: a probe that waits on the store says nothing about the loop.
      handler: () => Promise.resolve({ status: 'ok' }),
    }),
    route({
      method: 'GET', url: '/healthz', tag: 'operations', auth: 'none',
      summary: 'Readiness: the store answers a ping: 200 {status:"ok"} or 503 {status:"unavailable"}. Waits on the store; for liveness use /livez.',
      handler: async ({ reply, req }) => {
        try {
          await store.ping();
          return { status: 'ok' };
        } catch (error) {
          req.log.error({ err: error }, 'store ping failed');
          return reply.code(503).send({ status: 'unavailable' });
        }
      },
    }),
    route({
      method: 'GET', url: '/metrics', tag: 'operations', auth: 'none', produces: 'text/plain; version=0.0.4; charset=utf-8',
      summary: 'Prometheus metrics: sync runs, seconds since the last directory and password sync, objects in error, users, agents.',
      handler: async () => {
        const now = clock.now().getTime();
        const [lastDirectory, lastPassword, errors, users, agents] = await Promise.all([
          repo.lastSuccessfulRun('directory'), repo.lastSuccessfulRun('password'), repo.countSyncErrors(), repo.countUsers(), repo.listAgents(),
        ]);
        const lines: string[] = [
          '# HELP dirbridge_sync_runs_total Sync cycles reported by agents to this process, by kind and outcome.',
          '# TYPE dirbridge_sync_runs_total counter',
        ];
        for (const kind of KINDS) for (const outcome of OUTCOMES) {
          lines.push(`dirbridge_sync_runs_total{kind="${kind}",outcome="${outcome}"} ${ctx.runCounters.get(kind, outcome)}`);
        }
        const since = (at: Date | undefined) => (at ? Math.max(0, (now - at.getTime()) / 1000) : null);
        gauge(lines, 'dirbridge_seconds_since_last_directory_sync', 'Seconds since the last successful directory sync (absent when never).', since(lastDirectory?.finishedAt));
        gauge(lines, 'dirbridge_seconds_since_last_password_sync', 'Seconds since the last successful password sync (absent when never).', since(lastPassword?.finishedAt));
        gauge(lines, 'dirbridge_objects_in_error', 'Objects with a sync error.', errors);
        gauge(lines, 'dirbridge_users', 'Users in the tenant.', users);
        gauge(lines, 'dirbridge_agents', 'Registered agents.', agents.length);
        return `${lines.join('\n')}\n`;
      },
    }),
  ];
}

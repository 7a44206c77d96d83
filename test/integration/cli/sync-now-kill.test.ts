/**
 * Issue 10/15: an interrupted "Sync now", with real processes. A real tenant (`dirbridge serve`)
 * and a real agent (`dirbridge agent`) syncing an LDIF file; an admin asks for Sync now through
 * the DirSync management API; while the request runs the agent process is SIGKILLed. The API then
 * says the request was interrupted — the agent went offline (AGENT_OFFLINE), and once it is
 * started again, that its restart closed it (AGENT_RESTARTED) — and a new Sync now completes.
 *
 * The request is held running without timing luck: the agent reads the LDIF file only once it
 * has stopped changing (settleMs), so the test keeps touching the file while it wants the read to
 * wait, and stops touching it to let the cycle through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { SyncNowView } from '../../../src/tenant/api/dirsync-manage-contract.js';
import type { DirSyncStatus } from '../../../src/tenant/api/contract.js';
import { AdminApi } from '../../support/admin-api.js';
import { eventually } from '../../support/all-in-one.js';
import { cleanEnv, cli, repoRoot, requireBuilt, spawnCli, type LongRunning } from './harness.js';

const ADMIN_PASSWORD = 'Sync-now-kill-admin-1';

describe('Sync now interrupted by a SIGKILL of the agent (real processes)', () => {
  let dir: string;
  let tenantDir: string;
  let ldif: string;
  let serve: LongRunning;
  let tenantUrl: string;
  let agentArgs: string[];
  let agent: LongRunning | null = null;
  let toucher: NodeJS.Timeout | null = null;
  const env = cleanEnv({ DIRBRIDGE_INITIAL_ADMIN_PASSWORD: ADMIN_PASSWORD });

  const admin = () => AdminApi.signIn(tenantUrl, 'admin', ADMIN_PASSWORD);
  const syncNow = async (api: AdminApi) => api.get<SyncNowView>('/api/v1/dirsync/sync-now');
  /** Keeps the LDIF file "being written", so the agent's read waits (up to 20 × settleMs). */
  const holdReads = () => {
    toucher = setInterval(() => { const now = new Date(); utimesSync(ldif, now, now); }, 200);
  };
  const releaseReads = () => {
    if (toucher) clearInterval(toucher);
    toucher = null;
  };

  beforeAll(async () => {
    requireBuilt();
    dir = mkdtempSync(join(tmpdir(), 'dirbridge-syncnow-kill-'));
    tenantDir = join(dir, 'tenant');
    ldif = join(dir, 'directory.ldif');
    copyFileSync(join(repoRoot, 'sample', 'directory.ldif'), ldif);
    serve = spawnCli(['serve', '--data-dir', tenantDir, '--port', '0', '--host', '127.0.0.1'], env);
    tenantUrl = (await serve.waitFor(/Admin center: (http:\/\/\S+?)\/?\s/))[1]!;
    const created = await cli(['token', 'create', '--data-dir', tenantDir], env);
    expect(created.code, created.stderr).toBe(0);
    const token = /^\s+(\S{20,})$/m.exec(created.stdout)![1]!;
    const config = join(dir, 'agent.yaml');
    // A quick heartbeat, so the request is handed over and the killed agent shows offline soon
    // (3 missed heartbeats, at least 10 s); settleMs 2 s: a read waits up to 40 s for a quiet file.
    writeFileSync(config, stringify({
      agent: { host: 'dc-kill.example.org', source: { type: 'ldif', path: ldif, settleMs: 2000 }, intervals: { heartbeatSeconds: 1, deltaMinutes: 60, fullHours: 24, passwordMinutes: 60 } },
    }));
    agentArgs = ['agent', '--config', config, '--tenant-url', tenantUrl, '--token', token, '--data-dir', join(dir, 'agent')];
  }, 180_000);

  afterAll(async () => {
    releaseReads();
    await agent?.stop();
    await serve?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the request interrupted (AGENT_OFFLINE, then AGENT_RESTARTED) and a new Sync now completes after the restart', async () => {
    agent = spawnCli(agentArgs, env);
    const api = await admin();
    // The first cycle has run: the agent is started and takes requests.
    await eventually(async () => (await api.get<DirSyncStatus>('/api/v1/dirsync/status')).lastDirectorySync ?? undefined, 60_000, 'the first directory sync');

    holdReads();
    const requested = await api.request<SyncNowView>('POST', '/api/v1/dirsync/sync-now', { mode: 'full' });
    expect(requested.status).toBe(202);
    const running = await eventually(async () => {
      const view = await syncNow(api);
      return view.status === 'running' ? view : undefined;
    }, 30_000, 'the agent to take the Sync now request');
    expect(running).toMatchObject({ mode: 'full', requestedBy: 'admin', agentHost: 'dc-kill.example.org', interruption: null });

    await agent.stop('SIGKILL');
    agent = null;
    releaseReads();
    // The agent died mid-request: it never says "done", and the request must not stay "running".
    const offline = await eventually(async () => {
      const view = await syncNow(api);
      return view.status === 'running' ? undefined : view;
    }, 40_000, 'the killed request to stop showing as running');
    expect(offline).toMatchObject({ status: 'interrupted', interruption: 'AGENT_OFFLINE', requestedAt: running.requestedAt, finishedAt: null });
    // A second Sync now is not handed to a dead agent either, and the killed one is not re-run by the restart.
    agent = spawnCli(agentArgs, env);
    const restarted = await eventually(async () => {
      const view = await syncNow(api);
      return view.interruption === 'AGENT_RESTARTED' ? view : undefined;
    }, 60_000, 'the restarted agent to close the interrupted request');
    expect(restarted).toMatchObject({ status: 'interrupted', requestedAt: running.requestedAt, outcome: 'interrupted', finishedAt: expect.any(String) });
    expect(agent.output()).toMatch(/a requested sync was interrupted by a restart of this agent; closing it/);

    const again = await api.request<SyncNowView>('POST', '/api/v1/dirsync/sync-now', { mode: 'delta' });
    expect(again.status).toBe(202);
    const done = await eventually(async () => {
      const view = await syncNow(api);
      return view.status === 'done' ? view : undefined;
    }, 60_000, 'the new Sync now to complete');
    // The sample directory holds objects in error on purpose, so a cycle that ran through is 'partial'.
    expect(done).toMatchObject({ mode: 'delta', outcome: expect.stringMatching(/^(success|partial)$/), interruption: null, agentHost: 'dc-kill.example.org' });
    expect(done.requestedAt).not.toBe(running.requestedAt);
  }, 240_000);
});

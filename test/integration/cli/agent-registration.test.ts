/**
 * Issue 10: agent registration survives a lost answer. A real tenant (`dirbridge serve`) and a
 * real agent process (`dirbridge agent --token`) talk through a TCP relay that holds back the
 * tenant's answer to the registration; the agent is killed once the tenant has committed it, then
 * started again with the same command line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, cli, repoRoot, requireBuilt, spawnCli, type LongRunning } from './harness.js';

/** Forwards to `upstream`; while `holding`, the answers are swallowed (and `answered` resolves). */
async function relay(upstream: URL): Promise<{ url: string; holding: boolean; answered: Promise<void>; close(): Promise<void> }> {
  let markAnswered!: () => void;
  const sockets = new Set<Socket>();
  const state = {
    url: '',
    holding: true,
    answered: new Promise<void>((resolve) => { markAnswered = resolve; }),
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
  const server: Server = createServer((client) => {
    const target = createConnection({ host: upstream.hostname, port: Number(upstream.port) });
    sockets.add(client).add(target);
    const held = state.holding;
    client.pipe(target);
    target.on('data', (chunk: Buffer) => {
      if (held) markAnswered();
      else client.write(chunk);
    });
    const end = () => { client.destroy(); target.destroy(); };
    client.on('error', end).on('close', end);
    target.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  state.url = `http://127.0.0.1:${address.port}`;
  return state;
}

describe('agent registration (issue 10)', () => {
  let dir: string;
  let tenantDir: string;
  let serve: LongRunning;
  let tenantUrl: string;
  const env = cleanEnv({ DIRBRIDGE_INITIAL_ADMIN_PASSWORD: 'Test-admin-password-2026' });

  beforeAll(async () => {
    requireBuilt();
    dir = mkdtempSync(join(tmpdir(), 'dirbridge-reg-'));
    tenantDir = join(dir, 'tenant');
    serve = spawnCli(['serve', '--data-dir', tenantDir, '--port', '0', '--host', '127.0.0.1'], env);
    tenantUrl = (await serve.waitFor(/Admin center: (http:\/\/\S+?)\/?\s/))[1]!;
    copyFileSync(join(repoRoot, 'sample', 'directory.ldif'), join(dir, 'directory.ldif'));
  }, 180_000);
  afterAll(async () => {
    await serve?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function newToken(): Promise<string> {
    const created = await cli(['token', 'create', '--data-dir', tenantDir], env);
    expect(created.code, created.stderr).toBe(0);
    return /^\s+(\S{20,})$/m.exec(created.stdout)![1]!;
  }

  const agentsList = async () => {
    const listed = await cli(['agents', 'list', '--json', '--data-dir', tenantDir], env);
    expect(listed.code, listed.stderr).toBe(0);
    return JSON.parse(listed.stdout) as Array<{ id: string; host: string; lastHeartbeat: string | null }>;
  };

  it('an agent killed after the tenant committed its registration, restarted with the same --token, is registered once', async () => {
    const token = await newToken();
    const proxy = await relay(new URL(tenantUrl));
    const agentDir = join(dir, 'agent-a');
    const args = ['agent', '--tenant-url', proxy.url, '--token', token, '--data-dir', agentDir, '--source-ldif', join(dir, 'directory.ldif')];
    try {
      const first = spawnCli(args, env);
      await Promise.race([proxy.answered, first.exited().then((code) => { throw new Error(`the agent exited with ${code}:\n${first.output()}`); })]);
      await first.stop('SIGKILL');
      expect(await agentsList()).toHaveLength(1);

      proxy.holding = false;
      const second = spawnCli(args, env);
      try {
        await second.waitFor(/synchronizing .* into/);
        const agents = await agentsList();
        expect(agents).toHaveLength(1);
        // The restarted agent speaks as the agent the tenant committed: its heartbeat lands on it.
        await expect.poll(async () => (await agentsList())[0]!.lastHeartbeat, { timeout: 30_000, interval: 500 }).not.toBeNull();
        expect(second.output()).not.toContain(token);
      } finally {
        await second.stop();
      }
      // And again: a registered agent restarted with the used token keeps its saved credential, says so.
      const third = spawnCli(args, env);
      try {
        await third.waitFor(/synchronizing .* into/);
        expect(third.output()).toMatch(/registered already: the saved credential is used/);
        expect(await agentsList()).toHaveLength(1);
      } finally {
        await third.stop();
      }
    } finally {
      await proxy.close();
    }
  }, 300_000);

  it('two different agent processes started with one token: exactly one registers, the other stops with REGISTRATION_TOKEN_USED and no agent row', async () => {
    const token = await newToken();
    const before = await agentsList();
    const start = (name: string) => spawnCli(['agent', '--tenant-url', tenantUrl, '--token', token, '--data-dir', join(dir, name), '--source-ldif', join(dir, 'directory.ldif')], env);
    const racers = [start('racer-a'), start('racer-b')];
    try {
      // The loser ends by itself; the winner runs on and syncs.
      const ended = await Promise.race(racers.map((r, i) => r.exited().then((code) => ({ i, code }))));
      const loser = racers[ended.i]!;
      const winner = racers[1 - ended.i]!;
      expect(ended.code, loser.output()).not.toBe(0);
      expect(loser.output()).toContain('REGISTRATION_TOKEN_USED');
      expect(loser.output()).toMatch(/already used by another agent/);
      expect(loser.output()).toMatch(/Create a new registration token for this agent/);
      expect(loser.output()).not.toContain(token);
      await winner.waitFor(/synchronizing .* into/);
      const after = await agentsList();
      expect(after).toHaveLength(before.length + 1);
      // The one new row is the winner's, speaking with its heartbeat.
      const added = after.find((a) => !before.some((b) => b.id === a.id))!;
      await expect.poll(async () => (await agentsList()).find((a) => a.id === added.id)?.lastHeartbeat, { timeout: 30_000, interval: 500 }).toBeTruthy();
      // The loser started again with the same command line is refused the same way, still without a row.
      const again = await cli(['agent', '--tenant-url', tenantUrl, '--token', token, '--data-dir', join(dir, ended.i === 0 ? 'racer-a' : 'racer-b'), '--source-ldif', join(dir, 'directory.ldif')], env);
      expect(again.code).not.toBe(0);
      expect(again.stdout + again.stderr).toContain('REGISTRATION_TOKEN_USED');
      expect(await agentsList()).toHaveLength(before.length + 1);
    } finally {
      for (const r of racers) await r.stop();
    }
  }, 180_000);
});

/**
 * Starts the real all-in-one (`node bin/dirbridge.js start`, built by `npm run build`) in a
 * temporary data folder on a free port, as a user would, and captures everything it prints so
 * tests can assert that no secret ever appears in it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const cliPath = join(repoRoot, 'bin', 'dirbridge.js');

export interface AllInOneOptions {
  /** Extra configuration (merged into a config file); fast intervals by default. */
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  /** Reuse a data folder (restart); default: a new temporary one. */
  dataDir?: string;
  args?: string[];
}

export interface RunningAllInOne {
  url: string;
  adminUsername: string;
  adminPassword: string;
  dataDir: string;
  /** Everything the process printed so far (stdout and stderr). */
  output: () => string;
  /** Runs the CLI with the same data folder and config, e.g. ['status', '--json']. */
  cli: (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export const TEST_ADMIN_PASSWORD = 'Test-admin-password-2026';

export async function startAllInOne(options: AllInOneOptions = {}): Promise<RunningAllInOne> {
  if (!existsSync(join(repoRoot, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm test does it).');
  }
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'dirbridge-aio-'));
  const configFile = join(dataDir, 'test-config.yaml');
  writeFileSync(configFile, stringify(mergeDeep({
    tenant: { port: 0, host: '127.0.0.1', dataDir },
    agent: { intervals: { heartbeatSeconds: 1, passwordMinutes: 0.05, deltaMinutes: 0.1, fullHours: 1 } },
  }, options.config ?? {})));
  const env = {
    ...process.env,
    DIRBRIDGE_INITIAL_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    DIRBRIDGE_LOG_FORMAT: 'json',
    DIRBRIDGE_CONFIG: configFile,
    ...options.env,
  };
  const child = spawn(process.execPath, [cliPath, 'start', ...(options.args ?? [])], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { output += d.toString(); });

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the all-in-one did not start within 60 s:\n${output}`)), 60_000);
    const check = () => {
      const match = /Admin center: (http:\/\/\S+?)\/?\s/.exec(output);
      if (match) { clearTimeout(timer); resolve(match[1]!); }
    };
    child.stdout.on('data', check);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the all-in-one exited with ${code}:\n${output}`)); });
  });

  const cli = (args: string[]) => runCli(args, env);
  return {
    url,
    adminUsername: 'admin',
    adminPassword: TEST_ADMIN_PASSWORD,
    dataDir,
    output: () => output,
    cli,
    async stop({ keepData = false } = {}) {
      await stopChild(child);
      if (!keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('exit', () => { clearTimeout(kill); resolve(); });
    child.kill('SIGTERM');
  });
}

function mergeDeep(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const current = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && current && typeof current === 'object' && !Array.isArray(current)
      ? mergeDeep(current as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

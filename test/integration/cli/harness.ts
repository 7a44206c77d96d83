/**
 * Runs the real CLI (`node bin/dirbridge.js`, built by `npm run build:server`) as an operator
 * would: one-shot commands, and long-running ones (serve, agent) whose output is captured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, repoRoot } from '../../support/all-in-one.js';

export { repoRoot };

export function requireBuilt(): void {
  if (!existsSync(join(repoRoot, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build:server` first (npm test does it).');
}

/** An environment without the caller's DIRBRIDGE_* settings, so each test says what it uses. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('DIRBRIDGE_') && k !== 'DATABASE_URL') env[k] = v;
  return { ...env, DIRBRIDGE_LOG_FORMAT: 'json', ...extra };
}

export interface CliResult { code: number; stdout: string; stderr: string }

export function cli(args: string[], env: NodeJS.ProcessEnv = cleanEnv(), timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`dirbridge ${args.join(' ')} did not end within ${timeoutMs} ms:\n${stdout}\n${stderr}`)); }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }); });
  });
}

export interface LongRunning {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects when the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited(): Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

export function spawnCli(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): LongRunning {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  const exit = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  return {
    child,
    output: () => output,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) { cleanup(); resolve(match); }
        };
        const cleanup = () => { clearTimeout(timer); child.stdout!.off('data', check); child.stderr!.off('data', check); };
        const timer = setTimeout(() => { cleanup(); reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`)); }, timeoutMs);
        child.stdout!.on('data', check);
        child.stderr!.on('data', check);
        void exit.then((code) => { cleanup(); if (!pattern.exec(output)) reject(new Error(`exited with ${code} before ${pattern}:\n${output}`)); else check(); });
        check();
      });
    },
    exited: () => exit,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.kill(signal);
        const code = await exit;
        clearTimeout(kill);
        return code;
      }
      return exit;
    },
  };
}

/** What the private test servers (slapd.ts, dirsrv.ts) share: a free loopback port, a readiness probe, running their tools. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:port. */
export async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Runs a tool and returns its output; a failure names the tool and what it printed. */
export function run(command: string, args: string[], options: { input?: string | undefined; env?: NodeJS.ProcessEnv } = {}): string {
  try {
    return execFileSync(command, args, { input: options.input, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    const stdout = (error as { stdout?: Buffer }).stdout?.toString() ?? '';
    throw new Error(`${command} failed: ${(stderr.trim() || stdout.trim().split('\n').slice(-5).join('\n')) || String(error)}`, { cause: error });
  }
}

export interface ServerProcess {
  /** Starts the server and waits until it answers on its port. */
  start(): Promise<void>;
  /** Stops it (signal, then SIGKILL after `stopTimeoutMs`); the data stays. */
  halt(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * A server run as a child process in the foreground: killed if the test runner exits without
 * stopping it, its stderr's tail kept for the error when it does not come up.
 */
export function serverProcess(options: {
  name: string;
  command: string;
  args: string[];
  port: number;
  readyTimeoutMs: number;
  stopTimeoutMs: number;
  /** More to say when it fails to start (e.g. the tail of its own log file). */
  diagnostics?: () => string;
}): ServerProcess {
  let child: ChildProcess | undefined;
  let log = '';
  const explain = () => [log.trim(), options.diagnostics?.() ?? ''].filter(Boolean).join(' ');
  return {
    async start() {
      log = '';
      const proc = spawn(options.command, options.args, { stdio: ['ignore', 'ignore', 'pipe'] });
      child = proc;
      const killOnExit = (): void => {
        proc.kill('SIGKILL');
      };
      process.once('exit', killOnExit);
      proc.once('exit', () => process.removeListener('exit', killOnExit));
      proc.stderr?.on('data', (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-4000);
      });
      const deadline = Date.now() + options.readyTimeoutMs;
      while (Date.now() < deadline) {
        if (proc.exitCode !== null) throw new Error(`${options.name} exited with code ${proc.exitCode}: ${explain()}`);
        if (await answers(options.port)) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      proc.kill('SIGKILL');
      throw new Error(`${options.name} did not answer on port ${options.port} within ${options.readyTimeoutMs / 1000} s: ${explain()}`);
    },
    async halt(signal: NodeJS.Signals = 'SIGTERM') {
      const proc = child;
      child = undefined;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => proc.kill('SIGKILL'), options.stopTimeoutMs);
        proc.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        proc.kill(signal);
      });
    },
  };
}

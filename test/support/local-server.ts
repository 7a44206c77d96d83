/** What the private test servers (slapd.ts, dirsrv.ts) share: a free loopback port, a readiness probe, running their tools. */
import { execFileSync } from 'node:child_process';
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

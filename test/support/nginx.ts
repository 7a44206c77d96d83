/**
 * A private nginx as the TLS-terminating reverse proxy in front of a tenant service: its own
 * prefix, config, logs and temp folders in a temporary directory, a free loopback port, a
 * throwaway CA (tls.ts). It forwards the client address in X-Forwarded-For the way operators set
 * it up (README, "Behind a reverse proxy").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answers, freePort } from './local-server.js';
import { makeTestCertificates, type TestCertificates } from './tls.js';

export const NGINX = '/usr/sbin/nginx';

export interface Nginx {
  port: number;
  /** https://127.0.0.1:<port> */
  url: string;
  certificates: TestCertificates;
  errorLog(): string;
  stop(): Promise<void>;
}

export async function startNginx(upstreamPort: number): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'dirbridge-nginx-'));
  const certificates = makeTestCertificates(dir, 'dirbridge nginx test CA');
  const port = await freePort();
  for (const sub of ['logs', 'temp']) mkdirSync(join(dir, sub));
  const errorLog = join(dir, 'logs', 'error.log');
  // As root, workers would switch to nobody and lose the private temp folder.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  writeFileSync(join(dir, 'nginx.conf'), `
${user}
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${errorLog} warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'temp', 'body')};
  proxy_temp_path ${join(dir, 'temp', 'proxy')};
  fastcgi_temp_path ${join(dir, 'temp', 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'temp', 'uwsgi')};
  scgi_temp_path ${join(dir, 'temp', 'scgi')};
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${certificates.certFile};
    ssl_certificate_key ${certificates.keyFile};
    client_max_body_size 64m;
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout 60s;
    }
  }
}
`);
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', errorLog, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    url: `https://127.0.0.1:${port}`,
    certificates,
    errorLog: () => { try { return readFileSync(errorLog, 'utf8'); } catch { return ''; } },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGQUIT');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

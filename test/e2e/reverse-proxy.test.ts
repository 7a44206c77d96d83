/**
 * Issue 11, finding 4: dirbridge behind a real TLS-terminating reverse proxy (Debian's nginx,
 * started by the test with a throwaway CA). Through the proxy: the OIDC issuer is the configured
 * https public URL (a forged Host header changes nothing), the admin session cookie is
 * `__Host-` + Secure with HSTS, lockout and audit see the real client address from
 * X-Forwarded-For (clients on 127.0.0.2, .3, .4), an agent registers and syncs over https, and a
 * user signs in to a relying party with OpenID Connect in Chromium.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistrationToken } from '../../src/cli/all-in-one.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { bootstrapTenant, startTenantService, type RunningTenantService } from '../../src/tenant/service.js';
import type { TenantRepository } from '../../src/tenant/store/ports.js';
import { passwordSet, userChange, verifiersFor } from '../integration/http/harness.js';
import { createTestStore, type TestStore } from '../integration/store/test-stores.js';
import { eventually } from '../support/all-in-one.js';
import { startNginx, type Nginx } from '../support/nginx.js';

const ADMIN_PASSWORD = 'Proxy-admin-password-1';

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** An HTTPS request through the proxy from a chosen loopback source address, trusting the test CA. */
function call(nginx: Nginx, method: string, path: string, options: { from?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${nginx.url}${path}`, {
      method,
      ca: readFileSync(nginx.certificates.caFile),
      localAddress: options.from ?? '127.0.0.1',
      // TLS checks the certificate against this name, whatever Host header the request forges.
      servername: 'localhost',
      headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      timeout: 15_000,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

function startRelyingParty(): Promise<{ server: Server; redirectUri: string; nextCallback: () => Promise<URL> }> {
  let waiting: ((url: URL) => void) | null = null;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<title>RP</title><h1 id="rp">Signed in</h1>');
    if (url.pathname === '/callback') waiting?.(url);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    resolve({ server, redirectUri: `http://127.0.0.1:${port}/callback`, nextCallback: () => new Promise<URL>((done) => { waiting = done; }) });
  }));
}

describe('behind a TLS-terminating nginx', () => {
  let store: TestStore;
  let repo: TenantRepository;
  let service: RunningTenantService;
  let nginx: Nginx;
  let browser: Browser;
  let agent: ChildProcess | undefined;
  let agentDir = '';
  const { logger } = createMemoryLogger('warn');

  beforeAll(async () => {
    store = await createTestStore('sqlite');
    await bootstrapTenant(store.store, 'default', { initialAdminPassword: ADMIN_PASSWORD });
    repo = store.store.forTenant('default');
    // The public URL is known only once nginx has its port: a placeholder service first finds a free upstream port.
    const { freePort } = await import('../support/local-server.js');
    const upstream = await freePort();
    nginx = await startNginx(upstream);
    service = await startTenantService({
      store: store.store, tenantId: 'default', port: upstream, host: '127.0.0.1', logger, version: 'test',
      publicUrl: nginx.url, trustProxy: ['127.0.0.1'],
    });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  }, 60_000);

  afterAll(async () => {
    agent?.kill('SIGTERM');
    await browser?.close();
    await service?.close();
    await nginx?.stop();
    await store?.cleanup();
    if (agentDir) rmSync(agentDir, { recursive: true, force: true });
  });

  it('publishes the https issuer from the public URL, whatever Host header a client sends', async () => {
    const discovery = await call(nginx, 'GET', '/oidc/.well-known/openid-configuration');
    expect(discovery.status).toBe(200);
    const config = JSON.parse(discovery.body) as { issuer: string; authorization_endpoint: string; jwks_uri: string };
    expect(config.issuer).toBe(`${nginx.url}/oidc`);
    expect(config.authorization_endpoint).toBe(`${nginx.url}/oidc/auth`);
    const forged = await call(nginx, 'GET', '/oidc/.well-known/openid-configuration', { headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' } });
    const forgedConfig = JSON.parse(forged.body) as { issuer: string; jwks_uri: string };
    expect(forgedConfig.issuer).toBe(`${nginx.url}/oidc`);
    expect(forgedConfig.jwks_uri).toBe(`${nginx.url}/oidc/jwks`);
  });

  it('signs an admin in with a __Host- Secure cookie and HSTS, and audits the real client address', async () => {
    const signIn = await call(nginx, 'POST', '/api/v1/auth/sign-in', { from: '127.0.0.2', body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(signIn.status).toBe(200);
    const cookie = ([] as string[]).concat(signIn.headers['set-cookie'] ?? [])[0] ?? '';
    expect(cookie).toMatch(/^__Host-dirbridge_session=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    expect(signIn.headers['strict-transport-security']).toMatch(/max-age=31536000/);
    expect(signIn.headers['cache-control']).toBe('no-store');
    const audit = await repo.listAudit({ page: 1, pageSize: 20 });
    expect(audit.items.find((entry) => entry.action === 'admin.signed_in')?.details).toMatchObject({ client: '127.0.0.2' });
  });

  it('locks out the address that guesses, not the admin signing in from another address', async () => {
    let locked = false;
    for (let attempt = 0; attempt < 10 && !locked; attempt++) {
      const guess = await call(nginx, 'POST', '/api/v1/auth/sign-in', { from: '127.0.0.3', body: { username: 'admin', password: `guess-${attempt}` } });
      locked = guess.status === 429;
    }
    expect(locked).toBe(true);
    // Behind the proxy without trustProxy every client would be 127.0.0.1, and this would be 429 too.
    const real = await call(nginx, 'POST', '/api/v1/auth/sign-in', { from: '127.0.0.4', body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(real.status).toBe(200);
  });

  it('lets an agent register and sync through the proxy over https (trusting the CA), and refuses it http:// to a remote host', async () => {
    agentDir = mkdtempSync(join(tmpdir(), 'dirbridge-proxy-agent-'));
    const token = await createRegistrationToken(store.store, 'default', 'test');
    agent = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'agent', '--tenant-url', nginx.url, '--token', token, '--data-dir', agentDir, '--source-ldif', 'sample/directory.ldif'], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: nginx.certificates.caFile, DIRBRIDGE_LOG_FORMAT: 'json' }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    await eventually(async () => (await repo.countUsers()) > 0 && (await repo.listAgents()).some((a) => a.lastHeartbeat !== null), 60_000, 'the agent to sync through nginx');
    const agents = await repo.listAgents();
    expect(agents).toHaveLength(1);

    const refused = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'agent', '--tenant-url', 'http://192.0.2.10:8080', '--token', 'x', '--data-dir', agentDir + '-2', '--source-ldif', 'sample/directory.ldif'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    refused.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const code = await new Promise<number | null>((resolve) => refused.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toContain('CLEARTEXT_REFUSED');
  }, 90_000);

  it('signs a user in with OpenID Connect in Chromium through the proxy: Secure cookies, https issuer in the ID token', async () => {
    await repo.applyObjectBatch('proxy-users-1', 'test', [userChange('anchor-ria', 'ria@example.org', { displayName: 'Ria Jansen' })], new Date());
    await repo.applyPasswordBatch('proxy-pw-1', 'test', [passwordSet('anchor-ria', await verifiersFor('Ria-pw-2026'))], new Date());
    const rp = await startRelyingParty();
    try {
      const signIn = await call(nginx, 'POST', '/api/v1/auth/sign-in', { body: { username: 'admin', password: ADMIN_PASSWORD } });
      const cookie = (([] as string[]).concat(signIn.headers['set-cookie'] ?? [])[0] ?? '').split(';')[0]!;
      const csrf = (JSON.parse(signIn.body) as { csrfToken: string }).csrfToken;
      const created = await call(nginx, 'POST', '/api/v1/oidc-clients', { body: { name: 'Intranet', redirectUris: [rp.redirectUri], public: true }, headers: { cookie, 'x-csrf-token': csrf } });
      expect(created.status).toBe(201);
      const client = JSON.parse(created.body) as { clientId: string; issuer: string };
      expect(client.issuer).toBe(`${nginx.url}/oidc`);

      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const params = new URLSearchParams({ client_id: client.clientId, response_type: 'code', scope: 'openid', redirect_uri: rp.redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state: 'st-1', nonce: 'n-1' });
      // The browser trusts the throwaway CA only for this context (Chromium has no CA option of its own here).
      const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-US' });
      const page = await context.newPage();
      const callback = rp.nextCallback();
      await page.goto(`${nginx.url}/oidc/auth?${params}`);
      await expect.poll(() => page.url()).toContain('/oidc/interaction/');
      const interactionCookies = await context.cookies();
      expect(interactionCookies.length).toBeGreaterThan(0);
      for (const c of interactionCookies) expect(c.secure, c.name).toBe(true);
      await page.fill('#username', 'ria@example.org');
      await page.fill('#password', 'Ria-pw-2026');
      await page.click('#submit');
      const returned = await callback;
      expect(returned.searchParams.get('state')).toBe('st-1');
      const code = returned.searchParams.get('code')!;
      await context.close();

      const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: rp.redirectUri, client_id: client.clientId, code_verifier: verifier }).toString();
      const tokens = await call(nginx, 'POST', '/oidc/token', { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(tokens.status).toBe(200);
      const idToken = (JSON.parse(tokens.body) as { id_token: string }).id_token;
      const claims = JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString('utf8')) as { iss: string; sub: string; upn: string };
      expect(claims).toMatchObject({ iss: `${nginx.url}/oidc`, sub: 'anchor-ria', upn: 'ria@example.org' });
      // The sign-in was judged by the browser's address as nginx forwarded it.
      expect(nginx.errorLog()).not.toMatch(/\[(emerg|alert|crit)\]/);
    } finally {
      rp.server.close();
    }
  }, 60_000);
});

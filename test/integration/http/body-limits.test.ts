/**
 * Issue 11, finding 5: agent routes used to parse up to 64 MiB of JSON before checking the
 * credential. Now the caller is authenticated in onRequest, before a byte of the body is read,
 * and every route has its own limit (small by default; large only for agent batches).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

const SIXTY_MB = 60 * 1024 * 1024;

/** Streams `total` bytes of a JSON array and reports when the answer came and how much was sent by then. */
function postLarge(url: string, total: number, headers: Record<string, string>): Promise<{ status: number; ms: number; sentBeforeAnswer: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let sent = 0;
    let answered = false;
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(total), ...headers } }, (res) => {
      answered = true;
      const result = { status: res.statusCode ?? 0, ms: performance.now() - started, sentBeforeAnswer: sent };
      res.resume();
      req.destroy();
      resolve(result);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', (error) => { if (!answered) reject(error); });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    chunk[0] = 0x5b; // '['
    const pump = () => {
      while (!answered && sent < total) {
        const piece = sent + chunk.length <= total ? chunk : chunk.subarray(0, total - sent);
        sent += piece.length;
        if (!req.write(piece)) { req.once('drain', pump); return; }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('authentication before the body, and per-route body limits', () => {
  let h: Harness;
  let base: string;

  beforeAll(async () => {
    h = await startHarness('sqlite');
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const address = h.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await h.close();
  });

  it('refuses a bogus agent token with a 60 MB body fast, before reading the body', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const result = await postLarge(`${base}/api/v1/agent/batches/objects`, SIXTY_MB, { authorization: 'Bearer bogus-agent.not-a-secret' });
    const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
    console.log(`bogus token, 60 MB body: ${result.status} after ${result.ms.toFixed(0)} ms, ${(result.sentBeforeAnswer / 1024 / 1024).toFixed(1)} MB sent by then, heap +${heapGrowthMb.toFixed(1)} MB`);
    expect(result.status).toBe(401);
    expect(result.ms).toBeLessThan(1000);
    // Answered while most of the body was still unsent: nothing waited for it, let alone parsed it.
    expect(result.sentBeforeAnswer).toBeLessThan(SIXTY_MB / 2);
  });

  // 413 REQUEST_TOO_LARGE: what an agent splits its batch on.
  const tooLarge = (response: { statusCode: number; json(): unknown }) =>
    response.statusCode === 413 && (response.json() as { error: { code?: string } }).error.code === 'REQUEST_TOO_LARGE';

  it('gives admin and sign-in routes a small limit (64 KiB), agent batches a large one', async () => {
    const root = await h.rootSession();
    const big = 'x'.repeat(100 * 1024);
    const signIn = await h.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: JSON.stringify({ username: 'root', password: big }), headers: { 'content-type': 'application/json' } });
    expect(tooLarge(signIn)).toBe(true);
    const admin = await h.admin(root, 'PATCH', '/api/v1/dirsync/settings', { passwordSyncEnabled: true, padding: big });
    expect(tooLarge(admin)).toBe(true);
    const { credential } = await h.registerAgent();
    // 2 MB of well-formed batch: over the default, within the batch route's limit.
    const changes = Array.from({ length: 2000 }, (_, i) => ({ op: 'delete', anchor: `a-${i}-${'y'.repeat(1000)}`, kind: 'user' }));
    const batch = await h.agent(credential, 'POST', '/api/v1/agent/batches/objects', { batchId: 'b-large-1', changes });
    expect(tooLarge(batch)).toBe(false);
    expect(batch.statusCode).not.toBe(401);
  });
});

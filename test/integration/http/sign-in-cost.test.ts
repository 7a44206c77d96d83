/**
 * What a password check costs the tenant: it runs in the worker pool (the event loop stays
 * responsive while the costliest allowed hashes are flooded), a full queue answers 503 with
 * Retry-After, unknown and known users take the same time, and the tenant refuses verifiers
 * whose parameters it did not choose.
 */
import { request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeSourceDigest, deriveVerifier, KDF_PRESETS, type PasswordVerifier } from '../../../src/passwords/index.js';
import { shaCryptChecksum } from '../../../src/passwords/crypt.js';
import { createMemoryLogger } from '../../../src/shared/logger.js';
import { DEFAULT_LOCKOUT_POLICY } from '../../../src/tenant/domain/lockout.js';
import { buildTenantApp } from '../../../src/tenant/http/app.js';
import { FAST_KDF, passwordSet, startHarness, userChange, type Harness } from './harness.js';

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; ms: number }

function post(base: string, path: string, payload: unknown, from = '127.0.0.1'): Promise<Reply> {
  const body = JSON.stringify(payload);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, {
      method: 'POST', localAddress: from, agent: false, timeout: 60_000,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, ms: performance.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${path} within 60 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function shaCryptVerifiers(password: string, rounds: number): Promise<PasswordVerifier[]> {
  const params = { salt: 'saltsaltsalt', rounds };
  const digest = await computeSourceDigest('CRYPT-SHA512', params, password);
  return [await deriveVerifier({ scheme: 'CRYPT-SHA512', params, digest }, FAST_KDF)];
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('sign-in cost', () => {
  let h: Harness;
  let credential: string;
  let base: string;

  beforeAll(async () => {
    // Thresholds out of the way: these tests measure checks, not the lockout.
    h = await startHarness('sqlite', { lockoutPolicy: { ...DEFAULT_LOCKOUT_POLICY, userClientThreshold: 1000, userThreshold: 1000, clientThreshold: 1000 } });
    ({ credential } = await h.registerAgent());
    const changes = [userChange('anchor-heavy', 'heavy@example.org'), userChange('anchor-plain', 'plain@example.org'), userChange('anchor-p2', 'p2@example.org'), userChange('anchor-p3', 'p3@example.org')];
    expect((await h.agent(credential, 'POST', '/api/v1/agent/batches/objects', { batchId: 'batch-users-001', changes })).statusCode).toBe(200);
    // sha512-crypt at the rounds bound: pure JavaScript, so on the event loop it would stall every request.
    // Most users have the directory's default cost; the unknown user's decoy must cost what they cost.
    const items = [
      passwordSet('anchor-heavy', await shaCryptVerifiers('Heavy-pw-1', 50_000)), passwordSet('anchor-plain', await shaCryptVerifiers('Plain-pw-1', 5000)),
      passwordSet('anchor-p2', await shaCryptVerifiers('P2-pw-1', 5000)), passwordSet('anchor-p3', await shaCryptVerifiers('P3-pw-1', 5000)),
    ];
    expect((await h.agent(credential, 'POST', '/api/v1/agent/batches/passwords', { batchId: 'batch-pw-001', items })).json()).toMatchObject({ applied: 4 });
    base = await listen(h.app);
  }, 120_000);
  afterAll(async () => { await h?.close(); });

  it('keeps the event loop responsive while the costliest allowed hash is flooded with sign-ins', async () => {
    // Warm the workers (their start-up is not the flood's cost).
    await Promise.all([1, 2].map(() => post(base, '/api/v1/sign-in', { username: 'plain@example.org', password: 'Plain-pw-1' })));
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    const replies = await Promise.all(Array.from({ length: 12 }, () => post(base, '/api/v1/sign-in', { username: 'heavy@example.org', password: 'Heavy-pw-1' })));
    histogram.disable();
    expect(replies.map((r) => r.status)).toEqual(Array(12).fill(200));
    const p99 = histogram.percentile(99) / 1e6;
    // What one such check costs when it does run on the event loop, measured now under the same load.
    const started = performance.now();
    shaCryptChecksum('sha512', Buffer.from('Heavy-pw-1'), 'saltsaltsalt', 50_000);
    const oneCheck = performance.now() - started;
    console.log(`event-loop delay under the flood: p50 ${(histogram.percentile(50) / 1e6).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${(histogram.max / 1e6).toFixed(1)} ms; one check on the loop ${oneCheck.toFixed(0)} ms`);
    // On the event loop every check would stall it for at least `oneCheck`; a loaded CI machine adds scheduling noise.
    expect(p99).toBeLessThan(Math.max(100, oneCheck / 2));
  }, 120_000);

  it('answers 503 SIGN_IN_BUSY with Retry-After when the check queue is full, quickly, and logs the flood in a bounded number of warnings without stacks', async () => {
    const { logger, lines } = createMemoryLogger('info');
    const small = await buildTenantApp({ store: h.store, tenantId: h.tenantId, logger, clock: h.clock, version: 'test', signIn: { workers: 1, queueLimit: 2 }, lockoutPolicy: { ...DEFAULT_LOCKOUT_POLICY, userClientThreshold: 1000, userThreshold: 1000, clientThreshold: 1000 } });
    let replies: Reply[];
    try {
      const smallBase = await listen(small);
      replies = await Promise.all(Array.from({ length: 40 }, () => post(smallBase, '/api/v1/sign-in', { username: 'heavy@example.org', password: 'Heavy-pw-1' })));
      const busy = replies.filter((r) => r.status === 503);
      expect(replies.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(3);
      expect(busy.length).toBeGreaterThanOrEqual(10);
      expect(busy[0]!.headers['retry-after']).toBe('1');
      // Refused before any work: a busy answer is quick.
      expect(Math.min(...busy.map((r) => r.ms))).toBeLessThan(Math.max(...replies.filter((r) => r.status === 200).map((r) => r.ms)));
      // The flood (well inside one interval) wrote at most the first warning, not a line per refusal.
      expect(lines.filter((line) => line.includes('SIGN_IN_BUSY')).length).toBeLessThanOrEqual(2);
    } finally {
      await small.close();
    }
    // After the close, every refusal is counted in the warnings; none is an error, none carries a stack.
    const records = lines.map((line) => JSON.parse(line) as { level: number; code?: string; count?: number; err?: unknown; msg: string });
    const warnings = records.filter((r) => r.code === 'SIGN_IN_BUSY');
    expect(warnings.length).toBeLessThanOrEqual(3);
    expect(warnings.every((r) => r.level === 40 && r.err === undefined)).toBe(true);
    expect(lines.some((line) => line.includes('"stack"'))).toBe(false);
    expect(records.filter((r) => r.level >= 50)).toEqual([]);
    expect(warnings.reduce((n, r) => n + (r.count ?? 0), 0)).toBe(replies.filter((r) => r.status === 503).length);
  }, 120_000);

  it('takes the same time for an unknown user as for a known user with a wrong password', async () => {
    const known: number[] = [];
    const unknown: number[] = [];
    // Warm-up, then interleaved so load on the machine hits both alike.
    await post(base, '/api/v1/sign-in', { username: 'nobody@example.org', password: 'x' });
    for (let i = 0; i < 40; i++) {
      const knownFirst = i % 2 === 0;
      const tryKnown = async () => { known.push((await post(base, '/api/v1/sign-in', { username: 'plain@example.org', password: `wrong-${i}` })).ms); };
      // One unknown name, tried as often as the known user: both then update their failure counter
      // (a new name each time would insert a counter row each time and compare unlike work).
      const tryUnknown = async () => { unknown.push((await post(base, '/api/v1/sign-in', { username: 'nobody@example.org', password: `wrong-${i}` })).ms); };
      if (knownFirst) { await tryKnown(); await tryUnknown(); } else { await tryUnknown(); await tryKnown(); }
    }
    const difference = Math.abs(median(known) - median(unknown)) / median(known);
    // Each pair ran back to back, so the ratio within a pair cancels the machine's changing load.
    const pairRatio = median(known.map((k, i) => unknown[i]! / k));
    console.log(`sign-in timing: known ${median(known).toFixed(1)} ms, unknown ${median(unknown).toFixed(1)} ms, difference of medians ${(difference * 100).toFixed(1)} %, median pair ratio ${pairRatio.toFixed(3)}`);
    // The benchmark's target is 5 %; the test's bound leaves room for a loaded CI machine and still
    // fails by far when the unknown user's check is cheaper (a decoy of another scheme: ratio about 0.5).
    // That both paths do the same store statements and the same KDF is proven exactly, without a
    // clock, in src/tenant/sign-in.test.ts and test/integration/store/sign-in-lookup.test.ts.
    expect(Math.abs(pairRatio - 1)).toBeLessThan(0.2);
  }, 120_000);

  it('switches new verifiers to Argon2id by preset; users with older verifiers keep signing in (no flag day)', async () => {
    const root = await h.rootSession();
    const patched = await h.admin(root, 'PATCH', '/api/v1/dirsync/settings', { kdfPreset: 'argon2id-m19-t2' });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ kdfPreset: 'argon2id-m19-t2', kdfParams: KDF_PRESETS['argon2id-m19-t2'] });
    const agentSettings = (await h.agent(credential, 'GET', '/api/v1/agent/settings')).json() as { kdfParams: unknown };
    expect(agentSettings.kdfParams).toEqual(KDF_PRESETS['argon2id-m19-t2']);

    // The agent derives p2's next verifier with the new set; a verifier with the old set is refused now.
    const params = { salt: 'saltsaltsalt', rounds: 5000 };
    const digest = await computeSourceDigest('CRYPT-SHA512', params, 'P2-pw-2');
    const argon = await deriveVerifier({ scheme: 'CRYPT-SHA512', params, digest }, KDF_PRESETS['argon2id-m19-t2']);
    expect(argon).toMatchObject({ kdf: 'argon2id', kdfParams: { algorithm: 'argon2id', memoryKib: 19_456, passes: 2 } });
    const old = await h.agent(credential, 'POST', '/api/v1/agent/batches/passwords', { batchId: 'batch-kdf-old', items: [passwordSet('anchor-p2', await shaCryptVerifiers('P2-pw-2', 5000))] });
    expect(old.json().error.code).toBe('PASSWORD_VERIFIER_REJECTED');
    expect((await h.agent(credential, 'POST', '/api/v1/agent/batches/passwords', { batchId: 'batch-kdf-new', items: [passwordSet('anchor-p2', [argon])] })).json()).toMatchObject({ applied: 1 });

    expect((await post(base, '/api/v1/sign-in', { username: 'p2@example.org', password: 'P2-pw-2' })).status).toBe(200);
    expect((await post(base, '/api/v1/sign-in', { username: 'p2@example.org', password: 'P2-pw-1' })).status).toBe(401);
    // p3 still has a scrypt verifier from before the switch.
    expect((await post(base, '/api/v1/sign-in', { username: 'p3@example.org', password: 'P3-pw-1' })).status).toBe(200);
    const audit = (await h.admin(root, 'GET', '/api/v1/audit-log?pageSize=50')).json() as { items: Array<{ action: string; details: Record<string, unknown> }> };
    expect(audit.items.find((e) => e.action === 'settings.changed')?.details).toMatchObject({ after: { kdfParams: KDF_PRESETS['argon2id-m19-t2'] } });
    await h.repo.updateSettings({ kdfParams: FAST_KDF });
  }, 120_000);

  it.each([
    ['KDF parameters other than the tenant\'s', (v: PasswordVerifier) => ({ ...v, kdfParams: { ...v.kdfParams, log2N: 20 } })],
    ['a source scheme beyond the cost bounds', (v: PasswordVerifier) => ({ ...v, schemeParams: { ...v.schemeParams, rounds: 999_999_999 } })],
  ])('refuses a verifier with %s: 422 PASSWORD_VERIFIER_REJECTED, nothing applied', async (_what, change) => {
    const [verifier] = await shaCryptVerifiers('Plain-pw-2', 5000);
    const response = await h.agent(credential, 'POST', '/api/v1/agent/batches/passwords', { batchId: `batch-bad-${Math.random().toString(36).slice(2)}`, items: [passwordSet('anchor-plain', [change(verifier!)])] });
    expect(response.statusCode).toBe(422);
    expect(response.json().error.code).toBe('PASSWORD_VERIFIER_REJECTED');
    expect((await post(base, '/api/v1/sign-in', { username: 'plain@example.org', password: 'Plain-pw-1' })).status).toBe(200);
  }, 60_000);
});

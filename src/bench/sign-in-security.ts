/**
 * The sign-in security figures of issue 11, measured against a running tenant process over HTTP
 * (`npm run bench -- --sign-in-security`):
 *
 * 1. Event-loop delay under a sign-in flood: for each bounded scheme at its cost bound
 *    (src/passwords/cost-bounds.ts), `clients` concurrent clients (each its own user and loopback
 *    address, as the lockout caps attempts in flight per user and per address) sign in with the right
 *    password for `seconds`; the tenant process measures its own event-loop delay
 *    (perf_hooks.monitorEventLoopDelay, in bench-child) and a separate client times GET /livez
 *    meanwhile (the liveness probe: it touches neither the store nor the password pool, so its
 *    latency is the loop's delay as a client sees it; /healthz would wait behind the flood's store work). A client that gets 503 SIGN_IN_BUSY waits 50 ms and tries again (the flood stays
 *    above the pool's queue limit without turning into a bare HTTP flood).
 * 2. Equal timing, on a tenant of its own (a fresh store) whose users all hold a {SSHA} verifier
 *    (the OpenLDAP default): known users with a wrong password against unknown names, alternating
 *    in random order, each attempt from its own loopback address and user (so no lockout counter
 *    fills), with the decoy path as shipped. One scheme only, so the figure measures the sign-in
 *    path and not which of several schemes the decoy happened to copy (the flood tenant holds
 *    bound-cost hashes of four schemes).
 */
import { createHash, pbkdf2Sync, randomBytes, randomInt } from 'node:crypto';
import { Agent, request, type RequestOptions } from 'node:http';
import { performance } from 'node:perf_hooks';
import { argon2id, bcrypt } from 'hash-wasm';
import { COST_BOUNDS } from '../passwords/cost-bounds.js';
import { shaCryptChecksum } from '../passwords/crypt.js';
import { createPasswordPool, parseStoredPassword, type KdfParams, type PasswordVerifier, type SourceHash } from '../passwords/index.js';
import type { FigureInput } from './report.js';
import { median, relativeDifference, summarize } from './stats.js';

const PASSWORD = 'Bench-sign-in-security-1';
const WRONG = 'Bench-wrong-password-1';
const SUFFIX = 'dc=bench,dc=example,dc=test';
const REQUEST_TIMEOUT_MS = 60_000;
const BUSY_PAUSE_MS = 50;

/** The tenant process (bench-child, role tenant) as the benchmark drives it. */
export interface TenantProcess {
  url: string;
  call<T = unknown>(cmd: string, args?: object): Promise<T>;
}

export interface SignInSecurityOptions {
  /** Seconds each scheme is flooded. */
  seconds: number;
  /** Concurrent sign-in clients in the flood. */
  clients: number;
  /** Sign-ins of each kind (unknown, known with a wrong password) for the equal-timing figure. */
  samples: number;
  say?: (message: string) => void;
}

/** One password stored in each bounded scheme at its cost bound: the costliest hash a directory may hold. */
export async function boundSources(password = PASSWORD): Promise<Record<string, SourceHash>> {
  const rounds = COST_BOUNDS.shaCryptRounds;
  const iterations = COST_BOUNDS.pbkdf2Work; // SHA-512 gives 64 bytes: one block
  const pbkdfSalt = randomBytes(16);
  const passes = Math.floor(COST_BOUNDS.argon2MemoryPasses / COST_BOUNDS.argon2MemoryKib);
  const argon = await argon2id({ password, salt: randomBytes(16), parallelism: 1, iterations: passes, memorySize: COST_BOUNDS.argon2MemoryKib, hashLength: 32, outputType: 'encoded' });
  return {
    [`sha512-crypt ${rounds.toLocaleString('en-US')} rounds`]: parseStoredPassword(`{CRYPT}$6$rounds=${rounds}$benchsaltbench$${shaCryptChecksum('sha512', Buffer.from(password), 'benchsaltbench', rounds)}`),
    [`bcrypt cost ${COST_BOUNDS.bcryptCost}`]: parseStoredPassword(`{CRYPT}${await bcrypt({ password, salt: randomBytes(16), costFactor: COST_BOUNDS.bcryptCost, outputType: 'encoded' })}`),
    [`{PBKDF2-SHA512} ${iterations.toLocaleString('en-US')} iterations`]: parseStoredPassword(`{PBKDF2-SHA512}${iterations}$${pbkdfSalt.toString('base64')}$${pbkdf2Sync(password, pbkdfSalt, iterations, 64, 'sha512').toString('base64')}`),
    [`Argon2id m=${COST_BOUNDS.argon2MemoryKib / 1024} MiB, t=${passes}`]: parseStoredPassword(`{ARGON2}${argon}`),
  };
}

function ssha(password: string): SourceHash {
  const salt = randomBytes(8);
  return parseStoredPassword(`{SSHA}${Buffer.concat([createHash('sha1').update(password).update(salt).digest(), salt]).toString('base64')}`);
}

/** bench-child's bulkInsert names user i like this. */
function userOf(i: number): { anchor: string; upn: string } {
  const uid = `s${String(i).padStart(7, '0')}`;
  return { anchor: `bench-${String(i).padStart(8, '0')}`, upn: `${uid}@scale.example.test` };
}

/** The i-th fresh loopback address (127.1.0.2, 127.1.0.3, …): a new client for the lockout's per-address counters. */
export function loopback(i: number): string {
  return `127.${1 + Math.floor(i / 62_500)}.${Math.floor(i / 250) % 250}.${(i % 250) + 2}`;
}

interface Answer {
  status: number;
  ms: number;
}

function send(url: URL, options: RequestOptions, body?: string): Promise<Answer> {
  const started = performance.now();
  return new Promise<Answer>((resolve, reject) => {
    const req = request(url, { ...options, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.pathname} within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

function signIn(base: string, username: string, password: string, options: RequestOptions): Promise<Answer> {
  const body = JSON.stringify({ username, password });
  return send(new URL('/api/v1/sign-in', base), { ...options, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, body);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** bench-child's bulkInsert disables every 20th user: the first `count` usable ones. */
function usableUsers(count: number): number[] {
  const list: number[] = [];
  for (let i = 1; list.length < count; i++) if (i % 20 !== 0) list.push(i);
  return list;
}

const WARMUP_PAIRS = 8;

/** Seeds bound-cost users and floods each bounded scheme (figure 11a); returns the figures for the report. */
export async function measureSignInFlood(tenant: TenantProcess, options: Pick<SignInSecurityOptions, 'seconds' | 'clients' | 'say'>): Promise<FigureInput[]> {
  const say = options.say ?? (() => undefined);
  const bound = Object.entries(await boundSources());
  // The lockout lets at most a few attempts per user and per address be in flight (they are
  // reserved before the check), so each flood client signs in its own user from its own address.
  const floodUsers = bound.length * options.clients;
  const indices = usableUsers(floodUsers);
  await tenant.call('bulkInsert', { count: (indices.at(-1) ?? 0) + 1, chunk: 1000, suffix: SUFFIX });
  const kdf = await tenant.call<KdfParams>('kdfParams');
  const pool = createPasswordPool();
  const items: Array<{ anchor: string; verifiers: PasswordVerifier[] }> = [];
  try {
    const derived = await Promise.all(indices.map((_, k) => pool.derive(bound[Math.floor(k / options.clients)]![1], kdf)));
    indices.forEach((i, k) => items.push({ anchor: userOf(i).anchor, verifiers: [derived[k]!] }));
  } finally {
    await pool.close();
  }
  await tenant.call('setVerifiers', { items });
  say(`${indices.length} users with verifiers: ${options.clients} per bounded scheme at its cost bound`);

  const figures: FigureInput[] = [];
  const floods: Array<{ scheme: string; p99: number }> = [];
  const base = tenant.url;
  for (const [k, [scheme]] of bound.entries()) {
    const client = (c: number) => ({ upn: userOf(indices[k * options.clients + c]!).upn, localAddress: loopback(100_000 + k * options.clients + c) });
    const agent = new Agent({ keepAlive: true, maxSockets: options.clients });
    const cheapAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    // One right sign-in first: the workers are warm and the user's check is known to pass.
    const first = await signIn(base, client(0).upn, PASSWORD, { agent, localAddress: client(0).localAddress });
    if (first.status !== 200) throw new Error(`sign-in of the ${scheme} user answered ${first.status}`);
    await tenant.call('loopDelayStart');
    const end = performance.now() + options.seconds * 1000;
    let ok = 0;
    let busy = 0;
    let timedOut = 0;
    const other = new Map<number, number>();
    const cheap: number[] = [];
    await Promise.all([
      ...Array.from({ length: options.clients }, async (_, c) => {
        const { upn, localAddress } = client(c);
        while (performance.now() < end) {
          // A check queued behind costly ones can wait longer than the client: counted, not fatal.
          const answer = await signIn(base, upn, PASSWORD, { agent, localAddress }).catch(() => ({ status: 0, ms: REQUEST_TIMEOUT_MS }));
          if (answer.status === 0) { timedOut++; continue; }
          // Only sign-ins answered within the window count toward the rate (the queue drains after it).
          if (answer.status === 200) { if (performance.now() <= end) ok++; }
          else if (answer.status === 503) { busy++; await sleep(BUSY_PAUSE_MS); }
          else other.set(answer.status, (other.get(answer.status) ?? 0) + 1);
        }
      }),
      (async () => {
        while (performance.now() < end) {
          cheap.push((await send(new URL('/livez', base), { agent: cheapAgent })).ms);
          await sleep(10);
        }
      })(),
    ]);
    const delay = await tenant.call<{ p50: number; p99: number; max: number; samples: number }>('loopDelayStop');
    agent.destroy();
    cheapAgent.destroy();
    if (other.size > 0) throw new Error(`sign-ins of the ${scheme} users answered neither 200 nor 503: ${[...other].map(([status, n]) => `${n} × ${status}`).join(', ')}`);
    const live = summarize(cheap);
    floods.push({ scheme, p99: delay.p99 });
    say(`${scheme}: event-loop delay p50 ${delay.p50.toFixed(1)} ms, p99 ${delay.p99.toFixed(1)} ms, max ${delay.max.toFixed(1)} ms; ${(ok / options.seconds).toFixed(1)} sign-ins/s, ${busy} SIGN_IN_BUSY, ${timedOut} timed out; /livez p50 ${live.p50.toFixed(1)} ms, p99 ${live.p99.toFixed(1)} ms`);
    const id = scheme.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
    figures.push({
      id: `sign_in_flood_loop_delay_p99_${id}`, label: `11a. event-loop delay p99, ${scheme} flooded`, value: delay.p99, unit: 'ms', target: { max: 50 },
      detail: `${options.clients} clients (each its own user and address) for ${options.seconds} s: ${ok} sign-ins (${(ok / options.seconds).toFixed(1)}/s), ${busy} SIGN_IN_BUSY (client waits ${BUSY_PAUSE_MS} ms), ${timedOut} without an answer in ${REQUEST_TIMEOUT_MS / 1000} s; loop delay p50 ${delay.p50.toFixed(1)} ms, max ${delay.max.toFixed(1)} ms`,
    });
    figures.push({
      id: `sign_in_flood_livez_${id}`, label: `11a. GET /livez during the ${scheme} flood, p99`, value: live.p99, unit: 'ms',
      detail: `p50 ${live.p50.toFixed(1)} ms, p99 ${live.p99.toFixed(1)} ms, max ${live.max.toFixed(1)} ms over ${live.samples} requests (one at a time, 10 ms apart, on a kept-alive connection; /livez touches neither the store nor the password pool)`,
    });
  }
  const worst = floods.reduce((a, b) => (b.p99 > a.p99 ? b : a));
  figures.unshift({ id: 'sign_in_flood_loop_delay_p99', label: '11a. event-loop delay p99, costliest allowed scheme flooded', value: worst.p99, unit: 'ms', target: { max: 50 }, detail: `the worst of the ${floods.length} bounded schemes: ${worst.scheme}` });
  return figures;
}

/**
 * Figure 11b on a tenant of its own: every user holds one {SSHA} verifier, so the decoy copies the
 * one scheme there is and the gap measures the sign-in path alone.
 */
export async function measureEqualTiming(tenant: TenantProcess, options: Pick<SignInSecurityOptions, 'samples' | 'say'>): Promise<FigureInput[]> {
  const say = options.say ?? (() => undefined);
  const known = usableUsers(options.samples + WARMUP_PAIRS);
  await tenant.call('bulkInsert', { count: (known.at(-1) ?? 0) + 1, chunk: 1000, suffix: SUFFIX });
  const kdf = await tenant.call<KdfParams>('kdfParams');
  const pool = createPasswordPool();
  let derived: PasswordVerifier[];
  try {
    derived = await Promise.all(known.map(() => pool.derive(ssha(PASSWORD), kdf)));
  } finally {
    await pool.close();
  }
  await tenant.call('setVerifiers', { items: known.map((i, k) => ({ anchor: userOf(i).anchor, verifiers: [derived[k]!] })) });
  say(`equal timing: ${known.length} users, every one with a {SSHA} verifier (a single-scheme tenant)`);

  const base = tenant.url;
  // Each attempt: its own loopback address, its own user or unknown name, a new connection.
  let address = 0;
  const attempt = async (kind: 'known' | 'unknown', n: number): Promise<number> => {
    const username = kind === 'known' ? userOf(known[n]!).upn : `nobody-${n}-${randomBytes(3).toString('hex')}@scale.example.test`;
    const answer = await signIn(base, username, WRONG, { agent: false, localAddress: loopback(address++) });
    if (answer.status !== 401) throw new Error(`a ${kind} user's wrong sign-in answered ${answer.status}, not 401`);
    return answer.ms;
  };
  for (let n = 0; n < WARMUP_PAIRS; n++) { await attempt('unknown', options.samples + n); await attempt('known', options.samples + n); }
  const times = { known: [] as number[], unknown: [] as number[] };
  for (let n = 0; n < options.samples; n++) {
    const order: Array<'known' | 'unknown'> = randomInt(2) === 0 ? ['known', 'unknown'] : ['unknown', 'known'];
    for (const kind of order) times[kind].push(await attempt(kind, n));
  }
  const knownMedian = median(times.known);
  const unknownMedian = median(times.unknown);
  const difference = relativeDifference(knownMedian, unknownMedian) * 100;
  say(`equal timing: known user, wrong password ${knownMedian.toFixed(1)} ms; unknown user ${unknownMedian.toFixed(1)} ms (medians of ${options.samples}); difference ${difference.toFixed(1)} %`);
  return [{
    id: 'sign_in_equal_timing', label: '11b. sign-in time, unknown vs known user (median difference)', value: difference, unit: '%', target: { max: 5 },
    detail: `medians of ${options.samples} each, alternating in random order: known user + wrong password ${knownMedian.toFixed(1)} ms (p99 ${summarize(times.known).p99.toFixed(1)}), unknown user ${unknownMedian.toFixed(1)} ms (p99 ${summarize(times.unknown).p99.toFixed(1)}); a tenant of {SSHA} users only, decoy as shipped`,
  }];
}

/**
 * `npm run bench -- [--users N] [--repeat R] [--json FILE] [--scale-users [M]] [--password-users K] [--stores sqlite,postgres]`
 *
 * Starts a private slapd loaded with a synthetic directory (src/bench/directory-generator.ts) and
 * measures dirbridge against the limits of the same machine, in the same run: the read floor
 * (ldapsearch), the load floor of each store, a syncrepl peer, the raw KDF rate. Headline figures are
 * the median of `--repeat` runs (default 3), with their range. Prints a table; with --json writes every figure
 * (value, unit, references with their ratio, targets). What each figure means: docs/benchmark.md.
 * The tenant and the agent run in separate child processes (src/bench/bench-child.ts, run compiled from dist/) so each one's
 * peak RSS is reported.
 */
import { execFileSync, fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createConnection, createServer } from 'node:net';
import pg from 'pg';
import { startSlapd, type Slapd } from '../test/support/slapd.js';
import { AdminApi, userSignIn } from '../test/support/admin-api.js';
import {
  addLdif, benchPassword, deleteLdif, groupCount, GROUP_SIZE, mailOf, modifyLdif, PASSWORD_SAMPLE_FILTER, passwordChangeLdif, uidOf, writeDirectoryLdif,
} from '../src/bench/directory-generator.js';
import { figure, formatTable, type Figure, type FigureInput } from '../src/bench/report.js';
import { describeRepeated, repeated, summarize, type Repeated } from '../src/bench/stats.js';
import { freshTarget, loadFloor, readObjectRows, type StoreLocation } from '../src/bench/load-floor.js';
import { formatSchemeTable, measureSchemes } from '../src/bench/scheme-figures.js';
import { measureEqualTiming, measureSignInFlood, type TenantProcess } from '../src/bench/sign-in-security.js';
import { adFigures } from './bench-ad.js';

const SUFFIX = 'dc=bench,dc=example,dc=test';
const ADMIN_PASSWORD = `Bench-admin-${randomBytes(9).toString('hex')}`;
const POSTGRES_URL = process.env['DATABASE_URL_BENCH'] ?? process.env['DATABASE_URL_TEST'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const INSTALL_HINT = 'slapd and the LDAP tools are not installed. Run:\n  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils slapd-contrib';

// ---------------------------------------------------------------------------------------------
// options

interface Options {
  users: number;
  /** Runs of each headline figure (read floor, peer, load floor, full sync); the median is reported. */
  repeat: number;
  json: string | null;
  scaleUsers: number | null;
  passwordUsers: number;
  stores: Array<'sqlite' | 'postgres'>;
  /** Steps left out, for investigating one part: `peer`, `passwords`, `disable`. */
  skip: Set<string>;
  /** Samples of the disable-during-the-first-password-sync latency (step 9). */
  disableSamples: number;
  /** `--sign-in-schemes [SECONDS]`: only the per-scheme, per-worker-count table (src/bench/scheme-figures.ts). */
  signInSchemes: number | null;
  /** `--sign-in-security [SECONDS]`: only issue 11's sign-in figures (src/bench/sign-in-security.ts). */
  signInSecurity: { seconds: number; clients: number; samples: number } | null;
  keep: boolean;
  /** The Active Directory part (a private Samba AD DC): off unless --ad. */
  ad: { users: number; groups: number; samples: number } | null;
}

function usage(): never {
  process.stderr.write('usage: npm run bench -- [--users N] [--repeat R] [--json FILE] [--scale-users [M]] [--password-users K] [--stores sqlite,postgres] [--skip peer,passwords,disable,ldap,ad-replication] [--disable-samples S] [--sign-in-schemes [SECONDS]] [--sign-in-security [SECONDS] [--sign-in-clients C] [--timing-samples S]] [--keep] [--ad [--ad-users N] [--ad-groups G] [--ad-samples S]]\n');
  process.exit(2);
}

function parseOptions(argv: string[]): Options {
  let users = 100_000;
  let repeat = 3;
  let json: string | null = null;
  let scale: number | 'default' | null = null;
  let passwordUsers: number | null = null;
  let stores: Array<'sqlite' | 'postgres'> = ['sqlite', 'postgres'];
  let keep = false;
  let disableSamples = 12;
  let signInSchemes: number | null = null;
  let signInSecurity: number | null = null;
  let signInClients = 64;
  let timingSamples = 200;
  const skip = new Set<string>();
  let ad = false;
  let adUsers = 10_000;
  let adGroups = 200;
  let adSamples = 20;
  const count = (value: string | undefined, name: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      process.stderr.write(`${name} needs a positive whole number\n`);
      usage();
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--users') users = count(argv[++i], '--users');
    else if (arg === '--repeat') repeat = count(argv[++i], '--repeat');
    else if (arg === '--json') json = argv[++i] ?? usage();
    else if (arg === '--password-users') passwordUsers = count(argv[++i], '--password-users');
    else if (arg === '--scale-users') {
      const next = argv[i + 1];
      if (next !== undefined && /^\d+$/.test(next)) scale = count(argv[++i], '--scale-users');
      else scale = 'default';
    } else if (arg === '--stores') {
      stores = (argv[++i] ?? '').split(',').filter(Boolean) as Array<'sqlite' | 'postgres'>;
      if (stores.length === 0 || stores.some((s) => s !== 'sqlite' && s !== 'postgres')) usage();
    } else if (arg === '--skip') {
      for (const part of (argv[++i] ?? '').split(',').filter(Boolean)) {
        if (part !== 'peer' && part !== 'passwords' && part !== 'disable' && part !== 'ldap' && part !== 'ad-replication') usage();
        skip.add(part);
      }
    } else if (arg === '--disable-samples') disableSamples = count(argv[++i], '--disable-samples');
    else if (arg === '--sign-in-security') {
      const next = argv[i + 1];
      signInSecurity = next !== undefined && /^\d+$/.test(next) ? count(argv[++i], '--sign-in-security') : 5;
    } else if (arg === '--sign-in-clients') signInClients = count(argv[++i], '--sign-in-clients');
    else if (arg === '--timing-samples') timingSamples = count(argv[++i], '--timing-samples');
    else if (arg === '--sign-in-schemes') {
      const next = argv[i + 1];
      signInSchemes = next !== undefined && /^\d+$/.test(next) ? count(argv[++i], '--sign-in-schemes') : 3;
    }
    else if (arg === '--keep') keep = true;
    else if (arg === '--ad') ad = true;
    else if (arg === '--ad-users') adUsers = count(argv[++i], '--ad-users');
    else if (arg === '--ad-groups') adGroups = count(argv[++i], '--ad-groups');
    else if (arg === '--ad-samples') adSamples = count(argv[++i], '--ad-samples');
    else if (arg === '--help' || arg === '-h') usage();
    else usage();
  }
  if (skip.has('ldap') && !ad) {
    process.stderr.write('--skip ldap leaves nothing to measure without --ad\n');
    process.exit(2);
  }
  if (users < GROUP_SIZE) {
    process.stderr.write(`--users must be at least ${GROUP_SIZE}\n`);
    process.exit(2);
  }
  return {
    users,
    repeat,
    json,
    scaleUsers: scale === null ? null : scale === 'default' ? (users >= 100_000 ? 1_000_000 : users * 10) : scale,
    // 10,000 (the target's sample) from 10,000 users up; smaller runs derive fewer so CI stays quick.
    passwordUsers: Math.min(users, passwordUsers ?? (users >= 10_000 ? 10_000 : 250)),
    stores,
    skip,
    disableSamples,
    signInSchemes,
    signInSecurity: signInSecurity === null ? null : { seconds: signInSecurity, clients: signInClients, samples: timingSamples },
    keep,
    ad: ad ? { users: adUsers, groups: Math.min(adGroups, adUsers), samples: Math.max(20, adSamples) } : null,
  };
}

// ---------------------------------------------------------------------------------------------
// helpers

const figures: Figure[] = [];
const problems: string[] = [];
const info: Record<string, unknown> = {};

function add(input: FigureInput): Figure {
  const f = figure(input);
  figures.push(f);
  return f;
}

function say(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** e.g. "OpenLDAP: slapd 2.5.13+dfsg-5" (slapd -VV prints it on stderr). */
function slapdVersion(): string {
  const out = spawnSync('/usr/sbin/slapd', ['-VV'], { encoding: 'utf8' });
  const line = `${out.stdout ?? ''}${out.stderr ?? ''}`.split('\n').find((l) => l.includes('slapd')) ?? '';
  return /OpenLDAP: slapd [^\s]+/.exec(line)?.[0] ?? 'slapd (version unknown)';
}

/** Runs an optional step; its failure is recorded as a problem and the benchmark goes on. */
async function step(name: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    problems.push(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    say(`${name} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  }
}

function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) problems.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function ldapTool(tool: string, slapd: Slapd, args: string[], input?: string): string {
  try {
    return execFileSync(tool, ['-x', '-H', slapd.url, '-D', slapd.rootDn, '-y', join(slapd.dir, 'rootpw'), ...args], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...(input === undefined ? {} : { input }) });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${tool} failed: ${stderr.trim() || String(error)}`, { cause: error });
  }
}

/** Runs a command with stdout to /dev/null; returns seconds. */
function timeToDevNull(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const devNull = openSync('/dev/null', 'w');
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', devNull, 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => {
      closeSync(devNull);
      if (code === 0) resolve((performance.now() - started) / 1000);
      else reject(new Error(`${command} exited with ${code}: ${stderr.trim()}`));
    });
  });
}

function contextCsn(url: string, suffix: string, bindDn: string, pwFile: string): string | null {
  try {
    const out = execFileSync('ldapsearch', ['-x', '-LLL', '-H', url, '-D', bindDn, '-y', pwFile, '-s', 'base', '-b', suffix, 'contextCSN'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const values = [...out.matchAll(/^contextCSN: (.+)$/gm)].map((m) => m[1]!.trim()).sort();
    return values.length > 0 ? values.join(' ') : null;
  } catch {
    return null;
  }
}

function countEntries(url: string, suffix: string, bindDn: string, pwFile: string): number {
  const out = execFileSync('ldapsearch', ['-x', '-LLL', '-H', url, '-D', bindDn, '-y', pwFile, '-b', suffix, '-E', 'pr=1000/noprompt', '(objectClass=*)', '1.1'], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
  return (out.match(/^dn:/gm) ?? []).length;
}

// ---------------------------------------------------------------------------------------------
// child processes (tenant, agent)

// One exit hook for every child: a benchmark that dies must not leave processes behind.
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const proc of liveChildren) proc.kill('SIGKILL');
});

class Child {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private constructor(private readonly proc: ChildProcess, readonly role: string) {
    proc.on('message', (message: { id?: number; result?: unknown; error?: string; progress?: number }) => {
      if (message.progress !== undefined) say(`  ${role}: ${message.progress.toLocaleString('en-US')} inserted`);
      if (message.id === undefined) return;
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(`${role}: ${message.error}`));
      else waiter.resolve(message.result);
    });
    proc.once('exit', (code) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`${role} process exited (${code})`));
      this.pending.clear();
    });
  }

  static async start(role: 'tenant' | 'agent'): Promise<Child> {
    // DIRBRIDGE_BENCH_PROFILE=DIR writes a CPU profile of each child (open it in Chrome DevTools) to DIR.
    const profileDir = process.env['DIRBRIDGE_BENCH_PROFILE'];
    const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
    // Compiled, as shipped (`npm run bench` builds dist/ first).
    const childPath = new URL('../dist/bench/bench-child.js', import.meta.url).pathname;
    if (!existsSync(childPath)) throw new Error(`${childPath} is missing: run the benchmark with \`npm run bench\`, which builds dist/ first`);
    // The heap sizes bin/dirbridge.js starts node with.
    const proc = fork(childPath, [role], { execArgv: ['--max-old-space-size=1536', '--max-semi-space-size=32', ...profile], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    liveChildren.add(proc);
    proc.once('exit', () => liveChildren.delete(proc));
    await new Promise<void>((resolve, reject) => {
      proc.once('message', () => resolve());
      proc.once('exit', (code) => reject(new Error(`${role} process exited (${code}) before it was ready`)));
    });
    return new Child(proc, role);
  }

  call<T = any>(cmd: string, args: object = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.proc.send({ id, cmd, args });
    });
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    await this.call('stop').catch(() => undefined);
    await Promise.race([exited, sleep(10_000).then(() => { this.proc.kill('SIGKILL'); })]);
  }
}

interface Pair {
  kind: 'sqlite' | 'postgres';
  url: string;
  location: StoreLocation;
  tenant: Child;
  agent: Child;
  close(): Promise<void>;
}

async function withMaintenance<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (cause) {
    throw new Error(`PostgreSQL is not reachable at ${new URL(POSTGRES_URL).host} (${cause instanceof Error ? cause.message : String(cause)}); start it, set DATABASE_URL_BENCH, or run with --stores sqlite.`, { cause });
  }
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A tenant process on a fresh store (SQLite file or a new PostgreSQL database) without an agent. */
async function startTenant(kind: 'sqlite' | 'postgres', workDir: string, settings: object): Promise<{ tenant: Child; url: string; dataDir: string; location: StoreLocation; drop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(workDir, `tenant-${kind}-`));
  let databaseUrl: string | undefined;
  let drop = async (): Promise<void> => {};
  if (kind === 'postgres') {
    const name = `dirbridge_bench_${randomBytes(5).toString('hex')}`;
    await withMaintenance((c) => c.query(`create database ${name}`));
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    drop = () => withMaintenance((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined);
  }
  const tenant = await Child.start('tenant');
  try {
    const { url } = await tenant.call<{ url: string }>('init', { dataDir, adminPassword: ADMIN_PASSWORD, settings, ...(databaseUrl ? { databaseUrl } : {}) });
    const location: StoreLocation = databaseUrl ? { kind: 'postgres', databaseUrl } : { kind: 'sqlite', dataDir };
    return { tenant, url, dataDir, location, drop };
  } catch (error) {
    await tenant.stop();
    await drop();
    throw error;
  }
}

async function startPair(kind: 'sqlite' | 'postgres', slapd: Slapd, workDir: string, options: { passwordSync: boolean; filter?: string }): Promise<Pair> {
  // Both processes boot at once: loading the code takes a second or more on a busy machine.
  const [tenantStarted, agentStarted] = await Promise.allSettled([startTenant(kind, workDir, { passwordSyncEnabled: options.passwordSync }), Child.start('agent')]);
  if (tenantStarted.status === 'rejected' || agentStarted.status === 'rejected') {
    if (tenantStarted.status === 'fulfilled') { await tenantStarted.value.tenant.stop(); await tenantStarted.value.drop(); }
    if (agentStarted.status === 'fulfilled') await agentStarted.value.stop();
    throw tenantStarted.status === 'rejected' ? tenantStarted.reason : (agentStarted as PromiseRejectedResult).reason;
  }
  const t = tenantStarted.value;
  let agent: Child | undefined = agentStarted.value;
  try {
    const { token } = await t.tenant.call<{ token: string }>('token');
    const { active } = await agent.call<{ active: boolean }>('init', {
      tenantUrl: t.url, token, stateDir: join(t.dataDir, 'agent-host'), ldapUrl: slapd.url, bindDn: slapd.syncDn, bindPassword: slapd.syncPw, baseDn: slapd.suffix,
      ...(options.filter ? { filter: options.filter } : {}),
    });
    if (!active) throw new Error('the agent did not get the active lease');
  } catch (error) {
    await agent?.stop();
    await t.tenant.stop();
    await t.drop();
    throw error;
  }
  const a = agent;
  return {
    kind, url: t.url, location: t.location, tenant: t.tenant, agent: a,
    async close() {
      await a.stop();
      await t.tenant.stop();
      await t.drop();
    },
  };
}

interface CycleResult { seconds: number; outcome: string; counts: Record<string, number>; errors: number; failure: string | null; maxRssMb: number; peakHeapMb: number }

// ---------------------------------------------------------------------------------------------
// the steps

/**
 * 1. The read floor: a paged dump of every entry with all user and operational attributes, the
 * median of `runs` dumps after one that warms the server's cache (which the sync's read then
 * finds warm too). Single dumps spread widely on a shared machine; the range is reported.
 */
async function readFloor(slapd: Slapd, runs: number): Promise<Repeated> {
  const args = ['-x', '-H', slapd.url, '-D', slapd.rootDn, '-y', join(slapd.dir, 'rootpw'), '-b', slapd.suffix, '-E', 'pr=1000/noprompt', '(objectClass=*)', '*', '+'];
  await timeToDevNull('ldapsearch', args);
  const all: number[] = [];
  for (let i = 0; i < Math.max(runs, 3); i++) all.push(await timeToDevNull('ldapsearch', args));
  return repeated(all);
}

/**
 * 2. A consumer slapd replicating the provider by syncrepl refreshOnly; seconds from the moment it
 * answers (its start-up is not replication work) until it holds a complete copy. `dbnosync` is the
 * fair peer: dirbridge commits batches, a durable slapd fsyncs every entry.
 */
async function peer(slapd: Slapd, workDir: string, entries: number, durable: boolean): Promise<number> {
  const dir = mkdtempSync(join(workDir, durable ? 'peer-durable-' : 'peer-nosync-'));
  mkdirSync(join(dir, 'db'));
  const rootDn = `cn=admin,${slapd.suffix}`;
  const pwFile = join(dir, 'rootpw');
  const rootPw = randomBytes(12).toString('hex');
  writeFileSync(pwFile, rootPw, { mode: 0o600 });
  const conf = join(dir, 'slapd.conf');
  writeFileSync(conf, [
    'include /etc/ldap/schema/core.schema',
    'include /etc/ldap/schema/cosine.schema',
    'include /etc/ldap/schema/inetorgperson.schema',
    'include /etc/ldap/schema/nis.schema',
    `include ${join(slapd.dir, 'samba-subset.schema')}`,
    `pidfile ${join(dir, 'slapd.pid')}`,
    `argsfile ${join(dir, 'slapd.args')}`,
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'moduleload pw-sha2',
    'sizelimit unlimited',
    'database mdb',
    `suffix "${slapd.suffix}"`,
    `rootdn "${rootDn}"`,
    `rootpw ${rootPw}`,
    `directory ${join(dir, 'db')}`,
    'maxsize 4294967296',
    ...(durable ? [] : ['dbnosync']),
    // The provider's indexes, so the copy is the same database.
    'index objectClass,entryCSN,entryUUID eq',
    'index modifyTimestamp eq',
    'index uid,member,uniqueMember,memberUid eq',
    `syncrepl rid=001 provider=${slapd.url} type=refreshOnly interval=01:00:00:00 searchbase="${slapd.suffix}" scope=sub attrs="*,+" bindmethod=simple binddn="${slapd.rootDn}" credentials=${slapd.rootPw}`,
    '',
  ].join('\n'), { mode: 0o600 });
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const target = contextCsn(slapd.url, slapd.suffix, slapd.rootDn, join(slapd.dir, 'rootpw'));
  if (!target) throw new Error('the provider has no contextCSN');
  const proc = spawn('/usr/sbin/slapd', ['-d', '0', '-f', conf, '-h', `${url}/`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr?.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-4000); });
  const kill = (): void => { proc.kill('SIGKILL'); };
  process.once('exit', kill);
  try {
    const answered = await waitForAnswer(port, () => proc.exitCode !== null);
    if (!answered) throw new Error(`the peer slapd did not answer: ${log.trim()}`);
    const started = performance.now();
    const limit = started + Math.max(120_000, entries * 10);
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`the peer slapd exited: ${log.trim()}`);
      if (performance.now() > limit) throw new Error('the peer did not complete its copy in time');
      // The consumer writes the provider's contextCSN once its refresh is complete.
      if (contextCsn(url, slapd.suffix, rootDn, pwFile) === target) break;
      await sleep(100);
    }
    const seconds = (performance.now() - started) / 1000;
    const copied = countEntries(url, slapd.suffix, rootDn, pwFile);
    expectEqual(`peer (${durable ? 'durable' : 'dbnosync'}) entries`, copied, entries);
    return seconds;
  } finally {
    await new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
      setTimeout(kill, 5_000).unref();
    });
    process.removeListener('exit', kill);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls a TCP port on loopback until it accepts (true), the process is gone or 30 s passed (false). */
async function waitForAnswer(port: number, gone: () => boolean): Promise<boolean> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline && !gone()) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.setTimeout(1_000);
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => { socket.destroy(); resolve(false); });
    });
    if (ok) return true;
    await sleep(5);
  }
  return false;
}

interface Changes { modified: number[]; added: number[]; deleted: number[] }

/** 1% modified (spread over the directory), 0.1% added (new numbers), 0.1% deleted (none of the password sample). */
function planChanges(users: number, counts: { modify: number; add: number; del: number }, avoidBelow: number, tag: string): Changes & { tag: string } {
  const modified: number[] = [];
  const step = Math.max(1, Math.floor(users / counts.modify));
  for (let i = 0; modified.length < counts.modify && i < users; i += step) modified.push(i);
  const taken = new Set(modified);
  const deleted: number[] = [];
  for (let i = users - 1; deleted.length < counts.del && i >= avoidBelow; i -= 3) if (!taken.has(i)) deleted.push(i);
  const added = Array.from({ length: counts.add }, (_, k) => users + 1_000_000 + k);
  return { modified, added, deleted, tag };
}

function applyChanges(slapd: Slapd, changes: Changes & { tag: string }, workDir: string): number {
  const file = join(workDir, `changes-${changes.tag}.ldif`);
  const started = performance.now();
  writeFileSync(file, [modifyLdif(changes.modified, slapd.suffix, changes.tag), deleteLdif(changes.deleted, slapd.suffix)].join('\n'));
  ldapTool('ldapmodify', slapd, ['-f', file]);
  writeFileSync(file, addLdif(changes.added, { suffix: slapd.suffix, passwordSample: 0 }));
  ldapTool('ldapadd', slapd, ['-f', file]);
  rmSync(file);
  return (performance.now() - started) / 1000;
}

/**
 * 4. A delta cycle, then the check that the tenant matches. The tenant matches when the cycle
 * returns (it reports only after the tenant applied every batch); the check only proves it, and
 * its own time is reported apart.
 */
async function deltaUntilMatch(pair: Pair, changes: Changes & { tag: string }, expected: { users: number; groups: number }): Promise<{ seconds: number; checkSeconds: number; cycle: CycleResult }> {
  const started = performance.now();
  const cycle = await pair.agent.call<CycleResult>('sync', { mode: 'delta' });
  const seconds = (performance.now() - started) / 1000;
  const counts = await pair.tenant.call<{ users: number; groups: number }>('counts');
  const probe = changes.modified[Math.floor(changes.modified.length / 2)] ?? 0;
  const seen = await pair.tenant.call<{ displayName: string | null }>('displayName', { search: `${uidOf(probe)}@` });
  const checkSeconds = (performance.now() - started) / 1000 - seconds;
  expectEqual(`delta ${changes.tag} on ${pair.kind}: cycle outcome`, cycle.outcome, 'success');
  expectEqual(`delta ${changes.tag} on ${pair.kind}: users and groups`, { users: counts.users, groups: counts.groups }, expected);
  expectEqual(`delta ${changes.tag} on ${pair.kind}: a modified display name`, seen.displayName, `Changed ${changes.tag} ${uidOf(probe)}`);
  return { seconds, checkSeconds, cycle };
}

/** Time from `ldapsearch` start to end of the delta query by entryCSN: what the directory itself needs to answer "what changed". */
async function deltaQueryFloor(slapd: Slapd, csnBefore: string): Promise<number> {
  const csn = csnBefore.split(' ')[0]!;
  return timeToDevNull('ldapsearch', ['-x', '-H', slapd.url, '-D', slapd.rootDn, '-y', join(slapd.dir, 'rootpw'), '-b', slapd.suffix, '-E', 'pr=1000/noprompt', `(entryCSN>=${csn})`, '*', '+']);
}

async function signIn(url: string, username: string, password: string): Promise<number> {
  return (await userSignIn(url, username, password)).status;
}

/** 5.-7. Passwords, on the first store, scoped to the password sample. */
async function passwordFigures(slapd: Slapd, workDir: string, options: Options, pairs: Pair[], n: number, cores: number): Promise<void> {
  const k = options.passwordUsers;
  const kind = options.stores[0]!;
  const pair = await startPair(kind, slapd, workDir, { passwordSync: true, ...(k < n ? { filter: PASSWORD_SAMPLE_FILTER } : {}) });
  pairs.push(pair);
  const objects = await pair.agent.call<CycleResult>('sync', { mode: 'full' });
  expectEqual('password sample: directory sync outcome', objects.outcome, 'success');
  // Without a filter (K = N) every user in the tenant is in scope, the delta's additions included.
  const inScope = k < n ? k : (await pair.tenant.call<{ users: number }>('counts')).users;
  // The raw rate is measured right before and right after what it is compared with, and averaged:
  // on a shared machine the rate drifts within minutes.
  const rawCount = Math.min(200, Math.max(60, Math.round(k / 20)));
  const kdf = () => pair.agent.call<{ seconds: number; perSecond: number; workers: number }>('kdf', { count: rawCount });
  const rawBefore = await kdf();
  const initial = await pair.agent.call<CycleResult>('passwords', { mode: 'full' });
  const rawAfter = await kdf();
  const raw = { perSecond: (rawBefore.perSecond + rawAfter.perSecond) / 2, workers: rawBefore.workers };
  add({
    id: 'kdf_raw', label: `5. raw KDF rate (scrypt 2^14,8,1; ${raw.workers} workers)`, value: raw.perSecond, unit: 'derivations/s',
    detail: `mean of ${rawBefore.perSecond.toFixed(1)} before and ${rawAfter.perSecond.toFixed(1)} after the initial derivation, ${rawCount} derivations each`,
  });
  say(`raw KDF rate ${raw.perSecond.toFixed(1)}/s`);
  expectEqual('initial password sync: derived', initial.counts['derived'], inScope);
  add({
    id: 'password_initial', label: `5. initial verifier derivation (${inScope.toLocaleString('en-US')} users)`, value: (initial.counts['derived'] ?? 0) / initial.seconds, unit: 'verifiers/s',
    references: [{ name: 'raw KDF', value: raw.perSecond, unit: 'derivations/s', target: { min: 0.8 } }],
    detail: `${initial.counts['derived']} in ${initial.seconds.toFixed(2)} s`,
  });
  say(`initial derivation ${((initial.counts['derived'] ?? 0) / initial.seconds).toFixed(1)}/s`);
  // What an admin planning a migration asks first: the whole first password sync, in minutes,
  // beside the time the raw KDF alone needs for the same derivations on this machine.
  add({
    id: 'password_first_sync', label: `5. first password sync of ${inScope.toLocaleString('en-US')} users, end to end`, value: initial.seconds / 60, unit: 'min',
    references: [{ name: 'raw KDF bound', value: inScope / raw.perSecond / 60, unit: 'min' }],
    detail: `read, derive and store; ${raw.workers} workers; at 100,000 users run with --password-users 100000`,
  });

  const changeCount = Math.min(1000, Math.floor(n / 10), k);
  const changed = Array.from({ length: changeCount }, (_, i) => i);
  const file = join(workDir, 'passwords.ldif');
  writeFileSync(file, passwordChangeLdif(changed, slapd.suffix, 2));
  ldapTool('ldapmodify', slapd, ['-f', file]);
  rmSync(file);
  const delta = await pair.agent.call<CycleResult>('passwords', { mode: 'delta' });
  expectEqual('password changes: derived', delta.counts['derived'], changeCount);
  add({
    id: 'password_changes', label: `5. ${changeCount.toLocaleString('en-US')} password changes`, value: delta.seconds, unit: 's',
    references: [{ name: 'raw KDF time', value: changeCount / raw.perSecond, unit: 's' }],
    detail: `${((delta.counts['derived'] ?? 0) / delta.seconds).toFixed(1)} verifiers/s`,
  });
  say(`${changeCount} password changes in ${delta.seconds.toFixed(2)} s`);

  // 6. Latency of a single change, with the agent's loops running (syncrepl push). The tenant is
  // polled for a new verifier (polling sign-in would trip the lockout), then the sign-in must succeed.
  await pair.agent.call('start');
  await sleep(2_000);
  const latencies: number[] = [];
  // Users not changed in step 5 first; with few password users, those changed there too (a third password).
  const samples = Math.min(20, k);
  const changedAgain = new Set<number>();
  for (let s = 0; s < samples; s++) {
    const i = (changeCount + s) % k;
    changedAgain.add(i);
    const username = mailOf(i, slapd.suffix);
    const before = (await pair.tenant.call<{ stamp: string | null }>('verifierStamp', { username })).stamp;
    const started = performance.now();
    ldapTool('ldapmodify', slapd, [], passwordChangeLdif([i], slapd.suffix, 3));
    const deadline = started + 15_000;
    let ok = false;
    while (!ok && performance.now() < deadline) {
      const now = (await pair.tenant.call<{ stamp: string | null }>('verifierStamp', { username })).stamp;
      if (now !== null && now !== before) ok = (await signIn(pair.url, username, benchPassword(i, 3))) === 200;
      if (!ok) await sleep(10);
    }
    if (!ok) problems.push(`password latency: ${uidOf(i)} could not sign in with the new password within 15 s`);
    else latencies.push(performance.now() - started);
  }
  const latency = summarize(latencies);
  add({ id: 'password_latency_p50', label: '6. password change to sign-in, p50', value: latency.p50, unit: 'ms', detail: `${latency.samples} samples` });
  add({ id: 'password_latency_p95', label: '6. password change to sign-in, p95', value: latency.p95, unit: 'ms', target: { max: 1000 }, detail: `max ${latency.max.toFixed(0)} ms` });
  say(`password latency p50 ${latency.p50.toFixed(0)} ms, p95 ${latency.p95.toFixed(0)} ms`);

  // 7. Sign-in throughput: concurrent successful sign-ins, each one KDF on the tenant. The raw
  // rate is measured again right before, so a busy machine skews both sides alike.
  await pair.agent.call('stopLoops');
  const rawSignInBefore = await kdf();
  const signIns = rawCount;
  const concurrency = 4 * cores;
  let next = 0;
  let failed = 0;
  const signInStarted = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let j = next++; j < signIns; j = next++) {
      const i = j % changeCount;
      // Where step 6 wrapped around onto users of step 5 (few password users), their password is the third one.
      const generation = changedAgain.has(i) ? 3 : 2;
      if ((await signIn(pair.url, mailOf(i, slapd.suffix), benchPassword(i, generation))) !== 200) failed++;
    }
  }));
  const signInSeconds = (performance.now() - signInStarted) / 1000;
  const rawSignInAfter = await kdf();
  const rawAgain = { perSecond: (rawSignInBefore.perSecond + rawSignInAfter.perSecond) / 2 };
  expectEqual('sign-in throughput: failed sign-ins', failed, 0);
  add({
    id: 'sign_in_rate', label: `7. sign-in (${concurrency} concurrent)`, value: signIns / signInSeconds, unit: 'sign-ins/s',
    references: [{ name: 'raw KDF', value: rawAgain.perSecond, unit: 'derivations/s', target: { min: 0.8 } }],
    detail: `${signIns} in ${signInSeconds.toFixed(2)} s; raw KDF ${rawSignInBefore.perSecond.toFixed(1)} before, ${rawSignInAfter.perSecond.toFixed(1)} after`,
  });
  say(`sign-in ${(signIns / signInSeconds).toFixed(1)}/s`);
  for (const p of pairs.splice(0)) await p.close();
}

/** 8. A tenant holding `m` users (inserted through the store's batch API), and its admin reads. */
async function atScale(scaleKind: 'sqlite' | 'postgres', m: number, workDir: string): Promise<void> {
  const t = await startTenant(scaleKind, workDir, {});
  try {
    say(`inserting ${m.toLocaleString('en-US')} users into ${scaleKind} (batches of 5,000)`);
    const insert = await t.tenant.call<{ seconds: number }>('bulkInsert', { count: m, chunk: 5000, suffix: SUFFIX });
    add({ id: `scale_insert_${scaleKind}`, label: `8. store ${m.toLocaleString('en-US')} users, ${scaleKind}`, value: m / insert.seconds, unit: 'users/s', detail: `${insert.seconds.toFixed(1)} s through applyObjectBatch` });
    const admin = await AdminApi.signIn(t.url, 'admin', ADMIN_PASSWORD);
    const time = async (path: string, count: number): Promise<number[]> => {
      await admin.get(path); // warm-up
      const out: number[] = [];
      for (let j = 0; j < count; j++) {
        const started = performance.now();
        await admin.get(path);
        out.push(performance.now() - started);
      }
      return out;
    };
    const status = summarize(await time('/api/v1/dirsync/status', 20));
    const list = summarize(await time('/api/v1/users?page=7&pageSize=25', 20));
    const search = summarize(await time(`/api/v1/users?search=${encodeURIComponent('Scale User 4242')}&page=1&pageSize=25`, 20));
    add({ id: `scale_status_p50_${scaleKind}`, label: `8. GET dirsync/status at ${m.toLocaleString('en-US')} users, ${scaleKind}, p50`, value: status.p50, unit: 'ms' });
    add({ id: `scale_status_p95_${scaleKind}`, label: `8. GET dirsync/status at ${m.toLocaleString('en-US')} users, ${scaleKind}, p95`, value: status.p95, unit: 'ms', target: { max: 50 } });
    add({ id: `scale_users_p50_${scaleKind}`, label: `8. GET users page, ${scaleKind}, p50`, value: list.p50, unit: 'ms' });
    add({ id: `scale_users_p95_${scaleKind}`, label: `8. GET users page, ${scaleKind}, p95`, value: list.p95, unit: 'ms', target: { max: 150 } });
    add({ id: `scale_search_p50_${scaleKind}`, label: `8. GET users page with search, ${scaleKind}, p50`, value: search.p50, unit: 'ms' });
    add({ id: `scale_search_p95_${scaleKind}`, label: `8. GET users page with search, ${scaleKind}, p95`, value: search.p95, unit: 'ms', target: { max: 150 } });

    const tenantRss = (await t.tenant.call<{ maxRssMb: number }>('rss')).maxRssMb;
    add({ id: `scale_tenant_rss_${scaleKind}`, label: `8. tenant peak RSS at scale, ${scaleKind}`, value: tenantRss, unit: 'MB', target: { max: 500 } });
    say(`status p95 ${status.p95.toFixed(1)} ms, users page p95 ${list.p95.toFixed(1)} ms, search p95 ${search.p95.toFixed(1)} ms`);

    // The same under load: several admin clients at once, each on random pages and random search
    // terms (cold rows and index pages too, not one warm page), p50/p95/p99 per request kind.
    const clients = 8;
    const perClient = 40;
    // Signed in one after another: the peak RSS above is the store's, not that of 8 password checks at once.
    const admins: AdminApi[] = [];
    for (let c = 0; c < clients; c++) admins.push(await AdminApi.signIn(t.url, 'admin', ADMIN_PASSWORD));
    const pages = Math.max(1, Math.floor(m / 25));
    const random = (below: number): number => Math.floor(Math.random() * below);
    const kinds = {
      status: () => '/api/v1/dirsync/status',
      page: () => `/api/v1/users?page=${1 + random(pages)}&pageSize=25`,
      search: () => `/api/v1/users?search=${encodeURIComponent(`Scale User ${random(m)}`)}&page=1&pageSize=25`,
    };
    const samples: Record<keyof typeof kinds, number[]> = { status: [], page: [], search: [] };
    const names = Object.keys(kinds) as Array<keyof typeof kinds>;
    const loadStarted = performance.now();
    await Promise.all(admins.map(async (client) => {
      for (let j = 0; j < perClient; j++) {
        const kind = names[random(names.length)]!;
        const started = performance.now();
        await client.get(kinds[kind]());
        samples[kind].push(performance.now() - started);
      }
    }));
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    for (const kind of names) {
      const summary = summarize(samples[kind]);
      for (const q of ['p50', 'p95', 'p99'] as const) {
        add({
          id: `scale_concurrent_${kind}_${q}_${scaleKind}`, label: `8. ${clients} concurrent admins, ${kind}, ${scaleKind}, ${q}`, value: summary[q], unit: 'ms',
          detail: `${summary.samples} requests of ${clients * perClient} in ${loadSeconds.toFixed(1)} s (${((clients * perClient) / loadSeconds).toFixed(0)} requests/s in all)`,
        });
      }
      say(`${clients} concurrent admins, ${kind}: p50 ${summary.p50.toFixed(1)} ms, p95 ${summary.p95.toFixed(1)} ms, p99 ${summary.p99.toFixed(1)} ms`);
    }
  } finally {
    await t.tenant.stop();
    await t.drop();
  }
}

// ---------------------------------------------------------------------------------------------
// 9. A disable during the first password sync (issue 10)

/** ldapmodify input for OpenLDAP ppolicy's administrative lock: the mapping reads it as disabled. */
function lockLdif(i: number, suffix: string): string {
  return `dn: uid=${uidOf(i)},ou=people,${suffix}\nchangetype: modify\nadd: pwdAccountLockedTime\npwdAccountLockedTime: 000001010000Z\n`;
}

/**
 * 9. A user disabled in the directory while the first password sync of all `n` users runs is
 * refused sign-in within 2 s. The real path: the agent's loops run as shipped (the change watch,
 * then the first password sync they start themselves); a user who already holds a verifier and
 * signs in is locked in slapd with ldapmodify, then signs in again and again until refused. Each
 * sample counts only if the password sync was still running when the refusal came.
 */
async function disableDuringFirstPasswordSync(slapd: Slapd, workDir: string, options: Options, pairs: Pair[], n: number): Promise<void> {
  const kind = options.stores[0]!;
  const pair = await startPair(kind, slapd, workDir, { passwordSync: true });
  pairs.push(pair);
  try {
    const objects = await pair.agent.call<CycleResult>('sync', { mode: 'full' });
    expectEqual('disable during the first password sync: directory sync outcome', objects.outcome, 'success');
    await pair.agent.call('start');
    // The loops start the first password sync themselves; this request joins it (the pipeline
    // coalesces), so it settles when the first password sync is over.
    let syncing = true;
    let firstSync: CycleResult | null = null;
    void pair.agent.call<CycleResult>('passwords', { mode: 'delta' }).then((r) => { firstSync = r; }, () => undefined).finally(() => { syncing = false; });
    const running = async (): Promise<{ processed: number; total: number } | null> => (syncing ? (await pair.agent.call('passwordProgress')) ?? { processed: 0, total: n } : null);
    const latencies: number[] = [];
    const tried = new Set<number>();
    let progressAtEnd = '';
    // The upper half: steps 5 and 6 changed the passwords of the first users.
    const random = (): number => Math.floor(n / 2 + Math.random() * (n - Math.floor(n / 2)));
    while (latencies.length < options.disableSamples) {
      if ((await running()) === null) break;
      // A victim that holds a verifier already and signs in with it.
      let victim = -1;
      for (let c = 0; c < 200 && victim < 0; c++) {
        const i = random();
        if (tried.has(i)) continue;
        tried.add(i);
        if ((await pair.tenant.call<{ stamp: string | null }>('verifierStamp', { username: mailOf(i, slapd.suffix) })).stamp !== null) victim = i;
      }
      if (victim < 0) { tried.clear(); await sleep(200); continue; }
      const username = mailOf(victim, slapd.suffix);
      if ((await signIn(pair.url, username, benchPassword(victim, 1))) !== 200) continue;
      const started = performance.now();
      ldapTool('ldapmodify', slapd, [], lockLdif(victim, slapd.suffix));
      let refused = false;
      while (!refused && performance.now() - started < 15_000) {
        const status = await signIn(pair.url, username, benchPassword(victim, 1));
        // 401 is the refusal; 503 (busy) and 429 (locked out) are not the disable arriving.
        if (status === 401) refused = true;
        else if (status !== 200) await sleep(20);
      }
      const latency = performance.now() - started;
      const progress = await running();
      if (!refused) { problems.push(`disable during the first password sync: ${uidOf(victim)} could still sign in 15 s after being disabled`); continue; }
      if (progress === null) break;
      progressAtEnd = `${progress.processed.toLocaleString('en-US')} of ${progress.total.toLocaleString('en-US')}`;
      latencies.push(latency);
      say(`  disable sample ${latencies.length}: ${latency.toFixed(0)} ms, password sync at ${progressAtEnd}`);
      await sleep(200);
    }
    const summary = summarize(latencies);
    say(`disable during the first password sync: ${latencies.length} samples; the first password sync ${syncing ? 'still runs' : `ended (${JSON.stringify((firstSync as CycleResult | null)?.counts ?? {})})`}`);
    // On many cores the first password sync of a small directory ends within seconds: fewer samples
    // are then said in the detail; none at all is a failed step.
    if (latencies.length === 0) problems.push(`disable during the first password sync: no sample before the password sync of ${n} users ended (raise --users)`);
    const fewer = latencies.length < options.disableSamples ? ` (the sync ended before ${options.disableSamples}; raise --users for more)` : '';
    add({ id: 'disable_during_first_sync_p50', label: `9. disable during the first password sync of ${n.toLocaleString('en-US')} users, refused sign-in, p50`, value: summary.p50, unit: 'ms', detail: `${summary.samples} samples${fewer}, ${kind}` });
    add({
      id: 'disable_during_first_sync_p95', label: `9. disable during the first password sync of ${n.toLocaleString('en-US')} users, refused sign-in, p95`, value: summary.p95, unit: 'ms', target: { max: 2000 },
      detail: `max ${summary.max.toFixed(0)} ms; ldapmodify to the first 401; the sync had processed ${progressAtEnd} when the last sample ended`,
    });
    say(`disable during the first password sync: p50 ${summary.p50.toFixed(0)} ms, p95 ${summary.p95.toFixed(0)} ms (${summary.samples} samples, at ${progressAtEnd})`);
  } finally {
    // Stopping cancels the rest of the first password sync: only its first part was needed.
    await pair.agent.call('stopLoops').catch(() => undefined);
    pairs.splice(pairs.indexOf(pair), 1);
    await pair.close();
  }
}

// ---------------------------------------------------------------------------------------------

/** `--sign-in-schemes`: derivation and sign-in per scheme at 1 worker and at every core, beside the raw KDF. */
async function signInSchemesOnly(seconds: number): Promise<void> {
  const cores = availableParallelism();
  say(`derivation and sign-in per scheme at 1 and ${cores} workers, ${seconds} s per figure`);
  const rows = await measureSchemes([1, cores], seconds, (r) => say(`  ${r.scheme}, ${r.workers} workers: derive ${r.derivationsPerSecond.toFixed(1)}/s, sign-in ${r.signInsPerSecond.toFixed(1)}/s, raw KDF ${r.rawKdfPerSecond.toFixed(1)}/s`));
  process.stdout.write(`\ndirbridge derivation and sign-in per scheme: ${cores} cores (${cpus()[0]?.model ?? 'unknown'}), ${seconds} s per figure, KDF scrypt 2^14,8,1\n\n${formatSchemeTable(rows)}\n`);
}

/** `--sign-in-security`: issue 11's figures against a tenant process on a fresh SQLite store, no directory. */
async function signInSecurityOnly(options: Options, settings: NonNullable<Options['signInSecurity']>): Promise<void> {
  const cores = availableParallelism();
  const workDir = mkdtempSync(join(tmpdir(), 'dirbridge-bench-'));
  const began = performance.now();
  Object.assign(info, { date: new Date().toISOString(), node: process.version, cores, cpu: cpus()[0]?.model ?? 'unknown', loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))), ...settings });
  say(`sign-in security: ${settings.clients} clients, ${settings.seconds} s per bounded scheme, ${settings.samples} equal-timing samples of each kind; ${cores} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  try {
    // Two tenants on fresh stores, one after the other: the flood's (bound-cost hashes of four
    // schemes) and the equal-timing one's (a single scheme, so the decoy's choice cannot skew the gap).
    for (const measure of [
      (tenant: TenantProcess) => measureSignInFlood(tenant, { ...settings, say }),
      (tenant: TenantProcess) => measureEqualTiming(tenant, { ...settings, say }),
    ]) {
      const started = await startTenant('sqlite', workDir, {});
      try {
        for (const f of await measure({ url: started.url, call: (cmd, args) => started.tenant.call(cmd, args) })) add(f);
      } finally {
        await started.tenant.stop();
        await started.drop();
      }
    }
  } finally {
    if (!options.keep) rmSync(workDir, { recursive: true, force: true });
  }
  info['totalSeconds'] = (performance.now() - began) / 1000;
  info['loadAverageAtEnd'] = loadavg().map((l) => Number(l.toFixed(2)));
  process.stdout.write(`\ndirbridge sign-in security: ${cores} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${(info['loadAverageAtStart'] as number[]).join(' ')} at the start, ${(info['loadAverageAtEnd'] as number[]).join(' ')} at the end, ${(info['totalSeconds'] as number).toFixed(0)} s\n\n`);
  process.stdout.write(`${formatTable(figures)}\n`);
  if (options.json) writeFileSync(options.json, `${JSON.stringify({ info, figures, problems }, null, 2)}\n`);
}

/** Thrown to leave out the slapd part (`--skip ldap`) through main's one clean-up path. */
class SkipLdap extends Error {}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.signInSchemes !== null) return signInSchemesOnly(options.signInSchemes);
  if (options.signInSecurity !== null) return signInSecurityOnly(options, options.signInSecurity);
  for (const tool of ['/usr/sbin/slapd', '/usr/sbin/slapadd']) if (!existsSync(tool)) { process.stderr.write(`${INSTALL_HINT}\n`); process.exit(1); }
  try {
    execFileSync('ldapsearch', ['-VV'], { stdio: 'ignore' });
  } catch {
    process.stderr.write(`${INSTALL_HINT}\n`);
    process.exit(1);
  }

  const n = options.users;
  const groups = groupCount(n);
  const entriesInDirectory = n + groups + 4; // + suffix, sync account, two OUs
  const cores = availableParallelism();
  const workDir = mkdtempSync(join(tmpdir(), 'dirbridge-bench-'));
  const began = performance.now();
  Object.assign(info, {
    date: new Date().toISOString(), node: process.version, cores, cpu: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))), users: n, groups, memberships: groups * GROUP_SIZE,
    passwordUsers: options.passwordUsers, scaleUsers: options.scaleUsers, stores: options.stores,
    slapd: slapdVersion(),
  });
  // Only the AD part runs: the slapd directory's sizes would describe nothing measured.
  if (options.skip.has('ldap')) for (const key of ['users', 'groups', 'memberships', 'passwordUsers', 'scaleUsers', 'slapd']) delete info[key];
  if (!options.skip.has('ldap')) say(`${n.toLocaleString('en-US')} users, ${groups.toLocaleString('en-US')} groups of ${GROUP_SIZE}; ${cores} cores; work folder ${workDir}`);

  const slapds: Slapd[] = [];
  const pairs: Pair[] = [];
  try {
    if (options.skip.has('ldap')) throw new SkipLdap();
    // Generate and load the directory.
    let t = performance.now();
    const ldifFile = join(workDir, 'directory.ldif');
    await writeDirectoryLdif(ldifFile, { suffix: SUFFIX, users: n, passwordSample: options.passwordUsers });
    const generateSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    // ppolicy: its pwdAccountLockedTime is how an OpenLDAP user is disabled (step 9).
    const slapd = await startSlapd({ suffix: SUFFIX, ldifFile, ppolicy: true });
    slapds.push(slapd);
    rmSync(ldifFile);
    const loadSeconds = (performance.now() - t) / 1000;
    say(`directory generated in ${generateSeconds.toFixed(1)} s, loaded with slapadd -q and started in ${loadSeconds.toFixed(1)} s`);
    Object.assign(info, { generateSeconds, loadSeconds });

    // 1. Read floor
    const floors = await readFloor(slapd, options.repeat);
    const floor = floors.median;
    add({ id: 'read_floor', label: '1. read floor (ldapsearch paged, * +)', value: floor, unit: 's', detail: `${entriesInDirectory} entries to /dev/null, ${describeRepeated(floors, 's')} (after one warming dump)` });
    say(`read floor ${floor.toFixed(2)} s (${describeRepeated(floors, 's')})`);

    // 2. Peer: dbnosync is the reference; the durable peer is context (it fsyncs every entry).
    let peerNosync: Repeated | null = null;
    if (!options.skip.has('peer')) {
      const runs: number[] = [];
      for (let r = 0; r < options.repeat; r++) runs.push(await peer(slapd, workDir, entriesInDirectory, false));
      peerNosync = repeated(runs);
      add({ id: 'peer_nosync', label: '2. syncrepl peer, dbnosync', value: peerNosync.median, unit: 's', references: [{ name: 'read floor', value: floor, unit: 's' }], detail: `${describeRepeated(peerNosync, 's')}; timed from the moment the consumer answers` });
      say(`syncrepl peer (dbnosync) ${peerNosync.median.toFixed(2)} s (${describeRepeated(peerNosync, 's')})`);
      const peerDurable = await peer(slapd, workDir, entriesInDirectory, true);
      add({ id: 'peer_durable', label: '2. syncrepl peer, durable (context)', value: peerDurable, unit: 's', references: [{ name: 'dbnosync peer', value: peerNosync.median, unit: 's' }], detail: 'one run; an fsync per entry, so it shows the disk, not the replication' });
      say(`syncrepl peer (durable) ${peerDurable.toFixed(2)} s`);
    }

    // 3. Full sync per store, `repeat` times on a fresh tenant each; the last pair stays for the delta.
    // The load floor of the store: the synced rows loaded again by the database's bulk path.
    const expectedObjects = { users: n, groups, memberships: groups * GROUP_SIZE };
    for (const kind of options.stores) {
      const seconds: number[] = [];
      const loads: number[] = [];
      let last: { cycle: CycleResult; cpuUsed: string; checkSeconds: number; tenantRss: number; agentBaseline: number; tenantBaseline: number } | null = null;
      for (let r = 0; r < options.repeat; r++) {
        const pair = await startPair(kind, slapd, workDir, { passwordSync: false });
        pairs.push(pair);
        const agentBaseline = (await pair.agent.call<{ maxRssMb: number }>('rss')).maxRssMb;
        const tenantBaseline = (await pair.tenant.call<{ maxRssMb: number }>('rss')).maxRssMb;
        const cpu = async (): Promise<{ agent: number; tenant: number }> => ({
          agent: (await pair.agent.call<{ seconds: number }>('cpu')).seconds,
          tenant: (await pair.tenant.call<{ seconds: number }>('cpu')).seconds,
        });
        const cpuBefore = await cpu();
        const started = performance.now();
        const cycle = await pair.agent.call<CycleResult>('sync', { mode: 'full' });
        seconds.push((performance.now() - started) / 1000);
        const cpuAfter = await cpu();
        // What the two processes kept busy, to tell a saturated machine from one that waits.
        const cpuUsed = `agent ${(cpuAfter.agent - cpuBefore.agent).toFixed(1)} s of CPU, tenant ${(cpuAfter.tenant - cpuBefore.tenant).toFixed(1)} s`;
        const checkStarted = performance.now();
        const counts = await pair.tenant.call('counts');
        const checkSeconds = (performance.now() - checkStarted) / 1000;
        expectEqual(`full sync on ${kind} (run ${r + 1}): outcome`, cycle.outcome, 'success');
        expectEqual(`full sync on ${kind} (run ${r + 1}): users, groups, memberships in the tenant`, counts, expectedObjects);
        const tenantRss = (await pair.tenant.call<{ maxRssMb: number }>('rss')).maxRssMb;
        last = { cycle, cpuUsed, checkSeconds, tenantRss, agentBaseline, tenantBaseline };
        if (r === 0) {
          const rows = await readObjectRows(pair.location);
          for (let l = 0; l < options.repeat; l++) {
            const fresh = await freshTarget(kind, workDir, POSTGRES_URL);
            try {
              loads.push((await loadFloor(fresh.target, rows)).seconds);
            } finally {
              await fresh.drop();
            }
          }
        }
        if (r < options.repeat - 1) await pairs.pop()!.close();
        say(`full sync on ${kind}, run ${r + 1}: ${seconds[r]!.toFixed(2)} s (${cpuUsed})`);
      }
      const full = repeated(seconds);
      const load = repeated(loads);
      const objects = n + groups;
      const loadFloorSeconds = floor + load.median;
      add({
        id: `load_floor_${kind}`, label: `3. load floor, ${kind} (read floor + bulk load)`, value: loadFloorSeconds, unit: 's',
        detail: `read floor ${floor.toFixed(2)} s + ${kind === 'postgres' ? 'COPY' : 'one transaction of prepared inserts'} of the synced rows into the same schema and indexes, ${describeRepeated(load, 's')}`,
      });
      add({
        id: `full_sync_${kind}`, label: `3. full sync, ${kind}`, value: full.median, unit: 's',
        references: [
          { name: 'read floor', value: floor, unit: 's', target: { max: 10 } },
          { name: 'load floor', value: loadFloorSeconds, unit: 's' },
          ...(peerNosync === null ? [] : [{ name: 'dbnosync peer', value: peerNosync.median, unit: 's' }]),
        ],
        detail: `${objects} objects, ${groups * GROUP_SIZE} memberships; ${describeRepeated(full, 's')}; last run: ${last!.cpuUsed}; counting them in the tenant after took ${last!.checkSeconds.toFixed(2)} s`,
      });
      add({ id: `full_sync_rate_${kind}`, label: `3. full sync rate, ${kind}`, value: objects / full.median, unit: 'objects/s' });
      add({ id: `agent_rss_${kind}`, label: `3. agent peak RSS, ${kind}`, value: last!.cycle.maxRssMb, unit: 'MB', target: { max: 300 }, detail: `last run; ${last!.agentBaseline.toFixed(0)} MB after start, before the sync; JS heap peak during the sync ${last!.cycle.peakHeapMb.toFixed(0)} MB` });
      add({ id: `tenant_rss_${kind}`, label: `3. tenant peak RSS, ${kind}`, value: last!.tenantRss, unit: 'MB', target: { max: 500 }, detail: `last run; ${last!.tenantBaseline.toFixed(0)} MB after start, before the sync` });
      say(`full sync on ${kind}: median ${full.median.toFixed(2)} s (${Math.round(objects / full.median)} objects/s), load floor ${loadFloorSeconds.toFixed(2)} s`);
    }

    // 4. Delta: 1% modified, 0.1% added, 0.1% deleted
    const deltaCounts = { modify: Math.max(1, Math.round(n / 100)), add: Math.max(1, Math.round(n / 1000)), del: Math.max(1, Math.round(n / 1000)) };
    const csnBefore = contextCsn(slapd.url, slapd.suffix, slapd.rootDn, join(slapd.dir, 'rootpw'));
    const changes = planChanges(n, deltaCounts, options.passwordUsers, 'd1');
    const applySeconds = applyChanges(slapd, changes, workDir);
    const deltaFloor = csnBefore ? await deltaQueryFloor(slapd, csnBefore) : Number.NaN;
    add({ id: 'delta_query_floor', label: '4. delta query by entryCSN (ldapsearch)', value: deltaFloor, unit: 's', detail: `${deltaCounts.modify + deltaCounts.add} changed entries` });
    // What was really deleted: none of the password sample is (with --password-users N, none at all).
    const expectedAfter = { users: n + changes.added.length - changes.deleted.length, groups };
    let deltaAtN = Number.NaN;
    for (const pair of pairs) {
      const { seconds, checkSeconds, cycle } = await deltaUntilMatch(pair, changes, expectedAfter);
      if (pair.kind === pairs[0]?.kind) deltaAtN = seconds;
      add({
        id: `delta_${pair.kind}`, label: `4. delta, ${pair.kind}`, value: seconds, unit: 's', target: { max: 3 },
        references: [{ name: 'delta query', value: deltaFloor, unit: 's' }],
        detail: `${deltaCounts.modify} modified, ${deltaCounts.add} added, ${changes.deleted.length} deleted (applied in slapd in ${applySeconds.toFixed(2)} s); cycle read ${cycle.counts['read']}; the check after it took ${checkSeconds.toFixed(2)} s`,
      });
      say(`delta on ${pair.kind}: ${seconds.toFixed(2)} s (then ${checkSeconds.toFixed(2)} s to check the tenant)`);
    }
    for (const pair of pairs.splice(0)) await pair.close();

    // The same delta on a directory a tenth the size: its cost follows the changes, not the size.
    if (n >= 10_000) await step('delta at a tenth of the size', async () => {
      const small = Math.floor(n / 10);
      const smallFile = join(workDir, 'small.ldif');
      await writeDirectoryLdif(smallFile, { suffix: SUFFIX, users: small, passwordSample: 0 });
      const smallSlapd = await startSlapd({ suffix: SUFFIX, ldifFile: smallFile });
      slapds.push(smallSlapd);
      rmSync(smallFile);
      const kind = options.stores[0]!;
      const pair = await startPair(kind, smallSlapd, workDir, { passwordSync: false });
      try {
        const full = await pair.agent.call<CycleResult>('sync', { mode: 'full' });
        expectEqual(`full sync at ${small} users: outcome`, full.outcome, 'success');
        const smallChanges = planChanges(small, deltaCounts, 0, 'd2');
        applyChanges(smallSlapd, smallChanges, workDir);
        const { seconds, checkSeconds } = await deltaUntilMatch(pair, smallChanges, { users: small + deltaCounts.add - deltaCounts.del, groups: groupCount(small) });
        add({
          id: `delta_tenth_${kind}`, label: `4. same delta at ${small.toLocaleString('en-US')} users, ${kind}`, value: seconds, unit: 's', target: { max: 3 },
          references: [{ name: `delta at ${n.toLocaleString('en-US')} users`, value: deltaAtN, unit: 's' }],
          detail: `full sync of ${small} users first; the check after the delta took ${checkSeconds.toFixed(2)} s`,
        });
        say(`same delta at ${small} users: ${seconds.toFixed(2)} s`);
      } finally {
        await pair.close();
        await smallSlapd.stop();
        slapds.splice(slapds.indexOf(smallSlapd), 1);
      }
    });

    if (!options.skip.has('passwords')) await passwordFigures(slapd, workDir, options, pairs, n, cores);
    if (!options.skip.has('disable')) await step('disable during the first password sync', () => disableDuringFirstPasswordSync(slapd, workDir, options, pairs, n));

    // 8. The tenant at scale.
    if (options.scaleUsers !== null) {
      const m = options.scaleUsers;
      for (const scaleKind of options.stores) await step(`tenant at scale on ${scaleKind}`, () => atScale(scaleKind, m, workDir));
    }
  } catch (error) {
    // Whatever was measured before the failure is still printed, with the failure among the problems.
    if (!(error instanceof SkipLdap)) {
      problems.push(`the benchmark stopped early: ${error instanceof Error ? error.message : String(error)}`);
      say(error instanceof Error ? error.stack ?? error.message : String(error));
    }
  } finally {
    for (const pair of pairs) await pair.close().catch((e: unknown) => say(`closing: ${String(e)}`));
    for (const s of slapds) await s.stop().catch(() => undefined);
    if (!options.keep) rmSync(workDir, { recursive: true, force: true });
  }
  // The Active Directory part: its own DC, directory and tenants (scripts/bench-ad.ts).
  if (options.ad) {
    const ad = options.ad;
    say(`AD: ${ad.users.toLocaleString('en-US')} users, ${ad.groups} groups on a private Samba AD DC`);
    await step('the AD benchmark', () => adFigures({ ...ad, repeat: options.repeat, stores: options.stores, skipReplication: options.skip.has('ad-replication') }, { add, say, problems, info }));
  }
  info['totalSeconds'] = (performance.now() - began) / 1000;
  info['loadAverageAtEnd'] = loadavg().map((l) => Number(l.toFixed(2)));

  const scope = options.skip.has('ldap') ? 'Active Directory only' : `${n.toLocaleString('en-US')} users, ${groups.toLocaleString('en-US')} groups of ${GROUP_SIZE}`;
  const adScope = options.ad ? `; AD: ${options.ad.users.toLocaleString('en-US')} users, ${options.ad.groups} groups` : '';
  process.stdout.write(`\ndirbridge benchmark: ${scope}${adScope}, ${cores} cores, ${(info['totalSeconds'] as number).toFixed(0)} s\n\n`);
  process.stdout.write(`${formatTable(figures)}\n`);
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify({ info, figures, problems }, null, 2)}\n`);
    process.stdout.write(`\nJSON written to ${options.json}\n`);
  }
  if (problems.length > 0) {
    process.stdout.write(`\nPROBLEMS (the figures above are not trustworthy):\n${problems.map((p) => `- ${p}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});

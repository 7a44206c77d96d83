/**
 * `npm run chaos -- [--users N] [--kills K] [--stores sqlite,postgres] [--seed S] [--json FILE] [--keep DIR] [--plant KINDS]`
 *
 * Proof under crashes. A private slapd holds N generated users (each with an {SSHA} password) and
 * N/50 groups; the tenant service (`dirbridge serve`) and the agent (`dirbridge agent`) run as
 * separate processes, exactly as shipped. During the first full sync and the first password sync
 * one of them is killed with SIGKILL at K random moments and started again (half of them in the
 * first seconds, half at random points of the first password sync's progress); slapd itself is
 * restarted once mid-cycle. Then, once the agent reports a successful directory and password run
 * after the last disturbance, the tenant's store is compared with the directory object by object
 * (users with UPN, display name, mail and enabled flag; groups with their name; every membership),
 * and every user signs in with their password. Prints the figures; exits 1 on any difference.
 *
 * The comparison is src/bench/chaos-compare.ts. `--plant missing-user,duplicated-member,...` plants
 * those differences in the converged store before it is compared (proof that the run can fail, see
 * test/integration/chaos.test.ts); `--keep DIR` works in DIR and leaves the stores and the
 * directory's state (directory.json) there; `--json FILE` writes the figures.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import pg from 'pg';
import { startSlapd, type Slapd } from '../test/support/slapd.js';
import { AdminApi, userSignIn } from '../test/support/admin-api.js';
import { benchPassword, groupCount, mailOf, writeDirectoryLdif } from '../src/bench/directory-generator.js';
import type { StoreLocation } from '../src/bench/load-floor.js';
import {
  compareWithDirectory, isClean, parseDirectoryDump, plantDifferences, PLANT_KINDS, readTenantState, type DirectoryState, type PlantKind,
} from '../src/bench/chaos-compare.js';

const SUFFIX = 'dc=chaos,dc=example,dc=test';
const POSTGRES_URL = process.env['DATABASE_URL_BENCH'] ?? process.env['DATABASE_URL_TEST'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const CLI = new URL('../bin/dirbridge.js', import.meta.url).pathname;

interface Options { users: number; kills: number; stores: Array<'sqlite' | 'postgres'>; seed: number; timeoutSeconds: number; json: string | null; keep: string | null; plant: PlantKind[] }

function parseOptions(argv: string[]): Options {
  const o: Options = { users: 300, kills: 5, stores: ['sqlite', 'postgres'], seed: Date.now() % 1_000_000, timeoutSeconds: 600, json: null, keep: null, plant: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = (): string => argv[++i] ?? usage();
    if (arg === '--users') o.users = positive(next());
    else if (arg === '--kills') o.kills = Number(next());
    else if (arg === '--seed') o.seed = Number(next());
    else if (arg === '--timeout') o.timeoutSeconds = positive(next());
    else if (arg === '--stores') o.stores = next().split(',').filter(Boolean) as Options['stores'];
    else if (arg === '--json') o.json = next();
    else if (arg === '--keep') o.keep = next();
    else if (arg === '--plant') o.plant = next().split(',').filter(Boolean) as PlantKind[];
    else usage();
  }
  if (o.users < 50 || !Number.isInteger(o.kills) || o.kills < 0 || o.stores.some((s) => s !== 'sqlite' && s !== 'postgres')) usage();
  if (o.plant.some((k) => !(PLANT_KINDS as readonly string[]).includes(k))) usage();
  return o;
}

function usage(): never {
  process.stderr.write(`usage: npm run chaos -- [--users N>=50] [--kills K] [--stores sqlite,postgres] [--seed S] [--timeout SECONDS] [--json FILE] [--keep DIR] [--plant ${PLANT_KINDS.join(',')}]\n`);
  process.exit(2);
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) usage();
  return n;
}

/** A small seeded generator (mulberry32), so a failing run can be repeated with its --seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (m: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** A dirbridge process (serve or agent) that can be killed and started again with the same arguments. */
class Proc {
  private child: ChildProcess | null = null;
  private log = '';
  constructor(readonly name: string, private args: string[], private readonly env: NodeJS.ProcessEnv) {}

  /** Leaves an option (and its value) out of later starts, e.g. a registration token used once. */
  withoutOption(option: string): void {
    const at = this.args.indexOf(option);
    if (at >= 0) this.args = [...this.args.slice(0, at), ...this.args.slice(at + 2)];
  }

  start(): void {
    this.child = spawn(process.execPath, ['--max-old-space-size=1536', CLI, ...this.args], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => { this.log = (this.log + d.toString()).slice(-8000); };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
  }

  get output(): string {
    return this.log;
  }

  /** The process ended on its own (not killed here): a crash the run must report, not wait out. */
  get crashed(): boolean {
    return this.child !== null && this.child.exitCode !== null;
  }

  kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, alive: Proc[] = []): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = alive.find((p) => p.crashed);
    if (dead) throw new Error(`the ${dead.name} exited on its own while waiting for ${what}`);
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** The directory as ldapsearch reads it (entryUUID as anchor), with each user's known password. */
function readDirectory(slapd: Slapd): DirectoryState {
  const out = execFileSync('ldapsearch', ['-x', '-LLL', '-o', 'ldif-wrap=no', '-H', slapd.url, '-D', slapd.rootDn, '-w', slapd.rootPw, '-b', slapd.suffix, '-E', 'pr=1000/noprompt',
    '(|(objectClass=inetOrgPerson)(objectClass=groupOfNames))', 'entryUUID', 'uid', 'mail', 'displayName', 'cn', 'member', 'objectClass', 'pwdAccountLockedTime'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return parseDirectoryDump(out, (uid) => benchPassword(Number(uid.replace(/\D/g, '')), 1));
}

interface Figures { store: string; kills: number; slapdRestarts: number; objectsCompared: number; missing: number; duplicated: number; different: number; extra: number; signInsFailed: number; seconds: number; examples: string[]; planted: string[] }

async function runOnStore(kind: 'sqlite' | 'postgres', slapd: Slapd, o: Options, workDir: string, rnd: () => number): Promise<Figures> {
  const started = Date.now();
  const figures: Figures = { store: kind, kills: 0, slapdRestarts: 0, objectsCompared: 0, missing: 0, duplicated: 0, different: 0, extra: 0, signInsFailed: 0, seconds: 0, examples: [], planted: [] };
  const dataDir = mkdtempSync(join(workDir, `tenant-${kind}-`));
  let location: StoreLocation = { kind: 'sqlite', dataDir };
  let dropDatabase = async (): Promise<void> => {};
  const env: NodeJS.ProcessEnv = { ...process.env, DIRBRIDGE_LOG_LEVEL: 'warn', DIRBRIDGE_INITIAL_ADMIN_PASSWORD: `Chaos-admin-${randomBytes(8).toString('hex')}` };
  delete env['DATABASE_URL'];
  if (kind === 'postgres') {
    const name = `dirbridge_chaos_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${name}`;
    env['DATABASE_URL'] = url.toString();
    location = { kind: 'postgres', databaseUrl: url.toString() };
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  }
  const port = await freePort();
  const tenantUrl = `http://127.0.0.1:${port}`;
  const tenant = new Proc('tenant', ['serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir], env);
  const passwordFile = join(workDir, `bind-${kind}`);
  writeFileSync(passwordFile, slapd.syncPw, { mode: 0o600 });
  const configFile = join(workDir, `agent-${kind}.yaml`);
  // Fast loops, so every restart resumes at once rather than after the production intervals.
  writeFileSync(configFile, 'agent:\n  intervals:\n    heartbeatSeconds: 1\n    deltaMinutes: 0.1\n    passwordMinutes: 0.1\n    fullHours: 24\n');
  let agent: Proc | null = null;
  try {
    tenant.start();
    await waitFor('the tenant service', async () => ((await fetch(`${tenantUrl}/healthz`, { signal: AbortSignal.timeout(2000) })).ok ? true : undefined), 60_000);
    const tokenOut = execFileSync(process.execPath, [CLI, 'token', 'create', '--data-dir', dataDir], { env, encoding: 'utf8' });
    const token = /^\s+(\S+)$/m.exec(tokenOut)?.[1];
    if (!token) throw new Error(`no token in: ${tokenOut}`);
    agent = new Proc('agent', ['agent', '--tenant-url', tenantUrl, '--token', token, '--state-dir', join(dataDir, 'agent-host'), '--data-dir', join(dataDir, 'agent-data'),
      '--source-url', slapd.url, '--bind-dn', slapd.syncDn, '--bind-password-file', passwordFile, '--base-dn', slapd.suffix], { ...env, DIRBRIDGE_CONFIG: configFile });
    agent.start();
    // Registration is not crash-safe yet: a kill between the token's use and the credential's save
    // loses it (the admin must issue a new token), so the disturbances start once it is done.
    await waitFor('the agent to register', async () => (existsSync(join(dataDir, 'agent-host', 'credential.json')) ? true : undefined), 60_000);
    // As an operator would: the token is used once, later starts use the saved credential.
    agent.withoutOption('--token');

    // One admin session for the run, signed in again when a tenant restart ended it.
    let session: AdminApi | null = null;
    const adminGet = async <T>(path: string): Promise<T> => {
      session ??= await AdminApi.signIn(tenantUrl, 'admin', env['DIRBRIDGE_INITIAL_ADMIN_PASSWORD']!);
      try {
        return await session.get<T>(path);
      } catch (error) {
        session = null;
        throw error;
      }
    };
    const status = async () => {
      const body = await adminGet<{ lastDirectorySync: string | null; lastPasswordSync: string | null }>('/api/v1/dirsync/status');
      return { directory: Date.parse(body.lastDirectorySync ?? '') || 0, password: Date.parse(body.lastPasswordSync ?? '') || 0 };
    };
    type Progress = { mode: string; startedAt: string; processed: number; total: number; derived: number };
    const passwordProgress = async (): Promise<Progress | null> => {
      const body = await adminGet<{ running: Array<{ password: Progress | null }> }>('/api/v1/sync-runs?page=1&pageSize=1');
      return body.running.find((r) => r.password !== null)?.password ?? null;
    };
    const n = (v: number) => v.toLocaleString('en-US');

    // Disturb the first full sync and the first password sync. Half the kills fall at random
    // moments of the first seconds (the first full sync, and the password sync's start); the
    // rest at random points of the first password sync's progress, so that at any size a kill can
    // land late in a long derivation. One slapd restart among them.
    const early = Math.ceil(o.kills / 2);
    const marks = Array.from({ length: o.kills - early }, () => 0.05 + rnd() * 0.9).sort((a, b) => a - b);
    const restartAt = Math.floor(rnd() * Math.max(1, o.kills));
    let earlyUntil = Date.now();
    // The tenant shows a killed agent's last progress until the restarted one reports: only a run
    // started after the agent's last kill says where the sync is.
    let agentKilledAt = 0;
    for (let k = 0; k < o.kills; k++) {
      let where = '';
      if (k < early) {
        await sleep(300 + rnd() * 2_500);
        earlyUntil = Date.now();
      } else {
        const mark = marks[k - early]!;
        // A small directory's first password sync is over before its marks: then the kill falls
        // after a password run that succeeded since the early kills.
        where = await waitFor(`the first password sync to pass ${Math.round(mark * 100)} %`, async () => {
          const p = await passwordProgress();
          if (p?.mode === 'full' && Date.parse(p.startedAt) >= agentKilledAt && p.total > 0 && p.processed / p.total >= mark) {
            return ` at ${n(p.processed)} of ${n(p.total)} passwords (${n(p.derived)} derived by this run)`;
          }
          if (p?.mode !== 'full' && (await status()).password > earlyUntil) return ' after a password run';
          return undefined;
        }, o.timeoutSeconds * 1000, [tenant, agent]);
      }
      const victim: Proc = rnd() < 0.6 ? agent : tenant;
      await victim.kill();
      if (victim === agent) agentKilledAt = Date.now();
      figures.kills++;
      say(`${kind}: killed the ${victim.name} (${k + 1}/${o.kills})${where}`);
      await sleep(rnd() * 500);
      victim.start();
      if (k === restartAt) {
        await slapd.restart();
        figures.slapdRestarts++;
        say(`${kind}: restarted slapd`);
      }
    }
    if (o.kills === 0) { await slapd.restart(); figures.slapdRestarts++; }
    const disturbedUntil = Date.now();

    // Converged: a successful directory and password run that started after the last disturbance.
    // Runs of one pipeline follow each other: the second one to finish after the last disturbance
    // started after it, so the comparison sees a whole cycle of each kind run undisturbed.
    // A first password sync of 100,000 users runs for most of an hour on 2 cores: say how far it is.
    const progress = async (): Promise<string> => {
      const p = await passwordProgress();
      return p ? `password run at ${n(p.processed)} of ${n(p.total)} users (${n(p.derived)} derived)` : 'no password run in progress';
    };
    let nextReport = Date.now() + 60_000;
    const first = await waitFor('a directory and a password run after the last disturbance', async () => {
      const s = await status();
      if (s.directory > disturbedUntil && s.password > disturbedUntil) return s;
      if (Date.now() >= nextReport) {
        nextReport = Date.now() + 60_000;
        say(`${kind}: waiting for runs after the last disturbance; ${await progress().catch((e: unknown) => String(e))}`);
      }
      return undefined;
    }, o.timeoutSeconds * 1000, [tenant, agent]);
    await waitFor('one more directory and password run', async () => {
      const s = await status();
      return s.directory > first.directory && s.password > first.password ? true : undefined;
    }, o.timeoutSeconds * 1000, [tenant, agent]);

    const dir = readDirectory(slapd);
    if (o.keep) writeFileSync(join(workDir, `directory-${kind}.json`), JSON.stringify({ ...dir, users: [...dir.users], groups: [...dir.groups], memberships: [...dir.memberships], location }));
    if (o.plant.length > 0) {
      figures.planted = await plantDifferences(location, o.plant);
      say(`${kind}: planted ${figures.planted.join('; ')}`);
    }
    const differences = compareWithDirectory(dir, await readTenantState(location));
    Object.assign(figures, { objectsCompared: differences.objectsCompared, missing: differences.missing, duplicated: differences.duplicated, different: differences.different, extra: differences.extra });
    figures.examples.push(...differences.examples);
    say(`${kind}: compared ${differences.objectsCompared.toLocaleString('en-US')} objects; signing in every password user`);
    let next = 0;
    const users = [...dir.users.values()].filter((u) => u.password !== null);
    const reporter = setInterval(() => say(`${kind}: signed in ${Math.min(next, users.length).toLocaleString('en-US')} of ${users.length.toLocaleString('en-US')} users (${figures.signInsFailed} failed)`), 60_000);
    await Promise.all(Array.from({ length: 4 }, async () => {
      for (let j = next++; j < users.length; j = next++) {
        const u = users[j]!;
        const { status } = await userSignIn(tenantUrl, u.mail, u.password!);
        if (status !== 200) {
          figures.signInsFailed++;
          if (figures.examples.length < 10) figures.examples.push(`sign-in of ${u.mail}: ${status}`);
        }
      }
    })).finally(() => clearInterval(reporter));
  } catch (error) {
    figures.examples.push(`run failed: ${error instanceof Error ? error.message : String(error)}`);
    figures.examples.push(`agent log: ${agent?.output.slice(-1500) ?? ''}`);
    figures.examples.push(`tenant log: ${tenant.output.slice(-1500)}`);
    figures.missing = Number.NaN;
  } finally {
    await agent?.stop();
    await tenant.stop();
    if (!o.keep) await dropDatabase().catch(() => undefined);
  }
  figures.seconds = (Date.now() - started) / 1000;
  return figures;
}

const HEADER = ['store', 'kills', 'slapd restarts', 'objects compared', 'missing', 'duplicated', 'different', 'extra', 'sign-ins failed', 'seconds'];

function resultCells(f: Figures): Array<string | number> {
  return [f.store, f.kills, f.slapdRestarts, f.objectsCompared, f.missing, f.duplicated, f.different, f.extra, f.signInsFailed, f.seconds.toFixed(0)];
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const rnd = random(o.seed);
  if (o.keep) mkdirSync(o.keep, { recursive: true });
  const workDir = o.keep ?? mkdtempSync(join(tmpdir(), 'dirbridge-chaos-'));
  say(`${o.users} users, ${groupCount(o.users)} groups, ${o.kills} kills per store, seed ${o.seed}`);
  const ldif = join(workDir, 'directory.ldif');
  await writeDirectoryLdif(ldif, { suffix: SUFFIX, users: o.users, passwordSample: o.users });
  const slapd = await startSlapd({ suffix: SUFFIX, ldifFile: ldif });
  const results: Figures[] = [];
  try {
    for (const kind of o.stores) {
      say(`${kind}: starting`);
      const result = await runOnStore(kind, slapd, o, workDir, rnd);
      results.push(result);
      // Each store's row as soon as it is known: at 100,000 users one store takes hours.
      const cells = resultCells(result);
      say(`${kind}: done: ${HEADER.slice(1).map((h, i) => `${h} ${cells[i + 1]}`).join(', ')}`);
    }
  } finally {
    await slapd.stop();
    if (!o.keep) rmSync(workDir, { recursive: true, force: true });
  }
  const lines = [HEADER.join(' | '), HEADER.map(() => '---').join(' | '), ...results.map((f) => resultCells(f).join(' | '))];
  process.stdout.write(`\ndirbridge chaos: ${o.users} users (${mailOf(0, SUFFIX)} ...), seed ${o.seed}\n\n${lines.join('\n')}\n`);
  if (o.json) writeFileSync(o.json, `${JSON.stringify({ users: o.users, seed: o.seed, results }, null, 2)}\n`);
  const bad = results.filter((f) => !(isClean(f) && f.signInsFailed === 0));
  for (const f of bad) process.stdout.write(`\n${f.store}: ${f.examples.join('\n  ')}\n`);
  if (bad.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});

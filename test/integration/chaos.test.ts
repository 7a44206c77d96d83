/**
 * `npm run chaos` must be able to fail. A real chaos run (50 users, one kill, SQLite) converges and
 * reports no difference; then each kind of difference is planted in a copy of its store and the
 * comparison counts exactly it; and one run through the real command with every kind planted
 * exits non-zero with each one in its report (the two runs go at once: each has its own slapd,
 * tenant and agent). Needs dist/ (`npm run build`; npm test does it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compareWithDirectory, isClean, PLANT_KINDS, plantDifferences, readTenantState, type DirectoryState, type DirectoryUser, type PlantKind,
} from '../../src/bench/chaos-compare.js';

const repoRoot = new URL('../..', import.meta.url).pathname;

interface ChaosFigures { store: string; kills: number; objectsCompared: number; missing: number; duplicated: number; different: number; extra: number; signInsFailed: number; examples: string[]; planted: string[] }

interface ChaosRun { status: number | null; out: string; results: ChaosFigures[] }

/** One `npm run chaos` (its script, through tsx), asynchronously: two runs can go at once. */
function chaos(args: string[]): Promise<ChaosRun> {
  const json = join(mkdtempSync(join(tmpdir(), 'dirbridge-chaos-json-')), 'figures.json');
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/chaos.ts', '--users', '50', '--kills', '1', '--stores', 'sqlite', '--seed', '7', '--timeout', '150', '--json', json, ...args], {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve) => {
    const done = (status: number | null, error?: Error) => {
      const results = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as { results: ChaosFigures[] }).results : [];
      resolve({ status, out: `${stdout}\n${stderr}${error ? `\n${error.message}` : ''}`, results });
    };
    child.once('error', (error) => done(null, error));
    child.once('close', (status) => done(status));
  });
}

describe('npm run chaos can fail', () => {
  let keep: string;
  let dir: DirectoryState;
  let dataDir: string;
  /** The run with every kind planted: its own slapd, tenant and agent, so it goes beside the clean one. */
  let planted: Promise<ChaosRun>;

  beforeAll(async () => {
    if (!existsSync(join(repoRoot, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does it).');
    keep = mkdtempSync(join(tmpdir(), 'dirbridge-chaos-keep-'));
    planted = chaos(['--plant', PLANT_KINDS.join(',')]);
    const clean = await chaos(['--keep', keep]);
    // The baseline: a disturbed run that converged, with nothing to report.
    expect(clean.status, clean.out).toBe(0);
    expect(clean.results[0]).toMatchObject({ kills: 1, missing: 0, duplicated: 0, different: 0, extra: 0, signInsFailed: 0 });
    const saved = JSON.parse(readFileSync(join(keep, 'directory-sqlite.json'), 'utf8')) as {
      users: Array<[string, DirectoryUser]>; groups: Array<[string, string]>; memberships: string[]; location: { dataDir: string };
    };
    dir = { users: new Map(saved.users), groups: new Map(saved.groups), memberships: new Set(saved.memberships) };
    dataDir = saved.location.dataDir;
  }, 300_000);
  afterAll(async () => {
    await planted;
    if (keep) rmSync(keep, { recursive: true, force: true });
  });

  const expected: Record<PlantKind, Partial<Record<'missing' | 'duplicated' | 'different' | 'extra', number>>> = {
    'missing-user': { missing: 1 },
    // The copy of the user and the group's second membership of them.
    'duplicated-member': { duplicated: 2 },
    'different-attribute': { different: 1 },
    'enabled-flipped': { different: 1 },
    'verifier-removed': { missing: 1 },
  };

  it.each(PLANT_KINDS)('counts a planted %s', async (kind) => {
    const copy = mkdtempSync(join(tmpdir(), 'dirbridge-chaos-plant-'));
    try {
      // The store's files (database, WAL) copied, so each kind is planted on the converged store alone.
      for (const file of readdirSync(dataDir)) if (file.startsWith('dirbridge')) cpSync(join(dataDir, file), join(copy, file));
      const location = { kind: 'sqlite' as const, dataDir: copy };
      expect(isClean(compareWithDirectory(dir, await readTenantState(location)))).toBe(true);
      await plantDifferences(location, [kind]);
      const found = compareWithDirectory(dir, await readTenantState(location));
      expect(found, found.examples.join('\n')).toMatchObject({ missing: 0, duplicated: 0, different: 0, extra: 0, ...expected[kind] });
      expect(isClean(found)).toBe(false);
      expect(found.examples.length).toBeGreaterThan(0);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('exits non-zero through the real command with every kind planted, each counted', async () => {
    const run = await planted;
    expect(run.status, run.out).toBe(1);
    const figures = run.results[0]!;
    expect(figures.planted).toHaveLength(PLANT_KINDS.length);
    // missing user + removed verifier; the copy and its membership; display name + enabled flag.
    expect(figures).toMatchObject({ missing: 2, duplicated: 2, different: 2, extra: 0 });
    // The missing user, the disabled one and the one without a verifier cannot sign in.
    expect(figures.signInsFailed).toBeGreaterThanOrEqual(3);
    expect(run.out).toMatch(/missing \| duplicated \| different/);
  }, 300_000);
});

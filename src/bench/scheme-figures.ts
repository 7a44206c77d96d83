/**
 * Derivation and sign-in per source scheme at a given worker count, beside the raw KDF at the same
 * worker count (issue 14). Everything runs through `createPasswordPool`, the pool the agent
 * derives with and the tenant checks sign-ins with (`tenant.signIn.workers`, default: the cores),
 * so a figure here is what the product does on that many threads.
 *
 * - raw KDF: scrypt at the tenant's default parameters over a random 20-byte digest, nothing else;
 * - derivation: the agent's work per user (the directory's digest is already there, so it is the
 *   KDF plus building the verifier, whatever the scheme);
 * - sign-in: the tenant's check of a typed password: the scheme's own digest (a SHA-1, PBKDF2,
 *   sha512-crypt, bcrypt, Argon2 or MD4 computation) and then the KDF.
 * The ratio to the raw KDF says what the scheme adds; the ratio between worker counts how it scales.
 */
import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { argon2id, bcrypt } from 'hash-wasm';
import { computeSourceDigest, createPasswordPool, DEFAULT_KDF_PARAMS, parseStoredPassword, type SourceHash } from '../passwords/index.js';
import { shaCryptChecksum } from '../passwords/crypt.js';

const PASSWORD = 'Bench-scheme-pw-1';

export interface SchemeRow {
  scheme: string;
  workers: number;
  derivationsPerSecond: number;
  signInsPerSecond: number;
  rawKdfPerSecond: number;
}

/** The stored values of one password in each scheme, with the parameters directories use by default. */
export async function schemeSources(): Promise<Record<string, SourceHash>> {
  const salt = randomBytes(8);
  const pbkdfSalt = randomBytes(16);
  const argonSalt = randomBytes(16);
  const argon = await argon2id({ password: PASSWORD, salt: argonSalt, parallelism: 1, iterations: 3, memorySize: 65_536, hashLength: 32, outputType: 'encoded' });
  return {
    '{SSHA}': parseStoredPassword(`{SSHA}${Buffer.concat([createHash('sha1').update(PASSWORD).update(salt).digest(), salt]).toString('base64')}`),
    '{PBKDF2-SHA512} 10,000 iterations': parseStoredPassword(`{PBKDF2-SHA512}10000$${pbkdfSalt.toString('base64')}$${pbkdf2Sync(PASSWORD, pbkdfSalt, 10_000, 64, 'sha512').toString('base64')}`),
    'sha512-crypt 5,000 rounds': parseStoredPassword(`{CRYPT}$6$rounds=5000$benchsaltbench$${shaCryptChecksum('sha512', Buffer.from(PASSWORD), 'benchsaltbench', 5000)}`),
    'bcrypt cost 10': parseStoredPassword(`{CRYPT}${await bcrypt({ password: PASSWORD, salt: randomBytes(16), costFactor: 10, outputType: 'encoded' })}`),
    'Argon2id m=64 MiB, t=3, p=1': parseStoredPassword(`{ARGON2}${argon}`),
    NT: parseStoredPassword((await computeSourceDigest('NT', {}, PASSWORD)).toString('hex'), 'sambaNTPassword'),
  };
}

/** Keeps 2 tasks per worker in flight for `seconds` (after one warm-up round); returns tasks per second. */
async function rate(workers: number, seconds: number, task: () => Promise<unknown>): Promise<number> {
  await Promise.all(Array.from({ length: workers }, task));
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  let done = 0;
  await Promise.all(Array.from({ length: workers * 2 }, async () => {
    while (performance.now() < end) {
      await task();
      done++;
    }
  }));
  return done / ((performance.now() - started) / 1000);
}

/** One row per scheme at each worker count; `seconds` per figure. */
export async function measureSchemes(workerCounts: readonly number[], seconds: number, onRow?: (row: SchemeRow) => void): Promise<SchemeRow[]> {
  const sources = await schemeSources();
  const rows: SchemeRow[] = [];
  for (const workers of [...new Set(workerCounts)]) {
    const pool = createPasswordPool({ size: workers });
    try {
      const raw = () => pool.derive({ scheme: 'SSHA', params: { salt: randomBytes(8).toString('base64') }, digest: randomBytes(20) }, DEFAULT_KDF_PARAMS);
      for (const [scheme, source] of Object.entries(sources)) {
        // The raw KDF right before each scheme's pair of figures: on a shared machine the rate drifts.
        const rawKdfPerSecond = await rate(workers, seconds, raw);
        const derivationsPerSecond = await rate(workers, seconds, () => pool.derive(source, DEFAULT_KDF_PARAMS));
        const verifier = await pool.derive(source, DEFAULT_KDF_PARAMS);
        const signInsPerSecond = await rate(workers, seconds, async () => {
          if (!(await pool.check(PASSWORD, [verifier]))) throw new Error(`the bench password did not verify for ${scheme}`);
        });
        const row = { scheme, workers, derivationsPerSecond, signInsPerSecond, rawKdfPerSecond };
        rows.push(row);
        onRow?.(row);
      }
    } finally {
      await pool.close();
    }
  }
  return rows;
}

/** A Markdown table: per scheme, each worker count's rates and ratios, and the scaling between the first and the last count. */
export function formatSchemeTable(rows: readonly SchemeRow[]): string {
  const counts = [...new Set(rows.map((r) => r.workers))];
  const schemes = [...new Set(rows.map((r) => r.scheme))];
  const header = ['scheme', ...counts.flatMap((w) => [`derive/s (${w} w)`, `× raw`, `sign-in/s (${w} w)`, `× raw`]), ...(counts.length > 1 ? [`sign-in scaling ${counts[0]}→${counts.at(-1)} w`] : [])];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const scheme of schemes) {
    const cells = [scheme];
    for (const w of counts) {
      const r = rows.find((x) => x.scheme === scheme && x.workers === w);
      if (!r) { cells.push('', '', '', ''); continue; }
      cells.push(r.derivationsPerSecond.toFixed(1), (r.derivationsPerSecond / r.rawKdfPerSecond).toFixed(2), r.signInsPerSecond.toFixed(1), (r.signInsPerSecond / r.rawKdfPerSecond).toFixed(2));
    }
    if (counts.length > 1) {
      const first = rows.find((x) => x.scheme === scheme && x.workers === counts[0]);
      const last = rows.find((x) => x.scheme === scheme && x.workers === counts.at(-1));
      cells.push(first && last ? `${(last.signInsPerSecond / first.signInsPerSecond).toFixed(2)}×` : '');
    }
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const raw = counts.map((w) => {
    const list = rows.filter((r) => r.workers === w).map((r) => r.rawKdfPerSecond);
    return `${w} worker${w === 1 ? '' : 's'}: ${(list.reduce((a, b) => a + b, 0) / list.length).toFixed(1)}/s`;
  });
  return `${lines.join('\n')}\n\nraw KDF (scrypt 2^14, 8, 1), mean of its runs: ${raw.join('; ')}`;
}

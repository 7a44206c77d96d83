/**
 * Sign-in cost figures for docs/benchmark.md and docs/passwords.md: password checks per second
 * per source scheme through the sign-in worker pool, the event-loop delay while the costliest
 * allowed hash is flooded, and what each KDF parameter set costs per derivation.
 *
 *   npx tsx scripts/bench-sign-in.ts [seconds-per-figure]
 */
import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { bcrypt } from 'hash-wasm';
import {
  computeSourceDigest, createPasswordPool, deriveVerifier, KDF_PRESET_NAMES, KDF_PRESETS, parseStoredPassword,
  type KdfParams, type PasswordVerifier, type SourceHash,
} from '../src/passwords/index.js';
import { shaCryptChecksum } from '../src/passwords/crypt.js';

const seconds = Number(process.argv[2] ?? 5);
const password = 'Bench-pw-1';
const workers = availableParallelism();
const pool = createPasswordPool({ size: workers });

async function sources(): Promise<Record<string, SourceHash>> {
  const salt = randomBytes(8);
  const ssha = `{SSHA}${Buffer.concat([createHash('sha1').update(password).update(salt).digest(), salt]).toString('base64')}`;
  const pbkdfSalt = randomBytes(16);
  const pbkdf2 = `{PBKDF2-SHA512}10000$${pbkdfSalt.toString('base64')}$${pbkdf2Sync(password, pbkdfSalt, 10_000, 64, 'sha512').toString('base64')}`;
  const crypt = (rounds: number) => `{CRYPT}$6$rounds=${rounds}$benchsaltbench$${shaCryptChecksum('sha512', Buffer.from(password), 'benchsaltbench', rounds)}`;
  const bcryptValue = `{CRYPT}${await bcrypt({ password, salt: randomBytes(16), costFactor: 10, outputType: 'encoded' })}`;
  const nt = (await computeSourceDigest('NT', {}, password)).toString('hex');
  return {
    '{SSHA}': parseStoredPassword(ssha),
    '{PBKDF2-SHA512} 10,000 iterations': parseStoredPassword(pbkdf2),
    'sha512-crypt 5,000 rounds': parseStoredPassword(crypt(5000)),
    'bcrypt cost 10': parseStoredPassword(bcryptValue),
    'NT (sambaNTPassword / AD)': parseStoredPassword(nt, 'sambaNTPassword'),
    'sha512-crypt 50,000 rounds (the bound)': parseStoredPassword(crypt(50_000)),
  };
}

/** Keeps `concurrency` checks in flight for `seconds`; returns checks per second. */
async function flood(verifiers: PasswordVerifier[], concurrency: number): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < end) {
      if (!(await pool.check(password, verifiers))) throw new Error('the bench password did not verify');
      done++;
    }
  }));
  return done / seconds;
}

async function derivationsPerSecond(kdf: KdfParams, source: SourceHash): Promise<number> {
  const started = performance.now();
  let n = 0;
  while (performance.now() - started < seconds * 1000) {
    await deriveVerifier(source, kdf);
    n++;
  }
  return n / ((performance.now() - started) / 1000);
}

const all = await sources();
console.log(`workers: ${workers}; ${seconds} s per figure; KDF scrypt-n14 (the default set)`);
console.log('| source scheme | sign-ins/s (pool) |');
console.log('|---|---:|');
for (const [name, source] of Object.entries(all)) {
  const verifiers = [await pool.derive(source, KDF_PRESETS['scrypt-n14'])];
  console.log(`| ${name} | ${(await flood(verifiers, workers * 4)).toFixed(1)} |`);
}

const costliest = [await pool.derive(all['sha512-crypt 50,000 rounds (the bound)']!, KDF_PRESETS['scrypt-n14'])];
const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
await flood(costliest, workers * 16);
histogram.disable();
console.log(`event-loop delay while sha512-crypt at 50,000 rounds is flooded (${workers * 16} in flight): p50 ${(histogram.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(histogram.percentile(99) / 1e6).toFixed(1)} ms, max ${(histogram.max / 1e6).toFixed(1)} ms`);

console.log('| KDF set | derivations/s on one core | first sync of 100,000 users on one core |');
console.log('|---|---:|---:|');
for (const name of KDF_PRESET_NAMES) {
  const rate = await derivationsPerSecond(KDF_PRESETS[name], all['{SSHA}']!);
  console.log(`| ${name} | ${rate.toFixed(1)} | ${(100_000 / rate / 60).toFixed(0)} min |`);
}
await pool.close();

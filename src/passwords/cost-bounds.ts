/**
 * The most work one password check may cost, per source scheme. The directory chooses a hash's
 * cost, and any user allowed to write their own userPassword can store a hash that takes seconds
 * (or gigabytes) to check; every sign-in of that user would then pay it. The bounds sit at about
 * a quarter of a second of one core (docs/passwords.md has the figures) and well above every
 * server's default; a hash beyond them is a per-user sync error (PASSWORD_HASH_TOO_COSTLY), and
 * the tenant refuses verifiers whose scheme parameters exceed them.
 */
import { AppError } from '../shared/errors.js';

export const COST_BOUNDS = {
  /** sha-crypt ($5$, $6$): glibc's default is 5,000 rounds. */
  shaCryptRounds: 50_000,
  /** bcrypt ($2a$/$2b$/$2y$): the common default is 10 to 12. */
  bcryptCost: 12,
  /** PBKDF2: iterations times output blocks (389-DS {PBKDF2_SHA256} derives 8 blocks of SHA-256). */
  pbkdf2Work: 1_000_000,
  /** Argon2: memory in KiB (64 MiB), passes, and their product (3 passes over 64 MiB). */
  argon2MemoryKib: 65_536,
  argon2Passes: 10,
  argon2MemoryPasses: 196_608,
  argon2Parallelism: 8,
} as const;

const BLOCK_BYTES: Record<string, number> = { 'PBKDF2': 20, 'PBKDF2-SHA1': 20, 'PBKDF2-SHA256': 32, 'PBKDF2_SHA256': 32, 'PBKDF2-SHA512': 64 };

function tooCostly(scheme: string, parameter: string, value: number, bound: number): AppError {
  return new AppError('PASSWORD_HASH_TOO_COSTLY', {
    message: `The stored {${scheme}} password hash asks for ${parameter} ${value}; dirbridge checks at most ${bound} at sign-in.`,
    details: { scheme, parameter, value, bound },
    params: { scheme, parameter, value, bound },
  });
}

function numberParam(params: Record<string, string | number>, name: string): number {
  const value = params[name];
  return typeof value === 'number' ? value : Number.NaN;
}

/**
 * Throws PASSWORD_HASH_TOO_COSTLY when checking a password under `scheme` and its public
 * parameters would cost more than the bounds. Parameters that are missing or not numbers are left
 * to the scheme's own validation (PASSWORD_HASH_MALFORMED).
 */
export function assertWithinCostBounds(scheme: string, params: Record<string, string | number>): void {
  const name = scheme.toUpperCase();
  if (name === 'CRYPT-SHA256' || name === 'CRYPT-SHA512') {
    const rounds = numberParam(params, 'rounds');
    if (rounds > COST_BOUNDS.shaCryptRounds) throw tooCostly(name, 'rounds', rounds, COST_BOUNDS.shaCryptRounds);
    return;
  }
  if (name === 'CRYPT-BCRYPT') {
    const cost = numberParam(params, 'cost');
    if (cost > COST_BOUNDS.bcryptCost) throw tooCostly(name, 'cost', cost, COST_BOUNDS.bcryptCost);
    return;
  }
  const block = BLOCK_BYTES[name];
  if (block !== undefined) {
    const iterations = numberParam(params, 'iterations');
    const keyLength = numberParam(params, 'keyLength');
    const work = iterations * Math.max(1, Math.ceil(keyLength / block));
    if (work > COST_BOUNDS.pbkdf2Work) throw tooCostly(name, 'iterations x blocks', work, COST_BOUNDS.pbkdf2Work);
    return;
  }
  if (name === 'ARGON2') {
    const m = numberParam(params, 'm');
    const t = numberParam(params, 't');
    const p = numberParam(params, 'p');
    if (m > COST_BOUNDS.argon2MemoryKib) throw tooCostly(name, 'memory (KiB)', m, COST_BOUNDS.argon2MemoryKib);
    if (t > COST_BOUNDS.argon2Passes) throw tooCostly(name, 'passes', t, COST_BOUNDS.argon2Passes);
    if (m * t > COST_BOUNDS.argon2MemoryPasses) throw tooCostly(name, 'memory x passes (KiB)', m * t, COST_BOUNDS.argon2MemoryPasses);
    if (p > COST_BOUNDS.argon2Parallelism) throw tooCostly(name, 'parallelism', p, COST_BOUNDS.argon2Parallelism);
  }
}

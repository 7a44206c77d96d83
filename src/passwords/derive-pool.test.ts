import { afterEach, describe, expect, it } from 'vitest';
import { pbkdf2, pbkdf2Sync, randomBytes } from 'node:crypto';
import { isAppError } from '../shared/errors.js';
import { createDerivationPool, createPasswordPool, type DerivationPool } from './derive-pool.js';
import { parseStoredPassword } from './schemes.js';
import { checkPassword } from './verifier.js';
import type { KdfParams } from './verifier-model.js';

const FAST_KDF: KdfParams = { log2N: 10, r: 8, p: 1, keyLength: 32 };

describe('createDerivationPool', () => {
  let pool: DerivationPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('derives verifiers in worker threads that check in the main thread', async () => {
    pool = createDerivationPool(2);
    expect(pool.size).toBe(2);
    const passwords = ['een', 'twee', 'drie', 'vier', 'vijf'];
    const sources = passwords.map((p) => parseStoredPassword(p));
    const verifiers = await Promise.all(sources.map((s) => pool!.derive(s, FAST_KDF)));
    for (const [i, verifier] of verifiers.entries()) {
      expect(verifier.scheme).toBe('CLEARTEXT');
      expect(await checkPassword(passwords[i]!, [verifier])).toBe(true);
      expect(await checkPassword(passwords[(i + 1) % passwords.length]!, [verifier])).toBe(false);
    }
  }, 30_000);

  it('passes AppErrors back from the worker', async () => {
    pool = createDerivationPool(1);
    await expect(pool.derive(parseStoredPassword('x'), { ...FAST_KDF, log2N: 99 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    // The worker survives an error and serves the next request.
    expect((await pool.derive(parseStoredPassword('x'), FAST_KDF)).kdf).toBe('scrypt');
  }, 30_000);

  it('rejects queued work on close and refuses new work', async () => {
    pool = createDerivationPool(1);
    const slow: KdfParams = { log2N: 16, r: 8, p: 1, keyLength: 32 };
    const pending = [pool.derive(parseStoredPassword('a'), slow), pool.derive(parseStoredPassword('b'), slow)].map((p) =>
      p.then(() => undefined, (error: unknown) => error),
    );
    await pool.close();
    for (const outcome of await Promise.all(pending)) expect(String(outcome)).toMatch(/closed/);
    await expect(pool.derive(parseStoredPassword('c'), FAST_KDF)).rejects.toThrow(/closed/);
  }, 30_000);
});

describe('createPasswordPool', () => {
  it('refuses work beyond the queue limit at once with SIGN_IN_BUSY, and checks the rest in the workers', async () => {
    const pool = createPasswordPool({ size: 1, queueLimit: 1 });
    try {
      const slow = await pool.derive(parseStoredPassword('Queue-pw-1'), { log2N: 15, r: 8, p: 1, keyLength: 32 });
      expect(pool.isFull()).toBe(false);
      const checks = [1, 2, 3, 4].map(() => pool.check('Queue-pw-1', [slow]).then((ok) => ok, (error: unknown) => error));
      // What the sign-in asks before any store work: a new check would be refused now.
      expect(pool.isFull()).toBe(true);
      const outcomes = await Promise.all(checks);
      expect(pool.isFull()).toBe(false);
      // One runs, one waits, the other two are refused.
      expect(outcomes.filter((o) => o === true)).toHaveLength(2);
      expect(outcomes.filter((o) => isAppError(o, 'SIGN_IN_BUSY'))).toHaveLength(2);
      expect(await pool.check('wrong', [slow])).toBe(false);
      expect(await pool.verifyAdmin('x', 'not a hash')).toBe(false);
    } finally {
      await pool.close();
    }
  }, 60_000);
});

describe('the pool and libuv threadpool', () => {
  it('computes in its own threads, never queued behind libuv threadpool work (a pool sized to the cores is not capped at 4)', async () => {
    const pool = createPasswordPool({ size: 2 });
    try {
      const pbkdf2Source = (password: string) => {
        const salt = randomBytes(16);
        return parseStoredPassword(`{PBKDF2-SHA512}10000$${salt.toString('base64')}$${pbkdf2Sync(password, salt, 10_000, 64, 'sha512').toString('base64')}`);
      };
      // Warm: the workers start and load their modules (file reads use the threadpool too).
      const verifier = await pool.derive(pbkdf2Source('warm'), FAST_KDF);
      // Every libuv thread busy for seconds with work of the main thread.
      const threads = Number(process.env['UV_THREADPOOL_SIZE'] ?? 4);
      let blockersDone = 0;
      const blockers = Array.from({ length: threads }, () => new Promise<void>((resolve, reject) => {
        pbkdf2('blocker', 'salt', 1_500_000, 64, 'sha512', (error) => { blockersDone++; if (error) reject(error); else resolve(); });
      }));
      // A derivation (scrypt) and a check (PBKDF2 source digest, then scrypt) finish meanwhile.
      await pool.derive(parseStoredPassword('derived while the threadpool is busy'), FAST_KDF);
      expect(await pool.check('warm', [verifier])).toBe(true);
      expect(blockersDone).toBe(0);
      await Promise.all(blockers);
    } finally {
      await pool.close();
    }
  }, 60_000);
});

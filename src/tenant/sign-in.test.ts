import { describe, expect, it } from 'vitest';
import type { PasswordVerifier } from '../passwords/index.js';
import { isAppError } from '../shared/errors.js';
import { DEFAULT_LOCKOUT_POLICY } from './domain/lockout.js';
import { authenticateUser, type SignInDeps } from './sign-in.js';
import { lockedError } from './sign-in-guard.js';
import type { StoredUserForSignIn, TenantRepository } from './store/ports.js';

const verifier = (scheme: string, rounds: number): PasswordVerifier => ({
  scheme, schemeParams: { salt: 'c2FsdHNhbHQ=', rounds }, kdf: 'scrypt', kdfParams: { log2N: 10, r: 8, p: 1, keyLength: 32 }, salt: 'AAAAAAAAAAAAAAAA', hash: 'BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=',
});

const KNOWN: StoredUserForSignIn = { anchor: 'u-1', userPrincipalName: 'known@example.test', displayName: 'Known', mail: null, enabled: true, verifiers: [verifier('CRYPT-SHA512', 5000)] };

/** A repository fake that records every call by name (a fresh one has a cold decoy cache). */
function recordingRepo(): { repo: TenantRepository; calls: string[] } {
  const calls: string[] = [];
  const answers: Record<string, (...args: any[]) => unknown> = {
    findUserForSignIn: (name: string) => (name === KNOWN.userPrincipalName ? KNOWN : null),
    sampleVerifiers: () => [KNOWN.verifiers, [verifier('CRYPT-SHA512', 5000)], [verifier('SSHA', 0)]],
    isFamiliar: () => false,
    reserveLockout: (input: { key: string }) => ({ key: input.key, granted: true, failures: 1, lockCount: 0, lockedUntil: null }),
  };
  const repo = new Proxy({}, {
    get: (_target, name: string) => (...args: unknown[]) => {
      calls.push(name);
      return Promise.resolve(answers[name]?.(...args));
    },
  }) as TenantRepository;
  return { repo, calls };
}

function pool(full = false) {
  const checked: PasswordVerifier[][] = [];
  const passwords: SignInDeps['passwords'] = {
    isFull: () => full,
    check: async (_password, verifiers) => { checked.push([...verifiers]); return false; },
  };
  return { passwords, checked };
}

const shape = (verifiers: PasswordVerifier[]) => verifiers.map((v) => [v.scheme, v.schemeParams['rounds'], v.kdf, v.kdfParams]);
const attempt = (username: string) => ({ username, password: 'wrong', client: '127.0.0.2', now: new Date('2026-12-01T10:00:00Z') });

describe('authenticateUser', () => {
  it('does the same store work and one check of the same cost for an unknown name as for a known user with a wrong password', async () => {
    const known = recordingRepo();
    const unknown = recordingRepo();
    const knownPool = pool();
    const unknownPool = pool();
    const a = await authenticateUser({ repo: known.repo, lockoutPolicy: DEFAULT_LOCKOUT_POLICY, passwords: knownPool.passwords }, attempt(KNOWN.userPrincipalName));
    const b = await authenticateUser({ repo: unknown.repo, lockoutPolicy: DEFAULT_LOCKOUT_POLICY, passwords: unknownPool.passwords }, attempt('nobody@example.test'));
    expect(a).toEqual({ ok: false, locked: false, reason: 'wrong_password' });
    expect(b).toEqual({ ok: false, locked: false, reason: 'unknown' });
    expect(unknown.calls).toEqual(known.calls);
    expect(known.calls).toContain('sampleVerifiers');
    expect(knownPool.checked).toHaveLength(1);
    expect(unknownPool.checked).toHaveLength(1);
    expect(shape(unknownPool.checked[0]!)).toEqual(shape(knownPool.checked[0]!));
    // The decoy is not the user's verifier itself (random salt and hash).
    expect(unknownPool.checked[0]![0]!.hash).not.toBe(KNOWN.verifiers[0]!.hash);
  });

  it('refuses at once with SIGN_IN_BUSY, without touching the store or building a stack, when the password pool is full', async () => {
    const { repo, calls } = recordingRepo();
    const { passwords, checked } = pool(true);
    const error = await authenticateUser({ repo, lockoutPolicy: DEFAULT_LOCKOUT_POLICY, passwords }, attempt(KNOWN.userPrincipalName)).catch((e: unknown) => e);
    expect(isAppError(error, 'SIGN_IN_BUSY')).toBe(true);
    expect((error as Error & { details?: unknown }).details).toEqual({ retryAfterSeconds: 1 });
    expect(calls).toEqual([]);
    expect(checked).toEqual([]);
    // No stack frames: a flood makes one refusal per request.
    expect((error as Error).stack ?? '').not.toMatch(/\n\s+at /);
  });

  it('builds the 429 refusal without a stack too', () => {
    const error = lockedError(3);
    expect(error).toMatchObject({ code: 'SIGN_IN_LOCKED', details: { retryAfterSeconds: 3 } });
    expect(error.stack ?? '').not.toMatch(/\n\s+at /);
    // Other errors keep their stacks.
    expect(new Error('x').stack).toMatch(/\n\s+at /);
  });
});

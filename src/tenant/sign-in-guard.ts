/**
 * Applies the lockout policy (domain/lockout.ts) to the store's counters, for end-user and
 * admin sign-in alike. Counters are read and written per attempt; two concurrent failures may
 * count once, which only delays a lock by one attempt.
 */
import { AppError } from '../shared/errors.js';
import { lockoutKeys, recordFailure, retryAfterSeconds, type LockoutKey, type LockoutPolicy } from './domain/lockout.js';
import type { TenantRepository } from './store/ports.js';

export class SignInGuard {
  readonly keys: LockoutKey[];

  constructor(private readonly repo: TenantRepository, private readonly policy: LockoutPolicy, subject: string, client: string) {
    this.keys = lockoutKeys(subject, client, policy);
  }

  /** Seconds until sign-in may be tried again; 0 when not locked. */
  async retryAfter(now: Date): Promise<number> {
    const records = await Promise.all(this.keys.map((key) => this.repo.getLockout(key.key)));
    return retryAfterSeconds(records, now);
  }

  /** Counts a failure on every key; returns the keys this failure locked. */
  async fail(now: Date): Promise<string[]> {
    const locked: string[] = [];
    for (const key of this.keys) {
      const { record, lockedNow } = recordFailure(await this.repo.getLockout(key.key), key, now, this.policy);
      await this.repo.saveLockout(record);
      if (lockedNow) locked.push(key.key);
    }
    return locked;
  }

  async succeed(): Promise<void> {
    for (const key of this.keys) if (key.clearedOnSuccess) await this.repo.clearLockout(key.key);
  }
}

export function lockedError(retryAfter: number): AppError {
  return new AppError('SIGN_IN_LOCKED', {
    message: `Too many failed sign-ins; sign-in is locked for ${retryAfter} more second${retryAfter === 1 ? '' : 's'}.`,
    details: { retryAfterSeconds: retryAfter },
  });
}

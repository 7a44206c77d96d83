import { describe, expect, it } from 'vitest';
import { allowance, DEFAULT_LOCKOUT_POLICY, failureLocks, lockDurationMs, lockoutKeys, retryAfterSeconds, type LockoutReservation } from './lockout.js';

describe('lockoutKeys', () => {
  it('counts a stranger on the pair, the user-wide unfamiliar counter and the address', () => {
    expect(lockoutKeys('user:a', '127.0.0.2', null)).toEqual([
      { key: 'user:a|client:127.0.0.2', threshold: 5, grade: 'address', clearedOnSuccess: true },
      { key: 'user:a|unfamiliar', threshold: 20, grade: 'user', clearedOnSuccess: true },
      { key: 'client:127.0.0.2', threshold: 20, grade: 'address', clearedOnSuccess: false },
    ]);
  });

  it.each([
    ['a device cookie', { kind: 'device', id: 'd1' } as const, 'user:a|device:d1'],
    ['a known address', { kind: 'address' } as const, 'user:a|client:127.0.0.3'],
  ])('counts a familiar client with %s on its own counter only', (_what, familiar, key) => {
    expect(lockoutKeys('user:a', '127.0.0.3', familiar).map((k) => k.key)).toEqual([key]);
  });
});

describe('lock durations', () => {
  it.each([
    [0, 'address', 60_000], [1, 'address', 120_000], [5, 'address', 1_920_000], [11, 'address', 24 * 3_600_000], [40, 'address', 24 * 3_600_000],
    [0, 'user', 60_000], [4, 'user', 960_000], [5, 'user', 30 * 60_000], [40, 'user', 30 * 60_000],
  ] as const)('lock %i of a %s counter lasts %i ms', (lockCount, grade, ms) => {
    expect(lockDurationMs(lockCount, grade, DEFAULT_LOCKOUT_POLICY)).toBe(ms);
  });

  it('admits the threshold in a fresh series and one attempt after each lock', () => {
    expect(allowance(5, 0)).toBe(5);
    expect(allowance(5, 1)).toBe(1);
    expect(allowance(20, 7)).toBe(1);
  });
});

describe('failureLocks and retryAfterSeconds', () => {
  const key = { key: 'k', threshold: 5, grade: 'address' as const, clearedOnSuccess: true };
  const reservation = (patch: Partial<LockoutReservation>): LockoutReservation => ({ key: 'k', granted: true, failures: 1, lockCount: 0, lockedUntil: null, ...patch });

  it.each([
    [{ failures: 4 }, false], [{ failures: 5 }, true], [{ failures: 1, lockCount: 1 }, true], [{ failures: 5, granted: false }, false],
  ])('a failure with %o locks: %s', (patch, locks) => {
    expect(failureLocks(reservation(patch), key)).toBe(locks);
  });

  it('waits for the longest running lock of a refused counter; one second when only attempts in flight fill it', () => {
    const now = new Date(1_000_000);
    expect(retryAfterSeconds([reservation({})], now)).toBe(0);
    expect(retryAfterSeconds([reservation({}), reservation({ granted: false, lockedUntil: new Date(1_060_000) })], now)).toBe(60);
    expect(retryAfterSeconds([reservation({ granted: false, lockedUntil: new Date(900_000) })], now)).toBe(1);
  });
});

/**
 * Smart lockout for sign-in (end users and admins), after Entra ID's smart lockout: familiar and
 * unfamiliar clients are counted apart, so a stranger's burst cannot lock the real user out.
 * Pure: the store keeps the counters (`reserveLockout`, `lockLockout`, ...), sign-in-guard.ts
 * runs the steps, this file decides which counters an attempt touches and for how long they lock.
 *
 * An attempt *reserves* one failure on every counter it touches before the password is checked,
 * atomically in the store; a counter that is locked, or whose threshold is taken by attempts in
 * flight, refuses the reservation. So a burst of any size gets at most the threshold checked.
 * A success gives the reservations back; a failure keeps them and may start a lock.
 *
 * The counters:
 * - A **familiar** client (it has signed in as this subject before: its device cookie, or for API
 *   clients its address) counts only `<subject>|device:<id>` or `<subject>|client:<ip>`. Strangers'
 *   failures never lock it.
 * - An **unfamiliar** client counts
 *   - `<subject>|client:<ip>` (5): one user from one address;
 *   - `<subject>|unfamiliar` (20): one user from every unfamiliar address together, so guessing
 *     spread over many addresses is still bounded (it locks strangers only);
 *   - `client:<ip>` (20): one address trying many users (password spraying).
 *
 * The attacking address is locked harder and longer than the user: its counters (`address`
 * grade) double from 1 minute up to 24 hours, the user's `unfamiliar` counter up to 30 minutes.
 * Once a lock ran out, one more failure locks again for twice as long. A series is forgotten an
 * hour after its last activity (the end of its lock).
 */

export interface LockoutPolicy {
  /** Failures of one subject from one client (address or device) before a lock of that pair. */
  userClientThreshold: number;
  /** Failures of one subject from all unfamiliar clients together before strangers are locked out of it. */
  userThreshold: number;
  /** Failures from one address, whatever the subject, before a lock of that address. */
  clientThreshold: number;
  firstLockMs: number;
  /** Longest lock of a subject's `unfamiliar` counter. */
  maxUserLockMs: number;
  /** Longest lock of an address (`<subject>|client`, `client`) or a device counter. */
  maxAddressLockMs: number;
  /** A series is forgotten this long after its last activity. */
  forgetAfterMs: number;
}

export const DEFAULT_LOCKOUT_POLICY: LockoutPolicy = {
  userClientThreshold: 5,
  userThreshold: 20,
  clientThreshold: 20,
  firstLockMs: 60_000,
  maxUserLockMs: 30 * 60_000,
  maxAddressLockMs: 24 * 3_600_000,
  forgetAfterMs: 60 * 60_000,
};

export type LockGrade = 'user' | 'address';

export interface LockoutKey {
  key: string;
  threshold: number;
  grade: LockGrade;
  /** A success deletes the counter (the subject's own); otherwise it only gives its reservation back. */
  clearedOnSuccess: boolean;
}

/** How a client proved it has signed in as this subject before; null for a stranger. */
export type Familiarity = { kind: 'device'; id: string } | { kind: 'address' } | null;

/**
 * The counters an attempt touches. `subject` names who signs in, e.g. `user:<anchor>` or
 * `admin:<username>`; `client` is the remote address.
 */
export function lockoutKeys(subject: string, client: string, familiar: Familiarity, policy: LockoutPolicy = DEFAULT_LOCKOUT_POLICY): LockoutKey[] {
  if (familiar?.kind === 'device') {
    return [{ key: `${subject}|device:${familiar.id}`, threshold: policy.userClientThreshold, grade: 'address', clearedOnSuccess: true }];
  }
  const pair: LockoutKey = { key: `${subject}|client:${client}`, threshold: policy.userClientThreshold, grade: 'address', clearedOnSuccess: true };
  if (familiar?.kind === 'address') return [pair];
  return [
    pair,
    { key: `${subject}|unfamiliar`, threshold: policy.userThreshold, grade: 'user', clearedOnSuccess: true },
    { key: `client:${client}`, threshold: policy.clientThreshold, grade: 'address', clearedOnSuccess: false },
  ];
}

/** Attempts a counter admits: its threshold in a fresh series, one after each lock ran out. */
export function allowance(threshold: number, lockCount: number): number {
  return lockCount === 0 ? threshold : 1;
}

/** How long the series' next lock lasts: doubling from the first lock, capped by grade. */
export function lockDurationMs(lockCount: number, grade: LockGrade, policy: LockoutPolicy = DEFAULT_LOCKOUT_POLICY): number {
  const max = grade === 'user' ? policy.maxUserLockMs : policy.maxAddressLockMs;
  // 2^lockCount overflows nothing before the cap: stop doubling once past it.
  return lockCount >= 31 ? max : Math.min(policy.firstLockMs * 2 ** lockCount, max);
}

/** What the store answered to one reservation. */
export interface LockoutReservation {
  key: string;
  granted: boolean;
  /** Reserved failures of the series, this attempt's included when granted. */
  failures: number;
  lockCount: number;
  lockedUntil: Date | null;
}

/**
 * Seconds a refused attempt should wait: until the longest running lock ends, or one second when
 * the counter is only full of attempts still being checked (they decide whether it locks).
 */
export function retryAfterSeconds(reservations: readonly LockoutReservation[], now: Date): number {
  let until = 0;
  let refused = false;
  for (const reservation of reservations) {
    if (reservation.granted) continue;
    refused = true;
    const end = reservation.lockedUntil?.getTime() ?? 0;
    if (end > now.getTime()) until = Math.max(until, end);
  }
  if (!refused) return 0;
  return until === 0 ? 1 : Math.ceil((until - now.getTime()) / 1000);
}

/** Whether a failed attempt that reserved `reservation` on `key` fills the counter, so it must lock. */
export function failureLocks(reservation: LockoutReservation, key: LockoutKey): boolean {
  return reservation.granted && reservation.failures >= allowance(key.threshold, reservation.lockCount);
}

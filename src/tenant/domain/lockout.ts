/**
 * Smart lockout for sign-in (end users and admins). Pure: the caller loads and saves the
 * records (store `getLockout`/`saveLockout`/`clearLockout`) and passes the current time.
 *
 * Three counters per attempt:
 * - `<subject>|client:<ip>` (threshold 5): most failures stop here. An attacker hammering one
 *   user from one address locks that user *at that address* only, so they cannot lock the real
 *   user out from everywhere else by guessing from one machine.
 * - `<subject>` (threshold 20): a global per-user counter with a higher threshold, so guessing
 *   spread over many addresses is still bounded. The price: an attacker with many addresses can
 *   lock a user everywhere for a while; that is the accepted trade-off against password guessing.
 * - `client:<ip>` (threshold 20): one address trying many users (password spraying). High enough
 *   for a shared NAT address where several people mistype.
 *
 * Reaching a threshold locks the key for 1 minute; each further failure once the lock ran out
 * locks it again for twice as long, up to 30 minutes. Attempts while locked are refused without
 * checking the password and do not count. A key's failures are forgotten an hour after its last
 * failure; a successful sign-in clears the user's counters (not the address's).
 */

import type { LockoutRecord } from '../store/ports.js';

export interface LockoutPolicy {
  /** Failures of one user from one address before a lock. */
  userClientThreshold: number;
  /** Failures of one user from any address before a lock of that user everywhere. */
  userThreshold: number;
  /** Failures from one address, whatever the user, before a lock of that address. */
  clientThreshold: number;
  firstLockMs: number;
  maxLockMs: number;
  /** Failures older than this (counted from the last failure) are forgotten. */
  forgetAfterMs: number;
}

export const DEFAULT_LOCKOUT_POLICY: LockoutPolicy = {
  userClientThreshold: 5,
  userThreshold: 20,
  clientThreshold: 20,
  firstLockMs: 60_000,
  maxLockMs: 30 * 60_000,
  forgetAfterMs: 60 * 60_000,
};

export interface LockoutKey {
  key: string;
  threshold: number;
  /** Cleared by a successful sign-in of the subject. */
  clearedOnSuccess: boolean;
}

/**
 * The counters an attempt touches. `subject` names who signs in, e.g. `user:<anchor>` or
 * `admin:<username>`; `client` is the remote address.
 */
export function lockoutKeys(subject: string, client: string, policy: LockoutPolicy = DEFAULT_LOCKOUT_POLICY): LockoutKey[] {
  return [
    { key: `${subject}|client:${client}`, threshold: policy.userClientThreshold, clearedOnSuccess: true },
    { key: subject, threshold: policy.userThreshold, clearedOnSuccess: true },
    { key: `client:${client}`, threshold: policy.clientThreshold, clearedOnSuccess: false },
  ];
}

/** Seconds until every given lock has run out; 0 when none is locked now. */
export function retryAfterSeconds(records: Array<LockoutRecord | null>, now: Date): number {
  let until = 0;
  for (const record of records) {
    if (record?.lockedUntil && record.lockedUntil.getTime() > now.getTime()) until = Math.max(until, record.lockedUntil.getTime());
  }
  return until === 0 ? 0 : Math.ceil((until - now.getTime()) / 1000);
}

export function lockDurationMs(failures: number, threshold: number, policy: LockoutPolicy = DEFAULT_LOCKOUT_POLICY): number {
  if (failures < threshold) return 0;
  const doublings = failures - threshold;
  // 2^doublings overflows nothing before the cap: stop doubling once past it.
  return doublings >= 31 ? policy.maxLockMs : Math.min(policy.firstLockMs * 2 ** doublings, policy.maxLockMs);
}

/** The record after one more failure; `lockedNow` tells whether this failure started a lock. */
export function recordFailure(previous: LockoutRecord | null, key: LockoutKey, now: Date, policy: LockoutPolicy = DEFAULT_LOCKOUT_POLICY): { record: LockoutRecord; lockedNow: boolean } {
  const forgotten = !previous || now.getTime() - previous.lastFailureAt.getTime() > policy.forgetAfterMs;
  const failures = (forgotten ? 0 : previous.failures) + 1;
  const duration = lockDurationMs(failures, key.threshold, policy);
  const lockedUntil = duration > 0 ? new Date(now.getTime() + duration) : forgotten ? null : previous.lockedUntil;
  return { record: { key: key.key, failures, lockedUntil, lastFailureAt: now }, lockedNow: duration > 0 };
}

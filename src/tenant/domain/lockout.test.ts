import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import type { LockoutRecord } from '../store/ports.js';
import { DEFAULT_LOCKOUT_POLICY, lockDurationMs, lockoutKeys, recordFailure, retryAfterSeconds, type LockoutKey } from './lockout.js';

const MIN = 60_000;

/** A tiny in-memory driver of the policy, the way the sign-in route uses it. */
function harness(start = '2026-11-25T12:00:00.000Z') {
  const clock = fixedClock(start);
  const records = new Map<string, LockoutRecord>();
  const attempt = (subject: string, client: string, ok: boolean): 'ok' | 'failed' | { locked: number } => {
    const keys = lockoutKeys(subject, client);
    const retry = retryAfterSeconds(keys.map((k) => records.get(k.key) ?? null), clock.now());
    if (retry > 0) return { locked: retry };
    if (ok) {
      for (const k of keys) if (k.clearedOnSuccess) records.delete(k.key);
      return 'ok';
    }
    for (const k of keys) records.set(k.key, recordFailure(records.get(k.key) ?? null, k, clock.now()).record);
    return 'failed';
  };
  return { clock, records, attempt };
}

describe('lockout policy', () => {
  it.each([
    [4, 0], [5, 1 * MIN], [6, 2 * MIN], [7, 4 * MIN], [8, 8 * MIN], [9, 16 * MIN], [10, 30 * MIN], [11, 30 * MIN], [500, 30 * MIN],
  ])('after %i failures of a user at one address, the lock lasts %i ms', (failures, ms) => {
    expect(lockDurationMs(failures, 5)).toBe(ms);
  });

  it('locks after 5 failures for one minute, and says when to retry', () => {
    const h = harness();
    for (let i = 0; i < 5; i++) expect(h.attempt('user:u1', '10.0.0.1', false)).toBe('failed');
    expect(h.attempt('user:u1', '10.0.0.1', true)).toEqual({ locked: 60 });
    h.clock.advance(59_500);
    expect(h.attempt('user:u1', '10.0.0.1', true)).toEqual({ locked: 1 });
    h.clock.advance(500);
    expect(h.attempt('user:u1', '10.0.0.1', true)).toBe('ok');
  });

  it('doubles the lock for each further failure after a lock ran out, up to 30 minutes', () => {
    const h = harness();
    for (let i = 0; i < 5; i++) h.attempt('user:u1', '10.0.0.1', false);
    const seen: number[] = [];
    for (let i = 0; i < 7; i++) {
      const locked = h.attempt('user:u1', '10.0.0.1', false) as { locked: number };
      seen.push(locked.locked);
      h.clock.advance(locked.locked * 1000);
      expect(h.attempt('user:u1', '10.0.0.1', false)).toBe('failed');
    }
    expect(seen).toEqual([60, 120, 240, 480, 960, 1800, 1800]);
  });

  it('keeps the user free at other addresses when one address guesses', () => {
    const h = harness();
    for (let i = 0; i < 5; i++) h.attempt('user:u1', '203.0.113.9', false);
    expect(h.attempt('user:u1', '203.0.113.9', true)).toEqual({ locked: 60 });
    expect(h.attempt('user:u1', '10.0.0.1', true)).toBe('ok');
  });

  it('locks the user everywhere after 20 failures from several addresses', () => {
    const h = harness();
    for (let i = 0; i < 20; i++) expect(h.attempt('user:u1', `198.51.100.${i % 5}`, false)).toBe('failed');
    expect(h.attempt('user:u1', '10.0.0.1', true)).toEqual({ locked: 60 });
  });

  it('locks an address that tries many users (spraying) after 20 failures', () => {
    const h = harness();
    for (let i = 0; i < 20; i++) expect(h.attempt(`user:u${i}`, '203.0.113.9', false)).toBe('failed');
    expect(h.attempt('user:fresh', '203.0.113.9', true)).toEqual({ locked: 60 });
    expect(h.attempt('user:fresh', '10.0.0.1', true)).toBe('ok');
  });

  it('forgets failures an hour after the last one', () => {
    const h = harness();
    for (let i = 0; i < 4; i++) h.attempt('user:u1', '10.0.0.1', false);
    h.clock.advance(60 * MIN + 1);
    for (let i = 0; i < 4; i++) expect(h.attempt('user:u1', '10.0.0.1', false)).toBe('failed');
    expect(h.attempt('user:u1', '10.0.0.1', true)).toBe('ok');
  });

  it('clears the user counters on success, not the address counter', () => {
    const h = harness();
    for (let i = 0; i < 4; i++) h.attempt('user:u1', '10.0.0.1', false);
    expect(h.attempt('user:u1', '10.0.0.1', true)).toBe('ok');
    expect([...h.records.keys()]).toEqual(['client:10.0.0.1']);
    expect(h.records.get('client:10.0.0.1')?.failures).toBe(4);
  });

  it('recordFailure reports whether this failure started a lock', () => {
    const key: LockoutKey = { key: 'k', threshold: 2, clearedOnSuccess: true };
    const now = new Date('2026-11-25T12:00:00Z');
    const first = recordFailure(null, key, now);
    expect(first).toEqual({ record: { key: 'k', failures: 1, lockedUntil: null, lastFailureAt: now }, lockedNow: false });
    const second = recordFailure(first.record, key, now);
    expect(second.lockedNow).toBe(true);
    expect(second.record.lockedUntil).toEqual(new Date(now.getTime() + DEFAULT_LOCKOUT_POLICY.firstLockMs));
  });

  it('retryAfterSeconds ignores expired locks and takes the longest', () => {
    const now = new Date('2026-11-25T12:00:00Z');
    const rec = (ms: number | null): LockoutRecord => ({ key: 'k', failures: 9, lockedUntil: ms === null ? null : new Date(now.getTime() + ms), lastFailureAt: now });
    expect(retryAfterSeconds([null, rec(null), rec(-1000)], now)).toBe(0);
    expect(retryAfterSeconds([rec(1500), rec(90_000), null], now)).toBe(90);
  });
});

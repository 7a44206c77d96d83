/**
 * Runs one sign-in attempt behind the smart lockout (domain/lockout.ts), for end users and admins
 * alike: reserve a failure on every counter the attempt touches *before* the password is checked,
 * check, then give the reservations back (success) or keep them and perhaps lock (failure).
 *
 * Familiar clients: a success remembers the client's device (the `dirbridge_device` cookie: a
 * random token whose SHA-256 the store keeps, so it cannot be forged or replayed from the
 * database) and its address. A later attempt from either counts on its own counter only.
 *
 * Storage stays bounded under attack: refused attempts write nothing, a lock writes one audit row,
 * and series forgotten by the policy are swept at most once a minute.
 */
import { createHash, randomBytes } from 'node:crypto';
import { refusalError, type AppError } from '../shared/errors.js';
import {
  allowance, failureLocks, lockDurationMs, lockoutKeys, retryAfterSeconds,
  type Familiarity, type LockoutKey, type LockoutPolicy, type LockoutReservation,
} from './domain/lockout.js';
import type { TenantRepository } from './store/ports.js';

/** Familiar clients are remembered this long after their last success. */
export const FAMILIAR_FOR_MS = 90 * 24 * 3_600_000;
const SWEEP_EVERY_MS = 60_000;
const DEVICE_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface GuardedAttempt {
  /** `user:<anchor>`, `user:name:<typed name>` or `admin:<username>`. */
  subject: string;
  client: string;
  /** The `dirbridge_device` cookie as the client sent it, if any. */
  deviceToken?: string | undefined;
  now: Date;
  /** Audit: who tried, the action prefix (`sign_in` or `admin`), and extra details (e.g. `via`). */
  audit: { actor: string; prefix: 'sign_in' | 'admin'; details?: Record<string, unknown> };
}

export type GuardedOutcome =
  | { ok: true; deviceToken: string }
  | { ok: false; locked: true; retryAfterSeconds: number }
  | { ok: false; locked: false };

const lastSweep = new WeakMap<TenantRepository, number>();

function deviceId(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

async function familiarity(repo: TenantRepository, subject: string, client: string, token: string | undefined): Promise<Familiarity> {
  if (token !== undefined && DEVICE_TOKEN.test(token)) {
    const id = deviceId(token);
    if (await repo.isFamiliar(subject, 'device', id)) return { kind: 'device', id: id.slice(0, 32) };
  }
  return (await repo.isFamiliar(subject, 'address', client)) ? { kind: 'address' } : null;
}

async function releaseAll(repo: TenantRepository, reservations: readonly LockoutReservation[]): Promise<void> {
  for (const reservation of reservations) if (reservation.granted) await repo.releaseLockout(reservation.key, reservation.lockCount);
}

async function sweep(repo: TenantRepository, policy: LockoutPolicy, now: Date): Promise<void> {
  const last = lastSweep.get(repo) ?? 0;
  if (now.getTime() - last < SWEEP_EVERY_MS) return;
  lastSweep.set(repo, now.getTime());
  await repo.sweepLockouts({ now, forgetAfterMs: policy.forgetAfterMs, familiarBefore: new Date(now.getTime() - FAMILIAR_FOR_MS) });
}

/**
 * `check` runs only when every counter admitted the attempt; it returns whether the password is
 * right. A `check` that throws (SIGN_IN_BUSY) gives the reservations back and rethrows.
 */
export async function guardedSignIn(
  deps: { repo: TenantRepository; policy: LockoutPolicy },
  attempt: GuardedAttempt,
  check: () => Promise<boolean>,
): Promise<GuardedOutcome> {
  const { repo, policy } = deps;
  const { subject, client, now } = attempt;
  await sweep(repo, policy, now);
  const familiar = await familiarity(repo, subject, client, attempt.deviceToken);
  const keys = lockoutKeys(subject, client, familiar, policy);
  const token = randomBytes(16).toString('base64url');

  const reservations: LockoutReservation[] = [];
  for (const key of keys) {
    const reservation = await repo.reserveLockout({ key: key.key, threshold: key.threshold, token, now, forgetAfterMs: policy.forgetAfterMs });
    reservations.push(reservation);
    if (!reservation.granted) {
      await releaseAll(repo, reservations);
      return { ok: false, locked: true, retryAfterSeconds: retryAfterSeconds(reservations, now) };
    }
  }

  let ok: boolean;
  try {
    ok = await check();
  } catch (error) {
    await releaseAll(repo, reservations);
    throw error;
  }

  if (ok) {
    for (const [index, key] of keys.entries()) {
      if (key.clearedOnSuccess) await repo.clearLockout(key.key);
      else await repo.releaseLockout(key.key, reservations[index]!.lockCount);
    }
    const known = attempt.deviceToken !== undefined && DEVICE_TOKEN.test(attempt.deviceToken);
    const deviceToken = known ? attempt.deviceToken! : randomBytes(32).toString('base64url');
    await repo.rememberFamiliar(subject, 'device', deviceId(deviceToken), now);
    await repo.rememberFamiliar(subject, 'address', client, now);
    return { ok: true, deviceToken };
  }

  const locked = await lockFull(repo, policy, keys, reservations, now);
  if (locked.length > 0) {
    await repo.audit({
      actor: attempt.audit.actor,
      action: `${attempt.audit.prefix}.locked_out`,
      details: { subject, client, familiar: familiar?.kind ?? null, locks: locked, ...attempt.audit.details },
      at: now,
    });
  }
  return { ok: false, locked: false };
}

/** Locks every counter this failure filled; only the attempt that wins the store's compare-and-set reports it. */
async function lockFull(repo: TenantRepository, policy: LockoutPolicy, keys: LockoutKey[], reservations: LockoutReservation[], now: Date) {
  const locked: Array<{ key: string; seconds: number }> = [];
  for (const [index, key] of keys.entries()) {
    const reservation = reservations[index]!;
    if (!failureLocks(reservation, key)) continue;
    const duration = lockDurationMs(reservation.lockCount, key.grade, policy);
    const until = new Date(now.getTime() + duration);
    const won = await repo.lockLockout({ key: key.key, lockCount: reservation.lockCount, allowance: allowance(key.threshold, reservation.lockCount), until, now });
    if (won) locked.push({ key: key.key, seconds: duration / 1000 });
  }
  return locked;
}

export function lockedError(retryAfter: number): AppError {
  return refusalError('SIGN_IN_LOCKED', {
    message: `Too many failed sign-ins; sign-in is locked for ${retryAfter} more second${retryAfter === 1 ? '' : 's'}.`,
    details: { retryAfterSeconds: retryAfter },
  });
}

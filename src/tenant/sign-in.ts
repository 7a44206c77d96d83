/**
 * End-user sign-in with the synced on-premises password, behind the smart lockout: one function
 * for every way a user signs in (`POST /api/v1/sign-in` and the OpenID Connect sign-in page), so
 * both check alike, count failures alike and audit alike. The password check runs in the
 * password worker pool, never on the event loop.
 *
 * Unknown, disabled and hash-less users fail exactly like a wrong password, after the same work:
 * the same store statements (one lookup by UPN or mail; the decoy is fetched on every attempt,
 * found or not) and one check in the pool, against a decoy shaped like a typical synced user's
 * verifiers (the most common source scheme and cost among a sample, same KDF parameters, random
 * salt and hash), so the response time does not tell whether a user exists.
 *
 * A full password pool is answered before any store work: a flood of refusals stays cheap.
 */
import { randomBytes } from 'node:crypto';
import { signInBusyError, type PasswordPool, type PasswordVerifier } from '../passwords/index.js';
import { decodeBase64 } from '../passwords/encoding.js';
import type { LockoutPolicy } from './domain/lockout.js';
import { guardedSignIn } from './sign-in-guard.js';
import type { StoredUserForSignIn, TenantRepository } from './store/ports.js';

const DECOY_TTL_MS = 5 * 60_000;
const DECOY_SAMPLE = 64;
const decoys = new WeakMap<TenantRepository, { at: number; verifiers: Promise<PasswordVerifier[]> }>();

function randomLike(base64: string): string {
  return randomBytes(decodeBase64(base64)?.length ?? 32).toString('base64');
}

/** What a check of these verifiers costs: schemes and every parameter but salts. */
function costShape(verifiers: PasswordVerifier[]): string {
  return JSON.stringify(verifiers.map((v) => [v.scheme, Object.entries(v.schemeParams).filter(([name]) => name !== 'salt').sort(), v.kdf, v.kdfParams]));
}

/** The most common cost shape among some synced users: what a typical user's check costs. */
function typical(samples: PasswordVerifier[][]): PasswordVerifier[] | null {
  const counts = new Map<string, { n: number; verifiers: PasswordVerifier[] }>();
  for (const verifiers of samples) {
    const shape = costShape(verifiers);
    const entry = counts.get(shape) ?? { n: 0, verifiers };
    entry.n++;
    counts.set(shape, entry);
  }
  let best: { n: number; verifiers: PasswordVerifier[] } | null = null;
  for (const entry of counts.values()) if (!best || entry.n > best.n) best = entry;
  return best?.verifiers ?? null;
}

/** The decoy verifiers for this tenant, refreshed every few minutes so they follow the synced schemes. */
function decoyVerifiers(repo: TenantRepository, now: Date): Promise<PasswordVerifier[]> {
  const cached = decoys.get(repo);
  if (cached && now.getTime() - cached.at < DECOY_TTL_MS) return cached.verifiers;
  // One refresh for the attempts that arrive together (a cold start under a flood reads once).
  const verifiers = loadDecoy(repo);
  decoys.set(repo, { at: now.getTime(), verifiers });
  verifiers.catch(() => { if (decoys.get(repo)?.verifiers === verifiers) decoys.delete(repo); });
  return verifiers;
}

async function loadDecoy(repo: TenantRepository): Promise<PasswordVerifier[]> {
  const sample = typical(await repo.sampleVerifiers(DECOY_SAMPLE));
  if (sample) return sample.map((v) => ({ ...v, salt: randomLike(v.salt), hash: randomLike(v.hash) }));
  const settings = await repo.getSettings();
  return [{
    scheme: 'SSHA', schemeParams: { salt: randomBytes(8).toString('base64') }, kdf: 'scrypt', kdfParams: settings.kdfParams,
    salt: randomBytes(16).toString('base64'), hash: randomBytes(settings.kdfParams.keyLength).toString('base64'),
  }];
}

export interface SignInAttempt {
  /** UPN or any of the user's mail addresses, as typed. */
  username: string;
  password: string;
  /** The client's address (lockout is counted per user and per address). */
  client: string;
  /** The client's `dirbridge_device` cookie, which makes it a familiar client of users it signed in as. */
  deviceToken?: string | undefined;
  now: Date;
  /** Where the attempt came from, recorded in the audit log (e.g. `oidc:<client id>`); omitted for the API. */
  via?: string | undefined;
}

export type SignInFailure = 'unknown' | 'disabled' | 'no_password' | 'wrong_password';

export type SignInOutcome =
  | { ok: true; user: StoredUserForSignIn; deviceToken: string }
  | { ok: false; locked: true; retryAfterSeconds: number }
  | { ok: false; locked: false; reason: SignInFailure };

export interface SignInDeps {
  repo: TenantRepository;
  lockoutPolicy: LockoutPolicy;
  passwords: Pick<PasswordPool, 'check' | 'isFull'>;
}

/** Throws SIGN_IN_BUSY when the password pool's queue is full. */
export async function authenticateUser(deps: SignInDeps, attempt: SignInAttempt): Promise<SignInOutcome> {
  const { repo } = deps;
  const { username, now } = attempt;
  if (deps.passwords.isFull()) throw signInBusyError();
  // Both, whether the user exists or not: a miss must not cost fewer (or more) statements than a hit.
  const [user, decoy] = await Promise.all([repo.findUserForSignIn(username), decoyVerifiers(repo, now)]);
  // Counters follow the account when it exists (UPN and mail are one person), else the typed name.
  const subject = user ? `user:${user.anchor}` : `user:name:${username.toLowerCase()}`;
  const usable = user !== null && user.enabled && user.verifiers.length > 0;
  const outcome = await guardedSignIn(
    { repo, policy: deps.lockoutPolicy },
    {
      subject, client: attempt.client, deviceToken: attempt.deviceToken, now,
      audit: { actor: username, prefix: 'sign_in', details: attempt.via === undefined ? {} : { via: attempt.via } },
    },
    async () => (usable ? deps.passwords.check(attempt.password, user.verifiers) : (await deps.passwords.check(attempt.password, decoy), false)),
  );
  if (outcome.ok && user) return { ok: true, user, deviceToken: outcome.deviceToken };
  if (!outcome.ok && outcome.locked) return outcome;
  const reason: SignInFailure = user === null ? 'unknown' : !user.enabled ? 'disabled' : user.verifiers.length === 0 ? 'no_password' : 'wrong_password';
  return { ok: false, locked: false, reason };
}

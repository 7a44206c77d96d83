/**
 * End-user sign-in with the synced on-premises password, behind the smart lockout: one function
 * for every way a user signs in (`POST /api/v1/sign-in` and the OpenID Connect sign-in page), so
 * both check alike, count failures alike and audit alike.
 *
 * Unknown, disabled and hash-less users fail exactly like a wrong password, after the same KDF work.
 */
import { randomBytes } from 'node:crypto';
import { checkPassword, DEFAULT_KDF_PARAMS, deriveVerifier, type PasswordVerifier } from '../passwords/index.js';
import type { LockoutPolicy } from './domain/lockout.js';
import { SignInGuard } from './sign-in-guard.js';
import type { StoredUserForSignIn, TenantRepository } from './store/ports.js';

let dummyVerifier: Promise<PasswordVerifier> | null = null;
/** A verifier of a random digest: checking against it costs what a real check costs and never matches. */
function dummy(): Promise<PasswordVerifier> {
  dummyVerifier ??= deriveVerifier({ scheme: 'SSHA', params: { salt: randomBytes(8).toString('base64') }, digest: randomBytes(20) }, DEFAULT_KDF_PARAMS);
  return dummyVerifier;
}

export interface SignInAttempt {
  /** UPN or any of the user's mail addresses, as typed. */
  username: string;
  password: string;
  /** The client's address (lockout is counted per user and per address). */
  client: string;
  now: Date;
  /** Where the attempt came from, recorded in the audit log (e.g. `oidc:<client id>`); omitted for the API. */
  via?: string | undefined;
}

export type SignInFailure = 'unknown' | 'disabled' | 'no_password' | 'wrong_password';

export type SignInOutcome =
  | { ok: true; user: StoredUserForSignIn }
  | { ok: false; locked: true; retryAfterSeconds: number }
  | { ok: false; locked: false; reason: SignInFailure };

export async function authenticateUser(deps: { repo: TenantRepository; lockoutPolicy: LockoutPolicy }, attempt: SignInAttempt): Promise<SignInOutcome> {
  const { repo } = deps;
  const { username, now } = attempt;
  const via = attempt.via === undefined ? {} : { via: attempt.via };
  const user = await repo.findUserForSignIn(username);
  // Counters follow the account when it exists (UPN and mail are one person), else the typed name.
  const subject = user ? `user:${user.anchor}` : `user:name:${username.toLowerCase()}`;
  const guard = new SignInGuard(repo, deps.lockoutPolicy, subject, attempt.client);
  const retryAfter = await guard.retryAfter(now);
  if (retryAfter > 0) {
    await repo.audit({ actor: username, action: 'sign_in.locked_attempt', details: { subject, client: attempt.client, retryAfterSeconds: retryAfter, ...via }, at: now });
    return { ok: false, locked: true, retryAfterSeconds: retryAfter };
  }
  const usable = user !== null && user.enabled && user.verifiers.length > 0;
  const ok = usable ? await checkPassword(attempt.password, user.verifiers) : (await checkPassword(attempt.password, [await dummy()]), false);
  if (!ok || !user) {
    const locked = await guard.fail(now);
    if (locked.length > 0) await repo.audit({ actor: username, action: 'sign_in.locked_out', details: { subject, client: attempt.client, keys: locked, ...via }, at: now });
    const reason: SignInFailure = user === null ? 'unknown' : !user.enabled ? 'disabled' : user.verifiers.length === 0 ? 'no_password' : 'wrong_password';
    return { ok: false, locked: false, reason };
  }
  await guard.succeed();
  return { ok: true, user };
}

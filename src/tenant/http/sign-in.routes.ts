/**
 * End-user sign-in against the synced password verifiers, behind the smart lockout.
 * Unknown, disabled and hash-less users fail exactly like a wrong password, after the same KDF work.
 */
import { randomBytes } from 'node:crypto';
import { checkPassword, DEFAULT_KDF_PARAMS, deriveVerifier, type PasswordVerifier } from '../../passwords/index.js';
import { AppError } from '../../shared/errors.js';
import { userSignInRequest, type UserSignInResponse } from '../api/contract.js';
import type { TenantAppContext } from './context.js';
import { route, type RouteSpec } from './route.js';
import { lockedError, SignInGuard } from './sign-in-guard.js';

let dummyVerifier: Promise<PasswordVerifier> | null = null;
/** A verifier of a random digest: checking against it costs what a real check costs and never matches. */
function dummy(): Promise<PasswordVerifier> {
  dummyVerifier ??= deriveVerifier({ scheme: 'SSHA', params: { salt: randomBytes(8).toString('base64') }, digest: randomBytes(20) }, DEFAULT_KDF_PARAMS);
  return dummyVerifier;
}

export function signInRoutes(ctx: TenantAppContext): RouteSpec[] {
  const { repo, clock } = ctx;
  return [
    route({
      method: 'POST', url: '/api/v1/sign-in', tag: 'sign-in', auth: 'none', body: userSignInRequest,
      summary: 'End-user sign-in with the on-premises password (UPN or any mail address); 401 when wrong, 429 with Retry-After when locked.',
      handler: async ({ body, req }): Promise<UserSignInResponse> => {
        const now = clock.now();
        const user = await repo.findUserForSignIn(body.username);
        // Counters follow the account when it exists (UPN and mail are one person), else the typed name.
        const subject = user ? `user:${user.anchor}` : `user:name:${body.username.toLowerCase()}`;
        const guard = new SignInGuard(repo, ctx.lockoutPolicy, subject, req.ip);
        const retryAfter = await guard.retryAfter(now);
        if (retryAfter > 0) {
          await repo.audit({ actor: body.username, action: 'sign_in.locked_attempt', details: { subject, client: req.ip, retryAfterSeconds: retryAfter }, at: now });
          throw lockedError(retryAfter);
        }
        const usable = user !== null && user.enabled && user.verifiers.length > 0;
        const ok = usable ? await checkPassword(body.password, user.verifiers) : (await checkPassword(body.password, [await dummy()]), false);
        if (!ok || !user) {
          const locked = await guard.fail(now);
          if (locked.length > 0) await repo.audit({ actor: body.username, action: 'sign_in.locked_out', details: { subject, client: req.ip, keys: locked }, at: now });
          req.log.info({ username: body.username, reason: user === null ? 'unknown' : !user.enabled ? 'disabled' : user.verifiers.length === 0 ? 'no_password' : 'wrong_password' }, 'sign-in failed');
          throw new AppError('SIGN_IN_FAILED');
        }
        await guard.succeed();
        return { anchor: user.anchor, userPrincipalName: user.userPrincipalName, displayName: user.displayName, mail: user.mail };
      },
    }),
  ];
}

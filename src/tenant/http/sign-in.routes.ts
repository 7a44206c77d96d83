/**
 * End-user sign-in against the synced password verifiers, behind the smart lockout
 * (the check itself is `authenticateUser`, shared with the OpenID Connect sign-in page).
 */
import { AppError } from '../../shared/errors.js';
import { userSignInRequest, type UserSignInResponse } from '../api/contract.js';
import { authenticateUser } from '../sign-in.js';
import type { TenantAppContext } from './context.js';
import { route, type RouteSpec } from './route.js';
import { lockedError } from '../sign-in-guard.js';

export function signInRoutes(ctx: TenantAppContext): RouteSpec[] {
  const { repo, clock } = ctx;
  return [
    route({
      method: 'POST', url: '/api/v1/sign-in', tag: 'sign-in', auth: 'none', body: userSignInRequest,
      summary: 'End-user sign-in with the on-premises password (UPN or any mail address); 401 when wrong, 429 with Retry-After when locked.',
      handler: async ({ body, req }): Promise<UserSignInResponse> => {
        const outcome = await authenticateUser({ repo, lockoutPolicy: ctx.lockoutPolicy }, { username: body.username, password: body.password, client: req.ip, now: clock.now() });
        if (!outcome.ok && outcome.locked) throw lockedError(outcome.retryAfterSeconds);
        if (!outcome.ok) {
          req.log.info({ username: body.username, reason: outcome.reason }, 'sign-in failed');
          throw new AppError('SIGN_IN_FAILED');
        }
        const { user } = outcome;
        return { anchor: user.anchor, userPrincipalName: user.userPrincipalName, displayName: user.displayName, mail: user.mail };
      },
    }),
  ];
}

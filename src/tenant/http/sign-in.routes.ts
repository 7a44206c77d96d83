/**
 * End-user sign-in against the synced password verifiers, behind the smart lockout
 * (the check itself is `authenticateUser`, shared with the OpenID Connect sign-in page).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../shared/errors.js';
import { userSignInRequest, type UserSignInResponse } from '../api/contract.js';
import { authenticateUser } from '../sign-in.js';
import { FAMILIAR_FOR_MS, lockedError } from '../sign-in-guard.js';
import type { TenantAppContext } from './context.js';
import { route, type RouteSpec } from './route.js';

/** Marks a browser as a familiar client of the users and admins it signed in as (smart lockout). */
export const DEVICE_COOKIE = 'dirbridge_device';

export function deviceTokenOf(req: FastifyRequest): string | undefined {
  const value = req.cookies[DEVICE_COOKIE];
  return typeof value === 'string' ? value : undefined;
}

export function setDeviceCookie(req: FastifyRequest, reply: FastifyReply, token: string): void {
  reply.setCookie(DEVICE_COOKIE, token, {
    httpOnly: true, sameSite: 'lax', secure: req.protocol === 'https', path: '/', maxAge: FAMILIAR_FOR_MS / 1000,
  });
}

export function signInRoutes(ctx: TenantAppContext): RouteSpec[] {
  const { repo, clock } = ctx;
  return [
    route({
      method: 'POST', url: '/api/v1/sign-in', tag: 'sign-in', auth: 'none', body: userSignInRequest,
      summary: 'End-user sign-in with the on-premises password (UPN or any mail address); 401 when wrong, 429 with Retry-After when locked, 503 with Retry-After when too many sign-ins are being checked.',
      handler: async ({ body, req, reply }): Promise<UserSignInResponse> => {
        const outcome = await authenticateUser(
          { repo, lockoutPolicy: ctx.lockoutPolicy, passwords: ctx.passwords },
          { username: body.username, password: body.password, client: req.ip, deviceToken: deviceTokenOf(req), now: clock.now() },
        );
        if (!outcome.ok && outcome.locked) throw lockedError(outcome.retryAfterSeconds);
        if (!outcome.ok) {
          req.log.info({ username: body.username, reason: outcome.reason }, 'sign-in failed');
          throw new AppError('SIGN_IN_FAILED');
        }
        setDeviceCookie(req, reply, outcome.deviceToken);
        const { user } = outcome;
        return { anchor: user.anchor, userPrincipalName: user.userPrincipalName, displayName: user.displayName, mail: user.mail };
      },
    }),
  ];
}

/**
 * The admin API: sign-in with a session cookie and CSRF token, and what the admin center lists
 * (users, groups, sync errors, agents, registration tokens, audit log).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import { signInBusyError } from '../../passwords/index.js';
import { newId, newSecret, sha256Hex } from '../../shared/ids.js';
import {
  adminSignInRequest, userListQuery,
  type AdminSession, type AgentView, type AuditEntry, type GroupView, type Page, type RegistrationTokenCreated, type RegistrationTokenView, type SyncErrorView, type UserView,
} from '../api/contract.js';
import { adminOf, SESSION_TTL_MS } from './auth.plugin.js';
import type { TenantAppContext } from './context.js';
import { route, type RouteSpec } from './route.js';
import { guardedSignIn, lockedError } from '../sign-in-guard.js';
import { deviceTokenOf, setDeviceCookie } from './sign-in.routes.js';

export const REGISTRATION_TOKEN_TTL_MS = 24 * 3_600_000;

const pageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(25),
});
export const syncErrorListQuery = pageQuery.extend({
  code: z.string().max(64).optional(),
  search: z.string().max(256).optional(),
});


/**
 * An unknown admin name is checked against this hash so it costs what a wrong password costs: the
 * parameters admin passwords are hashed with (production: ln=17) with a random salt and hash,
 * which no password matches.
 */
function dummyAdminHash(params: { ln: number; r: number; p: number } = { ln: 17, r: 8, p: 1 }): string {
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${randomBytes(16).toString('base64').replace(/=+$/, '')}$${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
}

/** Secure follows the configured public URL, not the request: behind a TLS proxy the hop to us is plain http. */
function setSessionCookie(ctx: TenantAppContext, reply: FastifyReply, token: string): void {
  reply.setCookie(ctx.deployment.sessionCookie, token, {
    httpOnly: true, sameSite: 'strict', secure: ctx.deployment.secure, path: '/', maxAge: SESSION_TTL_MS / 1000,
  });
}

export function adminRoutes(ctx: TenantAppContext): RouteSpec[] {
  const { repo, clock } = ctx;
  const DUMMY_ADMIN_HASH = dummyAdminHash(ctx.adminPasswordParams);
  return [
    route({
      method: 'POST', url: '/api/v1/auth/sign-in', tag: 'auth', auth: 'none', body: adminSignInRequest,
      summary: 'Admin sign-in: sets the dirbridge_session cookie and returns the CSRF token for changes.',
      handler: async ({ body, req, reply }): Promise<AdminSession> => {
        // A full password pool is answered before any store work: a flood of refusals stays cheap.
        if (ctx.passwords.isFull()) throw signInBusyError();
        const now = clock.now();
        const admin = await repo.findAdminByUsername(body.username);
        const outcome = await guardedSignIn(
          { repo, policy: ctx.lockoutPolicy },
          { subject: `admin:${body.username.toLowerCase()}`, client: req.ip, deviceToken: deviceTokenOf(req), now, audit: { actor: body.username, prefix: 'admin' } },
          // A disabled admin is told the same as a wrong password, after the same work: the answer does not say who exists.
          async () => (await ctx.passwords.verifyAdmin(body.password, admin?.passwordHash ?? DUMMY_ADMIN_HASH)) && !admin?.disabledAt,
        );
        if (!outcome.ok && outcome.locked) throw lockedError(outcome.retryAfterSeconds);
        if (!outcome.ok || !admin) {
          req.log.info({ username: body.username }, 'admin sign-in failed');
          throw new AppError('AUTH_INVALID_CREDENTIALS');
        }
        const token = newSecret(32);
        const csrfToken = newSecret(32);
        await repo.createSession({ idHash: sha256Hex(token), adminId: admin.id, csrfToken, expiresAt: new Date(now.getTime() + SESSION_TTL_MS), createdAt: now });
        await repo.audit({ actor: admin.username, action: 'admin.signed_in', details: { client: req.ip }, at: now });
        setSessionCookie(ctx, reply, token);
        setDeviceCookie(req, reply, outcome.deviceToken);
        return { username: admin.username, role: admin.role, csrfToken, mustChangePassword: admin.mustChangePassword };
      },
    }),
    route({
      method: 'POST', url: '/api/v1/auth/sign-out', tag: 'auth', auth: 'admin', status: 204,
      summary: 'Admin sign-out: ends the session.',
      handler: async ({ req, reply }) => {
        await repo.deleteSession(adminOf(req).sessionIdHash);
        reply.clearCookie(ctx.deployment.sessionCookie, { path: '/', secure: ctx.deployment.secure, httpOnly: true, sameSite: 'strict' });
      },
    }),
    route({
      method: 'GET', url: '/api/v1/auth/me', tag: 'auth', auth: 'admin',
      summary: 'The signed-in admin, role and CSRF token.',
      handler: async ({ req }): Promise<AdminSession> => {
        const admin = adminOf(req);
        return { username: admin.username, role: admin.role, csrfToken: admin.csrfToken, mustChangePassword: admin.mustChangePassword };
      },
    }),
    route({
      method: 'GET', url: '/api/v1/users', tag: 'directory', auth: 'admin', query: userListQuery,
      summary: 'Users (Active users), with search on name, UPN and mail, paged.',
      handler: async ({ query }): Promise<Page<UserView>> => repo.listUsers(query),
    }),
    route({
      method: 'GET', url: '/api/v1/groups', tag: 'directory', auth: 'admin', query: userListQuery,
      summary: 'Groups with their member counts, with search, paged.',
      handler: async ({ query }): Promise<Page<GroupView>> => repo.listGroups(query),
    }),
    route({
      method: 'GET', url: '/api/v1/sync-errors', tag: 'directory', auth: 'admin', query: syncErrorListQuery,
      summary: 'Objects in error: object, DN, attribute, code, message, what to do, first and last seen; filter by code or search.',
      handler: async ({ query }): Promise<Page<SyncErrorView>> => repo.listSyncErrors(query),
    }),
    route({
      method: 'GET', url: '/api/v1/agents', tag: 'agents', auth: 'admin',
      summary: 'Registered agents with host, version, last heartbeat and which one is active.',
      handler: async (): Promise<AgentView[]> => repo.listAgents(),
    }),
    route({
      method: 'GET', url: '/api/v1/registration-tokens', tag: 'agents', auth: 'admin',
      summary: 'Registration tokens (never the token itself): who created them, expiry, use.',
      handler: async (): Promise<RegistrationTokenView[]> => (await repo.listRegistrationTokens()).map((token) => ({
        id: token.id, createdBy: token.createdBy, createdAt: token.createdAt?.toISOString() ?? null, expiresAt: token.expiresAt.toISOString(), usedAt: token.usedAt?.toISOString() ?? null,
        revokedAt: token.revokedAt?.toISOString() ?? null,
      })),
    }),
    route({
      method: 'POST', url: '/api/v1/registration-tokens', tag: 'agents', auth: 'global_admin', status: 201,
      summary: 'Create a one-time agent registration token valid for 24 hours; the token is shown once. Audited.',
      handler: async ({ req }): Promise<RegistrationTokenCreated> => {
        const admin = adminOf(req);
        const now = clock.now();
        const id = newId();
        const token = newSecret(32);
        const expiresAt = new Date(now.getTime() + REGISTRATION_TOKEN_TTL_MS);
        await repo.createRegistrationToken({ id, tokenHash: sha256Hex(token), createdBy: admin.username, expiresAt, usedAt: null, createdAt: now });
        await repo.audit({ actor: admin.username, action: 'registration_token.created', details: { id, expiresAt: expiresAt.toISOString() }, at: now });
        return { id, token, expiresAt: expiresAt.toISOString() };
      },
    }),
    route({
      method: 'GET', url: '/api/v1/audit-log', tag: 'audit', auth: 'admin', query: pageQuery,
      summary: 'The audit log, newest first, paged.',
      handler: async ({ query }): Promise<Page<AuditEntry>> => repo.listAudit(query),
    }),
  ];
}

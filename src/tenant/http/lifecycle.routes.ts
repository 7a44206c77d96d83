/**
 * The credential lifecycle API: admin accounts (global admins create, disable, remove, reset),
 * every admin's own password and "sign out everywhere", agent revocation and the agent's own
 * credential renewal, registration token revocation. Each change is audited.
 */
import { AppError } from '../../shared/errors.js';
import { newSecret, sha256Hex } from '../../shared/ids.js';
import {
  changeOwnPassword, createAdminAccount, removeAdminAccount, resetAdminPassword, setAdminDisabled, signOutEverywhere, toAdminAccountView,
} from '../admin-accounts.js';
import {
  adminCreateRequest, adminPatchRequest, adminResetRequest, changePasswordRequest, idQuery,
  type AdminAccountView, type AdminCreated, type AdminPasswordReset, type AgentCredentialRenewed,
} from '../api/credentials-contract.js';
import { adminOf, agentOf } from './auth.plugin.js';
import type { TenantAppContext } from './context.js';
import { route, type RouteSpec } from './route.js';

/** An agent credential lives a week; the agent renews it once a day (AGENT_CREDENTIAL_RENEW_AFTER_MS). */
export const AGENT_CREDENTIAL_TTL_MS = 7 * 24 * 3_600_000;
/** The credential before a renewal keeps working this long, in case the answer was lost. */
export const AGENT_CREDENTIAL_OVERLAP_MS = 10 * 60_000;

export function lifecycleRoutes(ctx: TenantAppContext): RouteSpec[] {
  const { repo, clock } = ctx;
  const clearSessionCookie = (reply: Parameters<RouteSpec['handler']>[0]['reply']) =>
    reply.clearCookie(ctx.deployment.sessionCookie, { path: '/', secure: ctx.deployment.secure, httpOnly: true, sameSite: 'strict' });
  return [
    route({
      method: 'POST', url: '/api/v1/auth/password', tag: 'auth', auth: 'admin', body: changePasswordRequest, status: 204,
      summary: 'Change your own password (the current one is required); your other sessions end. Audited.',
      handler: async ({ req, body }) => {
        const admin = adminOf(req);
        await changeOwnPassword(repo, admin.id, { ...body, keepSessionIdHash: admin.sessionIdHash }, clock.now(), ctx.adminPasswordParams);
      },
    }),
    route({
      method: 'POST', url: '/api/v1/auth/sign-out-everywhere', tag: 'auth', auth: 'admin', status: 204,
      summary: 'End every session of the signed-in admin, this one included. Audited.',
      handler: async ({ req, reply }) => {
        await signOutEverywhere(repo, adminOf(req), clock.now());
        clearSessionCookie(reply);
      },
    }),
    route({
      method: 'GET', url: '/api/v1/admins', tag: 'auth', auth: 'admin',
      summary: 'Admins of the admin center: role, created, disabled, whether a password change is pending (never a password).',
      handler: async (): Promise<AdminAccountView[]> => (await repo.listAdmins()).map(toAdminAccountView),
    }),
    route({
      method: 'POST', url: '/api/v1/admins', tag: 'auth', auth: 'global_admin', body: adminCreateRequest, status: 201,
      summary: 'Add an admin; without a password one is generated and shown once. The new admin chooses a password at the first sign-in. Audited.',
      handler: async ({ req, body }): Promise<AdminCreated> => {
        const { admin, generatedPassword } = await createAdminAccount(repo, body, adminOf(req).username, clock.now(), ctx.adminPasswordParams);
        return { ...toAdminAccountView(admin), password: generatedPassword };
      },
    }),
    route({
      method: 'PATCH', url: '/api/v1/admins', tag: 'auth', auth: 'global_admin', body: adminPatchRequest,
      summary: 'Disable (their sessions end) or enable an admin. The last enabled global admin cannot be disabled. Audited.',
      handler: async ({ req, body }): Promise<AdminAccountView> => toAdminAccountView(await setAdminDisabled(repo, body.id, body.disabled, adminOf(req).username, clock.now())),
    }),
    route({
      method: 'DELETE', url: '/api/v1/admins', tag: 'auth', auth: 'global_admin', query: idQuery, status: 204,
      summary: 'Remove an admin and their sessions. The last enabled global admin cannot be removed. Audited.',
      handler: async ({ req, query }) => {
        await removeAdminAccount(repo, query.id, adminOf(req).username, clock.now());
      },
    }),
    route({
      method: 'POST', url: '/api/v1/admins/reset-password', tag: 'auth', auth: 'global_admin', body: adminResetRequest,
      summary: 'Give an admin a new generated password (shown once) that must be changed at the next sign-in; their sessions end. Audited.',
      handler: async ({ req, body }): Promise<AdminPasswordReset> => {
        const { admin, password } = await resetAdminPassword(repo, body.id, adminOf(req).username, clock.now(), ctx.adminPasswordParams);
        return { username: admin.username, password };
      },
    }),
    route({
      method: 'DELETE', url: '/api/v1/agents', tag: 'agents', auth: 'global_admin', query: idQuery, status: 204,
      summary: 'Revoke an agent: its next call is refused (AGENT_REVOKED) and it loses the active lease. Audited.',
      handler: async ({ req, query }) => {
        const agent = await repo.findAgent(query.id);
        if (!agent) throw new AppError('NOT_FOUND', { message: `No agent with id ${query.id} is registered.`, details: { id: query.id }, params: { form: 'agent', id: query.id } });
        await repo.revokeAgent(agent.id, clock.now());
        await repo.audit({ actor: adminOf(req).username, action: 'agent.revoked', details: { agentId: agent.id, host: agent.host }, at: clock.now() });
      },
    }),
    route({
      method: 'DELETE', url: '/api/v1/registration-tokens', tag: 'agents', auth: 'global_admin', query: idQuery, status: 204,
      summary: 'Revoke an unused registration token. Audited.',
      handler: async ({ req, query }) => {
        if (!(await repo.revokeRegistrationToken(query.id, clock.now()))) {
          throw new AppError('NOT_FOUND', { message: `No unused registration token with id ${query.id} exists.`, details: { id: query.id }, params: { form: 'registrationToken', id: query.id } });
        }
        await repo.audit({ actor: adminOf(req).username, action: 'registration_token.revoked', details: { id: query.id }, at: clock.now() });
      },
    }),
    route({
      method: 'POST', url: '/api/v1/agent/credential', tag: 'agent', auth: 'agent',
      summary: 'Renew the calling agent\'s credential: a new one (shown once) valid for a week; the old one works for 10 more minutes. Audited.',
      handler: async ({ req }): Promise<AgentCredentialRenewed> => {
        const agent = agentOf(req);
        const now = clock.now();
        const secret = newSecret(32);
        const expiresAt = new Date(now.getTime() + ctx.agentCredentialTtlMs);
        // Compare-and-set on the hash the agent authenticated against: of two concurrent renewals one wins.
        const renewed = await repo.rotateAgentCredential(agent.id, agent.credentialHash, {
          credentialHash: sha256Hex(secret), expiresAt, previousExpiresAt: new Date(now.getTime() + AGENT_CREDENTIAL_OVERLAP_MS),
        });
        if (!renewed) throw new AppError('AGENT_CREDENTIAL_INVALID', { message: 'The credential was renewed by another request at the same time; use the newest one.' });
        await repo.audit({ actor: `agent:${agent.id}`, action: 'agent.credential_renewed', details: { agentId: agent.id, expiresAt: expiresAt.toISOString() }, at: now });
        return { credential: `${agent.id}.${secret}`, expiresAt: expiresAt.toISOString() };
      },
    }),
  ];
}

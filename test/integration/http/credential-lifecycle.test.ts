/**
 * Issue 11, finding 6: the credential lifecycle. Agents listed and revocable (a revoked agent's
 * next call is refused with its own code), agent credentials renewed (the agent persists the new
 * one atomically, owner-only), registration tokens revocable, admins created, disabled, removed
 * and reset by a global admin, every admin changes their own password and signs out everywhere,
 * sessions end after 30 idle minutes and after 12 hours whatever the activity. Every change is
 * audited; every API answer is `Cache-Control: no-store`.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCredential, writeCredential } from '../../../src/agent/credential-file.js';
import { TenantClient } from '../../../src/agent/tenant-client.js';
import { ROOT_ADMIN, ROOT_PASSWORD, startHarness, type Harness } from './harness.js';

const TTL_MS = 7_000;

describe('credential lifecycle (sqlite)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('sqlite', { agentCredentialTtlMs: TTL_MS });
  });
  afterAll(async () => {
    await h.close();
  });

  const auditActions = async () => {
    await h.rootSession();
    const page = await h.admin(await h.signIn(ROOT_ADMIN, ROOT_PASSWORD), 'GET', '/api/v1/audit-log?pageSize=200');
    return (page.json() as { items: Array<{ action: string; actor: string }> }).items.map((entry) => entry.action);
  };

  it('revokes an agent: listed with revokedAt, its next call refused 401 AGENT_REVOKED, audited; a reader may not revoke', async () => {
    const { agentId, credential } = await h.registerAgent('dc-revoke.example.org');
    expect((await h.agent(credential, 'POST', '/api/v1/agent/heartbeat', { host: 'dc-revoke.example.org', version: '0.1.0' })).statusCode).toBe(200);
    await h.createAdmin('reader-1', 'global_reader', 'reader-password-1');
    const reader = await h.signIn('reader-1', 'reader-password-1');
    expect((await h.admin(reader, 'DELETE', `/api/v1/agents?id=${agentId}`)).statusCode).toBe(403);

    const revoked = await h.admin(await h.rootSession(), 'DELETE', `/api/v1/agents?id=${agentId}`);
    expect(revoked.statusCode).toBe(204);
    const next = await h.agent(credential, 'POST', '/api/v1/agent/heartbeat', { host: 'dc-revoke.example.org', version: '0.1.0' });
    expect(next.statusCode).toBe(401);
    expect(next.json().error.code).toBe('AGENT_REVOKED');
    const agents = (await h.admin(await h.rootSession(), 'GET', '/api/v1/agents')).json() as Array<{ id: string; revokedAt: string | null }>;
    expect(agents.find((agent) => agent.id === agentId)?.revokedAt).toEqual(expect.any(String));
    // A revoked agent is no longer judged by the status (it does not make the tenant look silent or healthy).
    const status = (await h.admin(await h.rootSession(), 'GET', '/api/v1/dirsync/status')).json() as { agents: Array<{ id: string }> };
    expect(status.agents.map((agent) => agent.id)).not.toContain(agentId);
    expect(await auditActions()).toContain('agent.revoked');
  });

  it('renews an agent credential: the agent saves the new one atomically (0600), the old one lapses after the overlap, an expired one is refused with its code', async () => {
    // The renewal time is judged by the agent's wall clock against the tenant's: keep them together.
    h.clock.set(new Date());
    const { credential } = await h.registerAgent('dc-renew.example.org');
    const dir = mkdtempSync(join(tmpdir(), 'dirbridge-credential-'));
    try {
      writeCredential(dir, { tenantUrl: 'http://127.0.0.1', agentId: credential.split('.')[0]!, credential });
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      const address = h.app.server.address();
      const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const client = new TenantClient({ tenantUrl: base, credential, retries: 0, saveCredential: (next) => writeCredential(dir, { ...readCredential(dir)!, credential: next }) });
      const settings = await client.heartbeat({ host: 'dc-renew.example.org', version: '0.1.0' });
      expect(settings.credentialRenewAt).toEqual(expect.any(String));
      expect(readCredential(dir)?.credential).toBe(credential);
      // The renewal is due a seventh of the lifetime after issue (1 s here).
      await new Promise((resolve) => setTimeout(resolve, Date.parse(settings.credentialRenewAt!) - Date.now() + 50));
      await client.heartbeat({ host: 'dc-renew.example.org', version: '0.1.0' });
      const renewed = readCredential(dir)!.credential;
      expect(renewed).not.toBe(credential);
      expect(statSync(join(dir, 'credential.json')).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(readFileSync(join(dir, 'credential.json'), 'utf8')).not.toContain(credential);
      // The new credential works; the old one only during its overlap.
      expect((await h.agent(renewed, 'GET', '/api/v1/agent/settings')).statusCode).toBe(200);
      expect((await h.agent(credential, 'GET', '/api/v1/agent/settings')).statusCode).toBe(200);
      h.clock.advance(11 * 60_000);
      const lapsed = await h.agent(credential, 'GET', '/api/v1/agent/settings');
      expect(lapsed.statusCode).toBe(401);
      expect(lapsed.json().error.code).toBe('AGENT_CREDENTIAL_EXPIRED');
      h.clock.set(new Date());
      expect(await auditActions()).toContain('agent.credential_renewed');
      // A credential not renewed within its lifetime is refused with its own code.
      const stale = await h.registerAgent('dc-stale.example.org');
      h.clock.advance(TTL_MS + 1);
      const expired = await h.agent(stale.credential, 'GET', '/api/v1/agent/settings');
      expect(expired.statusCode).toBe(401);
      expect(expired.json().error.code).toBe('AGENT_CREDENTIAL_EXPIRED');
    } finally {
      h.clock.set(new Date());
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists and revokes registration tokens; a revoked token registers nothing', async () => {
    const root = await h.rootSession();
    const created = (await h.admin(root, 'POST', '/api/v1/registration-tokens')).json() as { id: string; token: string };
    expect((await h.admin(root, 'DELETE', `/api/v1/registration-tokens?id=${created.id}`)).statusCode).toBe(204);
    const listed = (await h.admin(root, 'GET', '/api/v1/registration-tokens')).json() as Array<{ id: string; revokedAt: string | null }>;
    expect(listed.find((token) => token.id === created.id)?.revokedAt).toEqual(expect.any(String));
    const register = await h.inject({ method: 'POST', url: '/api/v1/agent/register', payload: { registrationToken: created.token, host: 'dc-x', version: '0.1.0' } });
    expect(register.statusCode).toBe(401);
    expect(register.json().error.code).toBe('REGISTRATION_TOKEN_INVALID');
    expect((await h.admin(root, 'DELETE', `/api/v1/registration-tokens?id=${created.id}`)).statusCode).toBe(404);
    expect(await auditActions()).toContain('registration_token.revoked');
  });

  it('admins: a global admin creates one (who must change the generated password), disables, enables, resets and removes them; the last global admin stays', async () => {
    const root = await h.rootSession();
    const created = await h.admin(root, 'POST', '/api/v1/admins', { username: 'ops', role: 'global_reader' });
    expect(created.statusCode).toBe(201);
    const { id, password } = created.json() as { id: string; password: string };
    expect(password.length).toBeGreaterThanOrEqual(20);

    const first = await h.signIn('ops', password);
    expect((await h.admin(first, 'GET', '/api/v1/auth/me')).json()).toMatchObject({ username: 'ops', mustChangePassword: true });
    const blocked = await h.admin(first, 'GET', '/api/v1/users');
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.code).toBe('PASSWORD_CHANGE_REQUIRED');
    const wrong = await h.admin(first, 'POST', '/api/v1/auth/password', { currentPassword: 'not-the-password', newPassword: 'Ops-own-password-1' });
    expect(wrong.json().error.code).toBe('ADMIN_PASSWORD_WRONG');
    expect((await h.admin(first, 'POST', '/api/v1/auth/password', { currentPassword: password, newPassword: 'Ops-own-password-1' })).statusCode).toBe(204);
    expect((await h.admin(first, 'GET', '/api/v1/users')).statusCode).toBe(200);

    // Disabled: the session ends at once and sign-in answers like a wrong password.
    expect((await h.admin(root, 'PATCH', '/api/v1/admins', { id, disabled: true })).statusCode).toBe(200);
    expect((await h.admin(first, 'GET', '/api/v1/users')).statusCode).toBe(401);
    const disabledSignIn = await h.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username: 'ops', password: 'Ops-own-password-1' } });
    expect(disabledSignIn.json().error.code).toBe('AUTH_INVALID_CREDENTIALS');
    expect((await h.admin(root, 'PATCH', '/api/v1/admins', { id, disabled: false })).statusCode).toBe(200);
    const again = await h.signIn('ops', 'Ops-own-password-1');

    // A reader may not manage admins.
    expect((await h.admin(again, 'POST', '/api/v1/admins', { username: 'sneaky', role: 'global_admin' })).statusCode).toBe(403);

    const reset = await h.admin(root, 'POST', '/api/v1/admins/reset-password', { id });
    const resetPassword = (reset.json() as { password: string }).password;
    expect((await h.admin(again, 'GET', '/api/v1/auth/me')).statusCode).toBe(401);
    expect((await h.admin(await h.signIn('ops', resetPassword), 'GET', '/api/v1/auth/me')).json()).toMatchObject({ mustChangePassword: true });

    expect((await h.admin(root, 'DELETE', `/api/v1/admins?id=${id}`)).statusCode).toBe(204);
    expect((await h.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username: 'ops', password: resetPassword } })).statusCode).toBe(401);

    const rootId = ((await h.admin(root, 'GET', '/api/v1/admins')).json() as Array<{ id: string; username: string }>).find((a) => a.username === ROOT_ADMIN)!.id;
    const last = await h.admin(root, 'PATCH', '/api/v1/admins', { id: rootId, disabled: true });
    expect(last.statusCode).toBe(409);
    expect(last.json().error.code).toBe('LAST_GLOBAL_ADMIN');
    expect((await h.admin(root, 'DELETE', `/api/v1/admins?id=${rootId}`)).json().error.code).toBe('LAST_GLOBAL_ADMIN');
    const actions = await auditActions();
    for (const action of ['admin.created', 'admin.password_changed', 'admin.disabled', 'admin.enabled', 'admin.password_reset', 'admin.removed']) expect(actions).toContain(action);
  });

  it('signs out everywhere: every session of the admin ends', async () => {
    const one = await h.signIn(ROOT_ADMIN, ROOT_PASSWORD);
    const two = await h.signIn(ROOT_ADMIN, ROOT_PASSWORD);
    const out = await h.admin(one, 'POST', '/api/v1/auth/sign-out-everywhere');
    expect(out.statusCode).toBe(204);
    expect((await h.admin(one, 'GET', '/api/v1/auth/me')).statusCode).toBe(401);
    expect((await h.admin(two, 'GET', '/api/v1/auth/me')).statusCode).toBe(401);
    expect(await auditActions()).toContain('admin.signed_out_everywhere');
  });

  it('ends a session after 30 idle minutes, and after 12 hours however active', async () => {
    try {
      const idle = await h.signIn(ROOT_ADMIN, ROOT_PASSWORD);
      h.clock.advance(29 * 60_000);
      expect((await h.admin(idle, 'GET', '/api/v1/auth/me')).statusCode).toBe(200);
      h.clock.advance(31 * 60_000);
      expect((await h.admin(idle, 'GET', '/api/v1/auth/me')).statusCode).toBe(401);

      const busy = await h.signIn(ROOT_ADMIN, ROOT_PASSWORD);
      for (let hour = 0; hour < 12 * 3; hour++) {
        h.clock.advance(20 * 60_000);
        const me = await h.admin(busy, 'GET', '/api/v1/auth/me');
        if (hour < 12 * 3 - 1) expect(me.statusCode, `after ${(hour + 1) * 20} minutes`).toBe(200);
        else expect(me.statusCode).toBe(401);
      }
    } finally {
      h.clock.set(new Date());
    }
  });

  it('answers every API request with Cache-Control: no-store (sign-in, one-time secrets, errors)', async () => {
    const root = await h.rootSession();
    const responses = [
      await h.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username: ROOT_ADMIN, password: ROOT_PASSWORD } }),
      await h.admin(root, 'POST', '/api/v1/registration-tokens'),
      await h.admin(root, 'GET', '/api/v1/auth/me'),
      await h.inject({ method: 'GET', url: '/api/v1/no-such-route' }),
      await h.inject({ method: 'GET', url: '/api/v1/users' }),
    ];
    for (const response of responses) expect(response.headers['cache-control'], `${response.statusCode} ${response.body.slice(0, 60)}`).toBe('no-store');
  });
});

/**
 * The tenant as an OpenID Connect provider, on a real listener and a real store (SQLite and
 * PostgreSQL): discovery, JWKS kept in the store, client registration by admins, the full
 * authorization code + PKCE flow driven over HTTP, the sign-in page's errors in English and Dutch,
 * and the smart lockout behind it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, Page } from '../../../src/tenant/api/contract.js';
import type { OidcClientCreated, OidcClientView } from '../../../src/tenant/oidc/client-contract.js';
import { buildTenantApp } from '../../../src/tenant/http/app.js';
import { createMemoryLogger } from '../../../src/shared/logger.js';
import { passwordSet, startHarness, userChange, verifiersFor, type Harness } from '../http/harness.js';
import { follow, formAction, newBrowser, pkcePair, verifyJwt, type Browser, type Jwks } from './oidc-flow.js';

describe.each(['sqlite', 'postgres'] as const)('OpenID Connect provider (%s)', (dialect) => {
  let h: Harness;
  let base: string;
  let issuer: string;
  let confidential: OidcClientCreated;
  let publicClient: OidcClientCreated;
  let agentCredential: string;
  const REDIRECT = 'http://127.0.0.1:9/callback';

  beforeAll(async () => {
    h = await startHarness(dialect);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const address = h.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    issuer = `${base}/oidc`;
    const { credential } = await h.registerAgent();
    agentCredential = credential;
    const changes = [
      userChange('anchor-ann', 'ann@example.org', { mail: 'ann.smith@example.org', displayName: 'Ann Smith' }),
      userChange('anchor-off', 'off@example.org', { enabled: false }),
      userChange('anchor-lou', 'lou@example.org'),
      { op: 'upsert' as const, object: { kind: 'group' as const, anchor: 'group-devs', dn: 'cn=devs,ou=groups,dc=example,dc=org', name: 'devs', description: null, mail: null, memberAnchors: ['anchor-ann'] } },
      { op: 'upsert' as const, object: { kind: 'group' as const, anchor: 'group-all', dn: 'cn=all,ou=groups,dc=example,dc=org', name: 'all staff', description: null, mail: null, memberAnchors: ['anchor-ann', 'anchor-lou'] } },
    ];
    expect((await h.agent(credential, 'POST', '/api/v1/agent/batches/objects', { batchId: 'oidc-users-1', changes })).json()).toMatchObject({ errors: [] });
    const items = [
      passwordSet('anchor-ann', await verifiersFor('Ann-pw-1')),
      passwordSet('anchor-off', await verifiersFor('Off-pw-1')),
      passwordSet('anchor-lou', await verifiersFor('Lou-pw-1')),
    ];
    expect((await h.agent(credential, 'POST', '/api/v1/agent/batches/passwords', { batchId: 'oidc-pw-1', items })).json()).toMatchObject({ applied: 3 });
  });
  afterAll(async () => { await h?.close(); });

  const api = async (method: string, url: string, payload?: unknown) => h.admin(await h.rootSession(), method, url, payload);

  it('serves discovery for the issuer <tenant URL>/oidc: code flow, PKCE S256 only, our claims', async () => {
    const response = await fetch(`${issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const doc = await response.json() as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      userinfo_endpoint: `${issuer}/me`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'groups']));
    expect(doc.claims_supported).toEqual(expect.arrayContaining(['sub', 'upn', 'preferred_username', 'name', 'email', 'groups']));
  });

  it('publishes the public RSA signing key and the next one (key-rotation.test.ts), kept in the store across restarts', async () => {
    const jwks = await (await fetch(`${issuer}/jwks`)).json() as Jwks;
    expect(jwks.keys).toHaveLength(2);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      for (const privatePart of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(privatePart);
    }
    // A second app (another replica, or a restart) on the same store signs with the same key.
    const other = await buildTenantApp({ store: h.store, tenantId: h.tenantId, logger: createMemoryLogger('error').logger, version: 'test' });
    try {
      const again = await other.inject({ method: 'GET', url: '/oidc/jwks', headers: { host: new URL(base).host } });
      expect((again.json() as Jwks).keys.map((k) => k.kid)).toEqual(jwks.keys.map((k) => k.kid));
    } finally {
      await other.close();
    }
  });

  it('lets a global admin register clients (secret shown once), readers only list, all audited', async () => {
    const created = await api('POST', '/api/v1/oidc-clients', { name: 'Intranet', redirectUris: [REDIRECT] });
    expect(created.statusCode).toBe(201);
    confidential = created.json() as OidcClientCreated;
    expect(confidential).toMatchObject({ name: 'Intranet', redirectUris: [REDIRECT], public: false, tokenEndpointAuthMethod: 'client_secret_basic', createdBy: 'root', issuer }); // the listener's own address (no publicUrl), never inject()'s Host header
    expect(confidential.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    publicClient = (await api('POST', '/api/v1/oidc-clients', { name: 'Mobile app', redirectUris: [REDIRECT], public: true })).json() as OidcClientCreated;
    expect(publicClient).toMatchObject({ public: true, clientSecret: null, tokenEndpointAuthMethod: 'none' });

    const list = await api('GET', '/api/v1/oidc-clients');
    expect((list.json() as OidcClientView[]).map((c) => c.name)).toEqual(['Intranet', 'Mobile app']);
    expect(list.body).not.toContain(confidential.clientSecret!);

    await h.createAdmin('reader', 'global_reader', 'reader-password-1');
    const reader = await h.signIn('reader', 'reader-password-1');
    expect((await h.admin(reader, 'GET', '/api/v1/oidc-clients')).statusCode).toBe(200);
    expect((await h.admin(reader, 'POST', '/api/v1/oidc-clients', { name: 'X', redirectUris: [REDIRECT] })).json().error.code).toBe('AUTH_FORBIDDEN');
    expect((await h.inject({ method: 'GET', url: '/api/v1/oidc-clients' })).statusCode).toBe(401);

    const audit = (await api('GET', '/api/v1/audit-log?pageSize=100')).json() as Page<AuditEntry>;
    const entry = audit.items.find((e) => e.action === 'oidc_client.created' && e.details['clientId'] === confidential.clientId);
    expect(entry).toMatchObject({ actor: 'root', details: { name: 'Intranet', public: false } });
    expect(JSON.stringify(audit)).not.toContain(confidential.clientSecret!);
  });

  it.each([
    ['http to another host', { name: 'Bad', redirectUris: ['http://app.example.com/cb'] }, 'redirectUris.0'],
    ['a fragment', { name: 'Bad', redirectUris: ['https://app.example.com/cb#x'] }, 'redirectUris.0'],
    ['no redirect URI', { name: 'Bad', redirectUris: [] }, 'redirectUris'],
    ['no name', { name: ' ', redirectUris: ['https://app.example.com/cb'] }, 'name'],
  ])('refuses a client with %s, naming the field', async (_what, body, field) => {
    const response = await api('POST', '/api/v1/oidc-clients', body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'REQUEST_INVALID', details: { fields: [field] } });
  });

  /** Starts an authorization request and returns the sign-in page it leads to. */
  async function startLogin(browser: Browser, clientId: string, pkce = pkcePair(), extra: Record<string, string> = {}) {
    const params = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 'st-1', nonce: 'n-1', code_challenge: pkce.challenge, code_challenge_method: 'S256', ...extra });
    const page = await follow(browser, `${issuer}/auth?${params}`, REDIRECT, base);
    return { ...page, pkce, html: await page.response.text() };
  }

  async function signInOnPage(browser: Browser, pageUrl: string, html: string, username: string, password: string) {
    const lang = /name="lang" value="(\w+)"/.exec(html)?.[1] ?? 'en';
    const posted = await browser.request(new URL(formAction(html), pageUrl).toString(), { form: { username, password, lang } });
    if (posted.status !== 303) return { posted, html: await posted.text() };
    const done = await follow(browser, new URL(posted.headers.get('location')!, pageUrl).toString(), REDIRECT, base);
    return { posted, html: '', callback: done.stoppedAt ? new URL(done.stoppedAt) : undefined };
  }

  async function redeem(code: string, verifier: string, client: OidcClientCreated) {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const form: Record<string, string> = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier };
    if (client.clientSecret) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`;
    else form.client_id = client.clientId;
    return fetch(`${issuer}/token`, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
  }

  it('completes the code flow with PKCE: ID token and userinfo carry UPN, name, email and groups', async () => {
    const browser = newBrowser();
    const login = await startLogin(browser, confidential.clientId);
    expect(login.response.status).toBe(200);
    expect(login.url).toContain('/oidc/interaction/');
    expect(login.html).toContain('Intranet');
    expect(login.response.headers.get('content-security-policy')).toContain("form-action 'self' http://127.0.0.1:9");
    expect(login.response.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    const result = await signInOnPage(browser, login.url, login.html, 'ANN.SMITH@example.org', 'Ann-pw-1');
    expect(result.callback?.searchParams.get('state')).toBe('st-1');
    const code = result.callback!.searchParams.get('code')!;
    expect(code).toBeTruthy();

    const tokenResponse = await redeem(code, login.pkce.verifier, confidential);
    expect(tokenResponse.status).toBe(200);
    const tokens = await tokenResponse.json() as { id_token: string; access_token: string; token_type: string };
    const jwks = await (await fetch(`${issuer}/jwks`)).json() as Jwks;
    const claims = verifyJwt(tokens.id_token, jwks);
    expect(claims).toMatchObject({
      iss: issuer, aud: confidential.clientId, sub: 'anchor-ann', nonce: 'n-1',
      preferred_username: 'ann@example.org', upn: 'ann@example.org', name: 'Ann Smith', email: 'ann.smith@example.org',
    });
    expect([...(claims.groups as string[])].sort()).toEqual(['all staff', 'devs']);

    const userinfo = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(await userinfo.json()).toMatchObject({ sub: 'anchor-ann', upn: 'ann@example.org', email: 'ann.smith@example.org', groups: expect.arrayContaining(['devs']) });

    // A code works once.
    expect((await redeem(code, login.pkce.verifier, confidential)).status).toBe(400);
  });

  it('requires PKCE, checks the verifier and the client secret', async () => {
    const browser = newBrowser();
    const noPkce = await follow(browser, `${issuer}/auth?${new URLSearchParams({ client_id: confidential.clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 's' })}`, REDIRECT, base);
    expect(new URL(noPkce.stoppedAt!).searchParams.get('error')).toBe('invalid_request');
    expect(new URL(noPkce.stoppedAt!).searchParams.get('error_description')).toMatch(/PKCE/);

    const plain = await follow(browser, `${issuer}/auth?${new URLSearchParams({ client_id: confidential.clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' })}`, REDIRECT, base);
    expect(new URL(plain.stoppedAt!).searchParams.get('error')).toBe('invalid_request');

    const login = await startLogin(browser, publicClient.clientId);
    const result = await signInOnPage(browser, login.url, login.html, 'lou@example.org', 'Lou-pw-1');
    const code = result.callback!.searchParams.get('code')!;
    const wrongVerifier = await redeem(code, pkcePair().verifier, publicClient);
    expect(wrongVerifier.status).toBe(400);
    expect(await wrongVerifier.json()).toMatchObject({ error: 'invalid_grant' });

    // The session from that sign-in is reused: no second password prompt.
    const second = await startLogin(browser, confidential.clientId);
    expect(second.stoppedAt).toBeDefined();
    const secondCode = new URL(second.stoppedAt!).searchParams.get('code')!;
    const wrongSecret = await redeem(secondCode, second.pkce.verifier, { ...confidential, clientSecret: 'not-the-secret' });
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('shows a wrong password in plain words, in English or Dutch, and refuses disabled users alike', async () => {
    const browser = newBrowser({ 'accept-language': 'nl-NL,nl;q=0.9,en;q=0.5' });
    const login = await startLogin(browser, confidential.clientId);
    expect(login.html).toContain('<html lang="nl-NL">');
    expect(login.html).toContain('Gebruikersnaam');
    expect(login.html).toContain('?lang=en');
    const wrong = await signInOnPage(browser, login.url, login.html, 'ann@example.org', 'ann-pw-1');
    expect(wrong.posted.status).toBe(401);
    expect(wrong.html).toContain('Uw gebruikersnaam of wachtwoord is onjuist.');
    expect(wrong.html).toContain('value="ann@example.org"');
    expect(wrong.html).not.toContain('ann-pw-1');

    const english = await browser.request(`${login.url}?lang=en`);
    expect(await english.text()).toContain('User name');
    const disabled = await signInOnPage(newBrowser(), login.url, login.html, 'off@example.org', 'Off-pw-1');
    expect(disabled.posted.status).toBe(400); // another browser: no interaction cookie, the page says it expired
    const sameBrowserDisabled = await signInOnPage(browser, login.url, login.html, 'off@example.org', 'Off-pw-1');
    expect(sameBrowserDisabled.posted.status).toBe(401);
    expect(sameBrowserDisabled.html).toContain('onjuist');
  });

  it('locks a user out after repeated failures from one address, audited as OIDC sign-ins', async () => {
    const browser = newBrowser();
    const login = await startLogin(browser, confidential.clientId);
    for (let i = 0; i < 5; i++) {
      expect((await signInOnPage(browser, login.url, login.html, 'lou@example.org', `wrong-${i}`)).posted.status).toBe(401);
    }
    const locked = await signInOnPage(browser, login.url, login.html, 'lou@example.org', 'Lou-pw-1');
    expect(locked.posted.status).toBe(429);
    expect(Number(locked.posted.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(locked.html).toMatch(/Too many failed sign-ins\. Your account is locked for now: try again in \d+ seconds?\./);
    const audit = (await api('GET', '/api/v1/audit-log?pageSize=100')).json() as Page<AuditEntry>;
    expect(audit.items.find((e) => e.action === 'sign_in.locked_out')?.details).toMatchObject({ subject: 'user:anchor-lou', via: `oidc:${confidential.clientId}` });
    // One audit row per lock event; the refused attempt writes none.
    expect(audit.items.filter((e) => e.action === 'sign_in.locked_attempt')).toEqual([]);
    // The API sign-in shares the counters.
    expect((await h.inject({ method: 'POST', url: '/api/v1/sign-in', payload: { username: 'lou@example.org', password: 'Lou-pw-1' } })).statusCode).toBe(429);
  });

  it('deletes a client: audited, and its sign-ins stop', async () => {
    const removed = await api('DELETE', `/api/v1/oidc-clients?clientId=${publicClient.clientId}`);
    expect(removed.statusCode).toBe(204);
    expect((await api('DELETE', `/api/v1/oidc-clients?clientId=${publicClient.clientId}`)).json().error.code).toBe('NOT_FOUND');
    const attempt = await startLogin(newBrowser(), publicClient.clientId);
    expect(attempt.stoppedAt).toBeUndefined();
    expect(attempt.response.status).toBe(400);
    expect(attempt.html).toContain('client');
    const audit = (await api('GET', '/api/v1/audit-log?pageSize=100')).json() as Page<AuditEntry>;
    expect(audit.items.some((e) => e.action === 'oidc_client.deleted' && e.details['clientId'] === publicClient.clientId)).toBe(true);
  });

  it('ends the session of a user disabled on premises: the next sign-in asks again and refuses', async () => {
    const browser = newBrowser();
    const first = await startLogin(browser, confidential.clientId);
    expect((await signInOnPage(browser, first.url, first.html, 'ann@example.org', 'Ann-pw-1')).callback?.searchParams.get('code')).toBeTruthy();
    const disable = await h.agent(agentCredential, 'POST', '/api/v1/agent/batches/objects', { batchId: 'oidc-disable-ann', changes: [userChange('anchor-ann', 'ann@example.org', { mail: 'ann.smith@example.org', displayName: 'Ann Smith', enabled: false })] });
    expect(disable.json()).toMatchObject({ errors: [] });
    const again = await startLogin(browser, confidential.clientId);
    expect(again.stoppedAt).toBeUndefined();
    expect(again.html).toContain('<form method="post"');
    expect((await signInOnPage(browser, again.url, again.html, 'ann@example.org', 'Ann-pw-1')).posted.status).toBe(401);
  });

  it('never logs a password or a client secret', () => {
    const log = h.lines.join('\n');
    for (const secret of ['Ann-pw-1', 'Lou-pw-1', 'ann-pw-1', confidential.clientSecret!]) expect(log).not.toContain(secret);
  });
});

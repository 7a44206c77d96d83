/**
 * Rotation of the OpenID Connect keys (issue 11), on a real listener and a real store: the next
 * signing key is in the JWKS before it signs; after a rotation a token signed by the old key still
 * verifies through the JWKS, until every token it signed has expired, then the old key is gone;
 * a browser session cookie signed with the old cookie key keeps working until its retention ends.
 * Rotation on demand is audited; rotation on schedule happens when the period is over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, Page } from '../../../src/tenant/api/contract.js';
import type { OidcClientCreated } from '../../../src/tenant/oidc/client-contract.js';
import type { KeyRingSummary } from '../../../src/tenant/oidc/key-ring.js';
import { keyRingPolicy, loadKeyRing } from '../../../src/tenant/oidc/keys.js';
import { passwordSet, ROOT_PASSWORD, startHarness, userChange, verifiersFor, type Harness } from '../http/harness.js';
import { follow, formAction, newBrowser, pkcePair, verifyJwt, type Browser, type Jwks } from './oidc-flow.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const policy = keyRingPolicy();

describe.each(['sqlite', 'postgres'] as const)('OpenID Connect key rotation (%s)', (dialect) => {
  let h: Harness;
  let base: string;
  let issuer: string;
  let client: OidcClientCreated;

  beforeAll(async () => {
    h = await startHarness(dialect);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const address = h.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    issuer = `${base}/oidc`;
    const { credential } = await h.registerAgent();
    expect((await h.agent(credential, 'POST', '/api/v1/agent/batches/objects', { batchId: 'rotation-users-1', changes: [userChange('anchor-ann', 'ann@example.org')] })).json()).toMatchObject({ errors: [] });
    expect((await h.agent(credential, 'POST', '/api/v1/agent/batches/passwords', { batchId: 'rotation-pw-1', items: [passwordSet('anchor-ann', await verifiersFor('Ann-pw-1'))] })).json()).toMatchObject({ applied: 1 });
    client = (await api('POST', '/api/v1/oidc-clients', { name: 'Intranet', redirectUris: [REDIRECT] })).json() as OidcClientCreated;
  });
  afterAll(async () => { await h?.close(); });

  /** A fresh admin session each time: the test moves the clock past a session's lifetime. */
  async function api(method: string, url: string, payload?: unknown) {
    await h.rootSession();
    return h.admin(await h.signIn('root', ROOT_PASSWORD), method, url, payload);
  }

  const jwks = async () => await (await fetch(`${issuer}/jwks`)).json() as Jwks;
  const kidOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string }).kid;

  /** An ID token for Ann: signs in on the page unless the browser's session cookie is still accepted. */
  async function idToken(browser: Browser): Promise<{ token: string; prompted: boolean }> {
    const pkce = pkcePair();
    const params = new URLSearchParams({ client_id: client.clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 's', nonce: 'n', code_challenge: pkce.challenge, code_challenge_method: 'S256' });
    const page = await follow(browser, `${issuer}/auth?${params}`, REDIRECT, base);
    let callback = page.stoppedAt;
    const prompted = callback === undefined;
    if (prompted) {
      const html = await page.response.text();
      const posted = await browser.request(new URL(formAction(html), page.url).toString(), { form: { username: 'ann@example.org', password: 'Ann-pw-1', lang: 'en' } });
      expect(posted.status).toBe(303);
      callback = (await follow(browser, new URL(posted.headers.get('location')!, page.url).toString(), REDIRECT, base)).stoppedAt;
    }
    const code = new URL(callback!).searchParams.get('code')!;
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: pkce.verifier }).toString(),
    });
    expect(response.status).toBe(200);
    return { token: ((await response.json()) as { id_token: string }).id_token, prompted };
  }

  it('publishes the next key before it signs, keeps the old one while its tokens live, then removes it; old cookies work until their retention', async () => {
    const before = await jwks();
    const browser = newBrowser();
    const first = await idToken(browser);
    expect(first.prompted).toBe(true);
    const oldKid = kidOf(first.token);
    // Two keys: the current one (which signed) and the next one, published but unused.
    expect(before.keys.map((k) => k.kid)).toContain(oldKid);
    expect(before.keys).toHaveLength(2);
    const nextKid = before.keys.find((k) => k.kid !== oldKid)!.kid;
    for (const privatePart of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(before.keys[1]).not.toHaveProperty(privatePart);
    // A browser that keeps the session cookie signed with the cookie key of before the rotation.
    const oldCookies = newBrowser({}, browser.jar.clone());

    const rotated = await api('POST', '/api/v1/oidc-keys/rotate');
    expect(rotated.statusCode).toBe(200);
    expect(rotated.body).not.toMatch(/"d":|"key":/);
    const summary = rotated.json() as KeyRingSummary;
    expect(summary.signing.map((k) => [k.kid, k.state])).toEqual(expect.arrayContaining([[nextKid, 'current'], [oldKid, 'retired']]));
    expect(summary.cookieKeys.map((c) => c.state)).toEqual(['current', 'retired']);
    const audit = (await api('GET', '/api/v1/audit-log?pageSize=100')).json() as Page<AuditEntry>;
    expect(audit.items.find((e) => e.action === 'oidc_keys.rotated')).toMatchObject({ actor: 'root', details: { signingKid: nextKid, retiredKids: [oldKid] } });

    // The token signed before the rotation still verifies through the JWKS served now.
    const after = await jwks();
    expect(after.keys).toHaveLength(3);
    expect(verifyJwt(first.token, after)).toMatchObject({ sub: 'anchor-ann', aud: client.clientId });
    // The session cookie signed with the old cookie key still signs Ann in (no password prompt),
    // and the new token is signed by the key that was published before the rotation.
    const second = await idToken(oldCookies);
    expect(second.prompted).toBe(false);
    expect(kidOf(second.token)).toBe(nextKid);
    expect(verifyJwt(second.token, after)).toMatchObject({ sub: 'anchor-ann' });

    // Past the lifetime of every token the old key signed (not yet past the cookies'): the key is gone.
    h.clock.advance(policy.signingRetentionMs + 1000);
    const later = await jwks();
    expect(later.keys.map((k) => k.kid)).not.toContain(oldKid);
    expect(later.keys.map((k) => k.kid)).toContain(nextKid);
    expect(() => verifyJwt(first.token, later)).toThrow(/unknown kid/);
    expect((await idToken(newBrowser({}, oldCookies.jar.clone()))).prompted).toBe(false);

    // Past the cookie retention: a cookie signed with the old cookie key is no longer accepted.
    const stale = newBrowser({}, oldCookies.jar.clone());
    h.clock.advance(policy.cookieRetentionMs);
    const keys = (await api('GET', '/api/v1/oidc-keys')).json() as KeyRingSummary;
    expect(keys.cookieKeys.map((c) => c.state)).toEqual(['current']);
    expect((await idToken(stale)).prompted).toBe(true);
  });

  it('rotates on its own once the period is over', async () => {
    const current = ((await api('GET', '/api/v1/oidc-keys')).json() as KeyRingSummary).signing.find((k) => k.state === 'current')!.kid;
    h.clock.advance(policy.rotateEveryMs + 1000);
    const keys = (await api('GET', '/api/v1/oidc-keys')).json() as KeyRingSummary;
    expect(keys.signing.find((k) => k.kid === current)?.state).toBe('retired');
    expect(keys.signing.filter((k) => k.state === 'current')).toHaveLength(1);
    expect(keys.signing.filter((k) => k.state === 'next')).toHaveLength(1);
    const token = await idToken(newBrowser());
    expect(kidOf(token.token)).toBe(keys.signing.find((k) => k.state === 'current')!.kid);
  });

  it('keeps the key of a tenant made before rotation existed, and replicas rotating at once agree on one ring', async () => {
    const tenant = `legacy-${Date.now()}`;
    await h.store.ensureTenant(tenant, tenant);
    const oidc = h.store.oidc(tenant);
    const { generateKeyPairSync } = await import('node:crypto');
    const legacyJwk = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'legacy-kid', alg: 'RS256', use: 'sig' };
    await oidc.getOrCreateSecret('signing_jwks', () => JSON.stringify({ keys: [legacyJwk] }));
    await oidc.getOrCreateSecret('cookie_keys', () => JSON.stringify(['legacy-cookie-key']));
    const now = h.clock.now();
    const ring = await loadKeyRing(oidc, now, policy);
    expect(ring.signing[0]).toMatchObject({ kid: 'legacy-kid', retiredAt: null });
    expect(ring.cookies.map((c) => c.key)).toEqual(['legacy-cookie-key']);
    // The ring is the only copy of the private key now.
    expect(await oidc.findSecret('signing_jwks')).toBeNull();
    expect(await oidc.findSecret('cookie_keys')).toBeNull();

    const due = new Date(now.getTime() + policy.rotateEveryMs + 1000);
    const rings = await Promise.all([1, 2, 3].map(() => loadKeyRing(oidc, due, policy)));
    const currents = new Set(rings.map((r) => r.signing[0]!.kid));
    expect(currents.size).toBe(1);
    expect([...currents][0]).toBe(ring.signing[1]!.kid);
    expect(rings[0]!.signing.find((k) => k.kid === 'legacy-kid')?.retiredAt).toBe(due.getTime());
  });
});

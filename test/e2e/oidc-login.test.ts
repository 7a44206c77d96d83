/**
 * The end-to-end proof of "people sign in with the password they already have": a real
 * OpenID Connect relying party (panva's openid-client) signs a user in through the tenant's
 * provider in Chromium, with the on-premises password that was changed in a real slapd moments
 * before (pushed to the tenant by syncrepl), and verifies the ID token (signature against the
 * JWKS, issuer, audience, nonce) and its claims: UPN, name, email, groups.
 * Screenshots: test-output/screenshots/oidc-sign-in-<lang>.png.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import * as oidcClient from 'openid-client';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAgent } from '../../src/cli/agent-wiring.js';
import type { OidcClientCreated } from '../../src/tenant/oidc/client-contract.js';
import { AdminApi } from '../support/admin-api.js';
import { eventually } from '../support/all-in-one.js';
import { authorizationRequest, startRelyingPartyServer, type RelyingPartyServer } from '../support/relying-party.js';
import { startSlapd, type Slapd } from '../support/slapd.js';
import { startSyncHarness, untilWatching, type SyncHarness } from '../support/sync-harness.js';

const SCREENSHOTS = path.resolve('test-output/screenshots');
const SUFFIX = 'dc=example,dc=test';
const ssha = (password: string) => execFileSync('slappasswd', ['-h', '{SSHA}', '-s', password], { encoding: 'utf8' }).trim();
const OLD_PASSWORD = 'Winter-pw-2025';
const NEW_PASSWORD = 'Spring-pw-2026';

const directory = [
  `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people\n`,
  `dn: ou=groups,${SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n`,
  `dn: uid=noor,ou=people,${SUFFIX}\nobjectClass: inetOrgPerson\nuid: noor\ncn: Noor de Vries\nsn: de Vries\nmail: noor@example.test\nmail: n.devries@example.test\nuserPassword: ${ssha(OLD_PASSWORD)}\n`,
  `dn: cn=finance,ou=groups,${SUFFIX}\nobjectClass: groupOfNames\ncn: finance\nmember: uid=noor,ou=people,${SUFFIX}\n`,
  `dn: cn=staff,ou=groups,${SUFFIX}\nobjectClass: groupOfNames\ncn: staff\nmember: uid=noor,ou=people,${SUFFIX}\n`,
].join('\n');

describe('OpenID Connect login with a just-changed on-premises password', () => {
  let slapd: Slapd;
  let harness: SyncHarness;
  let agent: RunningAgent;
  let browser: Browser;
  let rp: RelyingPartyServer;
  let registered: OidcClientCreated;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    slapd = await startSlapd({ suffix: SUFFIX, ldif: directory });
    harness = await startSyncHarness('sqlite', slapd);
    agent = await harness.agent();
    await agent.agent.connect();
    expect((await agent.agent.syncDirectory('full'))?.outcome).toBe('success');
    await agent.agent.syncPasswords('full');
    // The agent's loops, with syncrepl refreshAndPersist: changes are pushed, not polled.
    await agent.agent.start();
    await untilWatching(agent, (n) => slapd.modify(`dn: uid=noor,ou=people,${SUFFIX}\nchangetype: modify\nreplace: description\ndescription: watched ${n}\n`));

    rp = await startRelyingPartyServer();
    const admin = await AdminApi.signIn(harness.url, 'admin', 'Harness-admin-password-1');
    const created = await admin.request<OidcClientCreated>('POST', '/api/v1/oidc-clients', { name: 'Expense reports', redirectUris: [rp.redirectUri] });
    expect(created.status).toBe(201);
    registered = created.body;

    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await harness?.close();
    await slapd?.stop();
  });

  it('signs in through Chromium with the new password, and the relying party verifies the ID token', async () => {
    // The relying party, as an application would set it up (ID token signatures checked against the JWKS too).
    const { config, codeVerifier, state, nonce, url: authorizationUrl } = await authorizationRequest(`${harness.url}/oidc`, registered, rp.redirectUri, 'openid profile email groups');

    // The user changes their password on premises; the agent's syncrepl watch pushes it.
    const before = JSON.stringify((await harness.repo.findUserForSignIn('noor@example.test'))?.verifiers);
    const changedAt = Date.now();
    slapd.modify(`dn: uid=noor,ou=people,${SUFFIX}\nchangetype: modify\nreplace: userPassword\nuserPassword: ${ssha(NEW_PASSWORD)}\n`);
    // Watched while the browser opens the sign-in page. The agent polls hourly, so arriving before
    // this ceiling (generous for a loaded CI machine) means syncrepl pushed it; the latency is logged.
    const synced = eventually(async () => {
      const now = JSON.stringify((await harness.repo.findUserForSignIn('noor@example.test'))?.verifiers);
      return now !== before ? Date.now() - changedAt : false;
    }, 60_000, 'the changed password in the tenant');

    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(authorizationUrl.toString());
    await expect.poll(() => page.url()).toContain('/oidc/interaction/');
    expect(await page.locator('h1').textContent()).toBe('Sign in');
    expect(await page.locator('.sub').textContent()).toBe('to continue to Expense reports');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'oidc-sign-in-en.png') });

    await page.click('#language-switch');
    expect(await page.locator('h1').textContent()).toBe('Aanmelden');
    expect(await page.locator('label[for=username]').textContent()).toBe('Gebruikersnaam');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'oidc-sign-in-nl.png') });
    await page.click('#language-switch');
    expect(await page.locator('h1').textContent()).toBe('Sign in');

    // Moments later the tenant has the new verifier (the "within 5 seconds").
    const syncedAfterMs = await synced;

    // The old password no longer works, and the page says so in plain words.
    await page.fill('#username', 'n.devries@example.test');
    await page.fill('#password', OLD_PASSWORD);
    await page.click('#submit');
    expect(await page.locator('#sign-in-error').textContent()).toBe('Your user name or password is incorrect. Check both and try again.');

    const callback = rp.nextCallback();
    await page.fill('#password', NEW_PASSWORD);
    await page.click('#submit');
    const callbackUrl = await callback;
    await page.waitForURL((url) => url.toString().startsWith(rp.redirectUri));
    expect(await page.locator('#rp').textContent()).toBe('Signing you in…');

    const tokens = await oidcClient.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    const claims = tokens.claims()!;
    const noor = await harness.repo.findUserForSignIn('noor@example.test');
    expect(claims).toMatchObject({
      iss: `${harness.url}/oidc`,
      aud: registered.clientId,
      sub: noor!.anchor,
      upn: 'noor@example.test',
      preferred_username: 'noor@example.test',
      name: 'Noor de Vries',
      email: 'noor@example.test',
    });
    expect([...(claims.groups as string[])].sort()).toEqual(['finance', 'staff']);
    const userinfo = await oidcClient.fetchUserInfo(config, tokens.access_token, noor!.anchor);
    expect(userinfo).toMatchObject({ upn: 'noor@example.test', groups: expect.arrayContaining(['finance', 'staff']) });
    console.log(`the changed password reached the tenant ${syncedAfterMs} ms after the change`);
    await context.close();
  });
  it('speaks the language the application asks for with ui_locales, wrong password included, whatever the browser language', async () => {
    const config = await oidcClient.discovery(new URL(`${harness.url}/oidc`), registered.clientId, undefined, oidcClient.ClientSecretBasic(registered.clientSecret!), {
      execute: [oidcClient.allowInsecureRequests],
    });
    const authorizationUrl = oidcClient.buildAuthorizationUrl(config, {
      redirect_uri: rp.redirectUri,
      scope: 'openid',
      code_challenge: await oidcClient.calculatePKCECodeChallenge(oidcClient.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: oidcClient.randomState(),
      ui_locales: 'nl-NL en',
    });
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(authorizationUrl.toString());
    await expect.poll(() => page.url()).toContain('/oidc/interaction/');
    expect(await page.locator('h1').textContent()).toBe('Aanmelden');
    expect(await page.locator('html').getAttribute('lang')).toMatch(/^nl/);
    await page.fill('#username', 'n.devries@example.test');
    await page.fill('#password', 'not-the-password');
    await page.click('#submit');
    expect(await page.locator('#sign-in-error').textContent()).toBe('Uw gebruikersnaam of wachtwoord is onjuist. Controleer beide en probeer het opnieuw.');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'oidc-wrong-password-ui-locales-nl.png') });
    await context.close();
  });
});

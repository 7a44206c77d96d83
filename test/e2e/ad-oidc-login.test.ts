/**
 * The AD password hash sync proof end to end: a password set on a real Samba AD DC with
 * `samba-tool` reaches the tenant by MS-DRSR replication (triggered by the agent's USN poll), and
 * the user signs in with it through the OIDC sign-in page in Chromium (code flow with PKCE, the
 * code exchanged, the ID token's subject and UPN checked), on a SQLite and a PostgreSQL tenant.
 * With password sync switched off in the tenant, a further change on the DC is not replicated.
 * Prints the observed change → sign-in delay (no timed assertion beyond the bounded wait).
 * Screenshots: test-output/screenshots/ad-oidc-sign-in-<store>-*.png.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as oidcClient from 'openid-client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAgent } from '../../src/cli/agent-wiring.js';
import type { DirSyncStatus } from '../../src/tenant/api/contract.js';
import type { OidcClientCreated } from '../../src/tenant/oidc/client-contract.js';
import { AdminApi } from '../support/admin-api.js';
import { eventually } from '../support/all-in-one.js';
import { authorizationRequest, startRelyingPartyServer, type RelyingPartyServer } from '../support/relying-party.js';
import { startSambaDc, NETBIOS_DOMAIN, type SambaDc, type SyncAccount } from '../support/samba-dc.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const SCREENSHOTS = path.resolve('test-output/screenshots');
const WRONG = {
  en: 'Your user name or password is incorrect. Check both and try again.',
  nl: 'Uw gebruikersnaam of wachtwoord is onjuist. Controleer beide en probeer het opnieuw.',
};
// The bounded wait for a change on the DC to reach the tenant (the USN poll runs every second).
const REPLICATION_WAIT_MS = 15_000;

let dc: SambaDc;
let account: SyncAccount;
let browser: Browser;
let rp: RelyingPartyServer;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  dc = await startSambaDc();
  account = dc.createSyncAccount('dirbridge-sync');
  await dc.grantReplicationRights(account.dn, { all: true });
  rp = await startRelyingPartyServer();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rp?.close();
  await dc?.stop();
});

describe.each([['sqlite', 'en'], ['postgres', 'nl']] as const)('OIDC sign-in with a password just set on the AD DC (%s tenant, %s page)', (kind, language) => {
  let harness: SyncHarness;
  let agent: RunningAgent;
  let admin: AdminApi;
  let registered: OidcClientCreated;
  // Both stores share the DC: each has its own user.
  const name = `dana-${kind}`;
  const upn = `${name}@ad.test`;
  const passwords = [`Dana-${kind}-pass-1`, `Dana-${kind}-pass-2`, `Dana-${kind}-pass-3`] as const;
  const stateDir = mkdtempSync(path.join(tmpdir(), 'dirbridge-ad-oidc-agent-'));
  const shot = (page: Page, step: string) => page.screenshot({ path: path.join(SCREENSHOTS, `ad-oidc-sign-in-${kind}-${step}.png`) });
  const verifiers = async () => JSON.stringify((await harness.repo.findUserForSignIn(upn))?.verifiers ?? null);
  const status = async () => (await admin.request<DirSyncStatus>('GET', '/api/v1/dirsync/status')).body;
  /** The agent's replication watermark, read from its local state (read-only: the agent holds it open). */
  const replicationCursor = () => {
    const db = new Database(path.join(stateDir, 'state.sqlite'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("SELECT value FROM cursors WHERE name = 'passwords'").get() as { value: string | null } | undefined)?.value ?? null;
    } finally {
      db.close();
    }
  };

  /** Opens the relying party's authorization URL in Chromium: the tenant's sign-in page. */
  async function startSignIn() {
    const { config, codeVerifier, state, nonce, url } = await authorizationRequest(`${harness.url}/oidc`, registered, rp.redirectUri, 'openid profile email');
    const context = await browser.newContext({ locale: language === 'nl' ? 'nl-NL' : 'en-US' });
    const page = await context.newPage();
    await page.goto(url.toString());
    await expect.poll(() => page.url()).toContain('/oidc/interaction/');
    await page.locator('#username').waitFor({ timeout: 10_000 });
    return { config, codeVerifier, state, nonce, page, close: () => context.close() };
  }

  async function refused(page: Page, password: string) {
    await page.fill('#username', upn);
    await page.fill('#password', password);
    await page.click('#submit');
    expect(await page.locator('#sign-in-error').textContent({ timeout: 10_000 })).toBe(WRONG[language]);
  }

  /** Signs in with `password`, exchanges the code, and checks the ID token names the AD user. */
  async function signsIn(flow: Awaited<ReturnType<typeof startSignIn>>, password: string) {
    const callback = rp.nextCallback();
    await flow.page.fill('#username', upn);
    await flow.page.fill('#password', password);
    await flow.page.click('#submit');
    const callbackUrl = await Promise.race([callback, flow.page.waitForTimeout(10_000).then(() => { throw new Error('no callback at the relying party within 10 s'); })]);
    const tokens = await oidcClient.authorizationCodeGrant(flow.config, callbackUrl, {
      pkceCodeVerifier: flow.codeVerifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true,
    });
    const user = await harness.repo.findUserForSignIn(upn);
    expect(tokens.claims()).toMatchObject({ iss: `${harness.url}/oidc`, aud: registered.clientId, sub: user!.anchor, upn, preferred_username: upn });
  }

  beforeAll(async () => {
    dc.createUsers([{ name, password: passwords[0], givenName: 'Dana', sn: kind }]);
    harness = await startSyncHarness(kind, { url: dc.ldapsUrl, syncDn: account.dn, syncPw: account.password, suffix: dc.baseDn });
    agent = await harness.agent(
      { url: dc.ldapsUrl, flavor: 'ad', caFile: dc.caFile, passwordReplication: { user: account.name, domain: NETBIOS_DOMAIN, pollSeconds: 1 } },
      { stateDir },
    );
    await agent.agent.connect();
    expect((await agent.agent.syncDirectory('full'))?.outcome).toBe('success');
    expect((await agent.agent.syncPasswords('delta'))?.failure).toBeNull();
    await agent.agent.start();
    // Let the cycles start() runs at once finish, so only the change watch delivers what follows.
    await agent.agent.syncDirectory('delta');
    await agent.agent.syncPasswords('delta');
    admin = await AdminApi.signIn(harness.url, 'admin', 'Harness-admin-password-1');
    const created = await admin.request<OidcClientCreated>('POST', '/api/v1/oidc-clients', { name: 'Expense reports', redirectUris: [rp.redirectUri] });
    expect(created.status).toBe(201);
    registered = created.body;
  }, 90_000);

  afterAll(async () => {
    await harness?.close();
  });

  it('signs in through Chromium with the password set by samba-tool seconds before', async () => {
    const before = await verifiers();
    dc.sambaTool(['user', 'setpassword', name, `--newpassword=${passwords[1]}`]);
    const changedAt = Date.now();
    // Watch the tenant, not sign-in: failed attempts while waiting would count towards the lockout.
    const replicated = eventually(async () => ((await verifiers()) !== before ? Date.now() - changedAt : false), REPLICATION_WAIT_MS, 'the replicated password in the tenant');
    const flow = await startSignIn();
    await shot(flow.page, 'page');
    const replicatedAfterMs = await replicated;
    await signsIn(flow, passwords[1]);
    const signedInAfterMs = Date.now() - changedAt;
    await shot(flow.page, 'signed-in');
    await flow.close();
    // The old password no longer works, and the page says so in the user's language.
    const again = await startSignIn();
    await refused(again.page, passwords[0]);
    await shot(again.page, 'old-password-refused');
    await again.close();
    console.log(`[ad-oidc ${kind}] samba-tool setpassword → verifier in the tenant: ${replicatedAfterMs} ms; → OIDC sign-in completed in Chromium: ${signedInAfterMs} ms`);
  });

  it('replicates nothing while password sync is switched off in the tenant', async () => {
    expect((await admin.request('PATCH', '/api/v1/dirsync/settings', { passwordSyncEnabled: false })).status).toBe(200);
    await eventually(async () => agent.agent.currentSettings?.passwordSyncEnabled === false, 10_000, 'the agent seeing password sync off');
    const cursor = replicationCursor();
    expect(cursor).not.toBeNull();
    const { lastPasswordSync, lastDirectorySync } = await status();
    const before = await verifiers();

    dc.sambaTool(['user', 'setpassword', name, `--newpassword=${passwords[2]}`]);
    // The agent did notice the change (its USN poll triggered a directory delta), and yet ...
    await eventually(async () => (await status()).lastDirectorySync !== lastDirectorySync, REPLICATION_WAIT_MS, 'a directory delta after the change');
    // ... its replication did not run: same watermark, no password sync reported, same verifier.
    expect(replicationCursor()).toBe(cursor);
    expect((await status()).lastPasswordSync).toBe(lastPasswordSync);
    expect(await verifiers()).toBe(before);

    const flow = await startSignIn();
    await refused(flow.page, passwords[2]);
    await shot(flow.page, 'sync-off-new-password-refused');
    await signsIn(flow, passwords[1]);
    await flow.close();
  });
});

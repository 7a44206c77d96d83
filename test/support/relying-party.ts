/**
 * An OpenID Connect relying party's redirect URI for end-to-end tests: a tiny HTTP server on
 * 127.0.0.1 that answers /callback with a page (`#rp`) and hands each callback URL to the test.
 *
 * @example
 * const rp = await startRelyingPartyServer();
 * const callback = rp.nextCallback(); // before the click that ends at the redirect URI
 * ...
 * const url = await callback;
 * await rp.close();
 */
import { createServer, type Server } from 'node:http';
import * as oidcClient from 'openid-client';

export interface RelyingPartyServer {
  server: Server;
  /** http://127.0.0.1:<port>/callback */
  redirectUri: string;
  /** The URL of the next request to /callback. */
  nextCallback(): Promise<URL>;
  close(): Promise<void>;
}

export function startRelyingPartyServer(): Promise<RelyingPartyServer> {
  let waiting: ((url: URL) => void) | null = null;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname !== '/callback') { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!DOCTYPE html><title>Relying party</title><h1 id="rp">Signing you in…</h1>');
    waiting?.(url);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        server,
        redirectUri: `http://127.0.0.1:${port}/callback`,
        nextCallback: () => new Promise<URL>((done) => { waiting = done; }),
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

/**
 * An authorization code request with PKCE, state and nonce, as an application starts a sign-in:
 * the provider's configuration (ID token signatures checked against its JWKS too), the URL to open,
 * and what the code exchange must check (`oidcClient.authorizationCodeGrant`).
 */
export async function authorizationRequest(issuer: string, client: { clientId: string; clientSecret?: string | null }, redirectUri: string, scope: string) {
  const config = await oidcClient.discovery(new URL(issuer), client.clientId, undefined, oidcClient.ClientSecretBasic(client.clientSecret!), {
    execute: [oidcClient.allowInsecureRequests], // the test tenant listens on http://127.0.0.1
  });
  oidcClient.enableNonRepudiationChecks(config);
  const codeVerifier = oidcClient.randomPKCECodeVerifier();
  const state = oidcClient.randomState();
  const nonce = oidcClient.randomNonce();
  const url = oidcClient.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope, code_challenge: await oidcClient.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256', state, nonce,
  });
  return { config, codeVerifier, state, nonce, url };
}

/**
 * A browser's part of the authorization code flow, over plain HTTP: fetch with manual redirects
 * and a cookie jar, so tests see every hop (authorize, sign-in page, form post, callback).
 */
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';

export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** A copy: what this browser holds now, kept apart from what it receives later. */
  clone(): CookieJar {
    const copy = new CookieJar();
    for (const [name, value] of this.cookies) copy.cookies.set(name, value);
    return copy;
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export interface Browser {
  jar: CookieJar;
  /** One request, no redirect following; cookies sent and stored. */
  request(url: string, init?: { method?: string; form?: Record<string, string>; headers?: Record<string, string> }): Promise<Response>;
}

export function newBrowser(headers: Record<string, string> = {}, jar = new CookieJar()): Browser {
  return {
    jar,
    async request(url, init = {}) {
      const response = await fetch(url, {
        method: init.method ?? (init.form ? 'POST' : 'GET'),
        redirect: 'manual',
        headers: {
          ...headers,
          ...init.headers,
          cookie: jar.header(),
          ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
      });
      jar.store(response);
      return response;
    },
  };
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Follows redirects from `url` until a page answers (not 3xx) or a Location starts with `stopAt`. */
export async function follow(browser: Browser, url: string, stopAt: string, base: string): Promise<{ response: Response; url: string; stoppedAt?: string }> {
  let current = url;
  for (let hop = 0; hop < 10; hop++) {
    const response = await browser.request(current);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return { response, url: current };
    const next = new URL(location, current).toString();
    if (next.startsWith(stopAt)) return { response, url: current, stoppedAt: next };
    current = next.startsWith('http') ? next : new URL(next, base).toString();
  }
  throw new Error('too many redirects');
}

export function formAction(html: string): string {
  const match = /<form method="post" action="([^"]+)"/.exec(html);
  if (!match) throw new Error('no sign-in form on the page');
  return match[1]!.replace(/&amp;/g, '&');
}

export interface Jwks { keys: Array<Record<string, unknown> & { kid: string }> }

/** Verifies an RS256 JWT against a JWK set and returns its claims. */
export function verifyJwt(token: string, jwks: Jwks): Record<string, unknown> {
  const [h = '', p = '', s = ''] = token.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg: string; kid: string };
  if (header.alg !== 'RS256') throw new Error(`unexpected alg ${header.alg}`);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error('unknown kid');
  const key = createPublicKey({ key: jwk as never, format: 'jwk' });
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) throw new Error('bad signature');
  return JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
}

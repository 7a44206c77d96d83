/** A minimal admin-center API client for tests: signs in, keeps the session cookie, sends the CSRF token. */
import type { AdminSession } from '../../src/tenant/api/contract.js';

export class AdminApi {
  private cookie = '';
  private csrf = '';

  constructor(readonly baseUrl: string) {}

  static async signIn(baseUrl: string, username: string, password: string): Promise<AdminApi> {
    const api = new AdminApi(baseUrl);
    const response = await fetch(`${baseUrl}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    if (!response.ok) throw new Error(`admin sign-in failed: ${response.status} ${await response.text()}`);
    api.cookie = (response.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
    api.csrf = ((await response.json()) as AdminSession).csrfToken;
    return api;
  }

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { cookie: this.cookie, 'x-csrf-token': this.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
  }

  async get<T = unknown>(path: string): Promise<T> {
    const { status, body } = await this.request<T>('GET', path);
    if (status !== 200) throw new Error(`GET ${path}: ${status} ${JSON.stringify(body)}`);
    return body;
  }
}

export async function userSignIn(baseUrl: string, username: string, password: string): Promise<{ status: number; body: unknown; retryAfter: string | null }> {
  const response = await fetch(`${baseUrl}/api/v1/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  return { status: response.status, body: await response.json(), retryAfter: response.headers.get('retry-after') };
}

/**
 * A tenant app over a real store (SQLite file or the machine's PostgreSQL), driven with
 * `app.inject()`, with the log captured in memory so tests can assert nothing secret was logged.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { computeSourceDigest, deriveVerifier, hashAdminPassword, type PasswordVerifier } from '../../../src/passwords/index.js';
import { fixedClock } from '../../../src/shared/clock.js';
import { createMemoryLogger } from '../../../src/shared/logger.js';
import type { ObjectBatchRequest, PasswordBatchRequest, Role, SyncRunReport } from '../../../src/tenant/api/contract.js';
import { buildTenantApp, type TenantAppOptions } from '../../../src/tenant/http/app.js';
import type { TenantRepository, TenantStore } from '../../../src/tenant/store/ports.js';
import { createTestStore, type TestStore } from '../store/test-stores.js';

export type Dialect = 'sqlite' | 'postgres';

/** Cheap scrypt for test admins and verifiers; production parameters are far higher. */
const FAST_ADMIN = { ln: 10, r: 8, p: 1 };
export const ROOT_ADMIN = 'root';
export const ROOT_PASSWORD = 'root-password-1';
export const FAST_KDF = { log2N: 10, r: 8, p: 1, keyLength: 32 };

export interface Harness {
  app: FastifyInstance;
  store: TenantStore;
  /** How to reach the store's database directly (test-stores.ts openDatabase). */
  storeOptions: TestStore['options'];
  repo: TenantRepository;
  tenantId: string;
  clock: ReturnType<typeof fixedClock>;
  /** Every log line the app wrote. */
  lines: string[];
  /** Every response body the tests saw (for the no-secret sweep). */
  bodies: string[];
  inject(request: { method: string; url: string; payload?: unknown; headers?: Record<string, string>; cookies?: Record<string, string> }): Promise<LightMyRequestResponse>;
  createAdmin(username: string, role: Role, password: string): Promise<void>;
  signIn(username: string, password: string): Promise<{ cookie: string; csrf: string }>;
  admin(session: { cookie: string; csrf: string }, method: string, url: string, payload?: unknown, csrf?: boolean): Promise<LightMyRequestResponse>;
  /** A global admin `root` (created on first use) and its session. */
  rootSession(): Promise<{ cookie: string; csrf: string }>;
  registerAgent(host?: string): Promise<{ agentId: string; credential: string }>;
  agent(credential: string, method: string, url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startHarness(dialect: Dialect = 'sqlite', appOptions: Partial<Pick<TenantAppOptions, 'trustProxy' | 'uiDir' | 'lockoutPolicy' | 'publicUrl' | 'agentCredentialTtlMs' | 'alerts'>> = {}): Promise<Harness> {
  // A fresh tenant that is not the helper's 'default': nothing may assume the tenant id.
  const tenantId = `t-${randomUUID()}`;
  const testStore = await createTestStore(dialect, { tenantId });
  const store = testStore.store;
  const repo = store.forTenant(tenantId);
  // The tenant accepts verifiers with its own KDF parameters only: the test verifiers' cheap ones.
  await repo.updateSettings({ kdfParams: FAST_KDF });
  const { logger, lines } = createMemoryLogger('debug');
  // Near the real time: the store marks the active agent by the wall clock.
  const clock = fixedClock(new Date());
  const app = await buildTenantApp({ store, tenantId, logger, clock, version: '0.1.0-test', adminPasswordParams: FAST_ADMIN, ...appOptions });
  await app.ready();
  const bodies: string[] = [];
  const sessionCookie = appOptions.publicUrl?.startsWith('https:') ? '__Host-dirbridge_session' : 'dirbridge_session';
  let rootSession: Promise<{ cookie: string; csrf: string }> | null = null;

  const inject: Harness['inject'] = async (request) => {
    const response = await app.inject({
      method: request.method as 'GET',
      url: request.url,
      ...(request.payload === undefined ? {} : typeof request.payload === 'string' ? { payload: request.payload } : { payload: request.payload as object }),
      ...(request.headers ? { headers: request.headers } : {}),
      ...(request.cookies ? { cookies: request.cookies } : {}),
    });
    bodies.push(response.body);
    return response;
  };

  const harness: Harness = {
    app, store, storeOptions: testStore.options, repo, tenantId, clock, lines, bodies, inject,
    async createAdmin(username, role, password) {
      await repo.createAdmin({ username, role, passwordHash: await hashAdminPassword(password, FAST_ADMIN) });
    },
    async signIn(username, password) {
      const response = await inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username, password } });
      if (response.statusCode !== 200) throw new Error(`sign-in failed: ${response.statusCode} ${response.body}`);
      const cookie = response.cookies.find((c) => c.name === sessionCookie);
      if (!cookie) throw new Error('no session cookie');
      return { cookie: cookie.value, csrf: (response.json() as { csrfToken: string }).csrfToken };
    },
    admin(session, method, url, payload, csrf = true) {
      return inject({
        method, url, payload,
        cookies: { [sessionCookie]: session.cookie },
        ...(csrf ? { headers: { 'x-csrf-token': session.csrf } } : {}),
      });
    },
    async rootSession() {
      rootSession ??= (async () => {
        await harness.createAdmin(ROOT_ADMIN, 'global_admin', ROOT_PASSWORD);
        return harness.signIn(ROOT_ADMIN, ROOT_PASSWORD);
      })();
      return rootSession;
    },
    async registerAgent(host = 'dc1.example.org') {
      const created = await harness.admin(await harness.rootSession(), 'POST', '/api/v1/registration-tokens');
      if (created.statusCode !== 201) throw new Error(`token: ${created.statusCode} ${created.body}`);
      const { token } = created.json() as { token: string };
      const registered = await inject({ method: 'POST', url: '/api/v1/agent/register', payload: { registrationToken: token, host, version: '0.1.0' } });
      if (registered.statusCode !== 201) throw new Error(`register: ${registered.statusCode} ${registered.body}`);
      return registered.json() as { agentId: string; credential: string };
    },
    agent(credential, method, url, payload) {
      return inject({ method, url, payload, headers: { authorization: `Bearer ${credential}` } });
    },
    async close() {
      await app.close();
      await testStore.cleanup();
    },
  };
  return harness;
}


/** Verifiers for `password` as the agent would send them for an {SSHA} userPassword. */
export async function verifiersFor(password: string): Promise<PasswordVerifier[]> {
  const salt = Buffer.from('salt1234').toString('base64');
  const digest = await computeSourceDigest('SSHA', { salt }, password);
  return [await deriveVerifier({ scheme: 'SSHA', params: { salt }, digest }, FAST_KDF)];
}

export function userChange(anchor: string, upn: string, extra: Partial<{ enabled: boolean; mail: string | null; displayName: string }> = {}): ObjectBatchRequest['changes'][number] {
  return {
    op: 'upsert',
    object: {
      kind: 'user', anchor, dn: `uid=${upn.split('@')[0]},ou=people,dc=example,dc=org`, userPrincipalName: upn,
      displayName: extra.displayName ?? upn, givenName: null, surname: null, mail: extra.mail === undefined ? upn : extra.mail, otherMails: [], enabled: extra.enabled ?? true,
    },
  };
}

export function runReport(kind: 'directory' | 'password', outcome: SyncRunReport['outcome'], finishedAt: Date, extra: Partial<SyncRunReport> = {}): SyncRunReport {
  return {
    runId: `run-${randomUUID()}`, kind, mode: 'full', startedAt: new Date(finishedAt.getTime() - 1000).toISOString(), finishedAt: finishedAt.toISOString(),
    outcome, counts: { added: 1 }, errorCode: null, errorMessage: null, objectErrors: [], ...extra,
  };
}

export function passwordSet(anchor: string, verifiers: PasswordVerifier[]): PasswordBatchRequest['items'][number] {
  return { op: 'set', anchor, verifiers };
}

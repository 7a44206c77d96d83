/**
 * Error params over HTTP (issue 15): an agent's sync error carries its facts by name, the tenant
 * refuses params outside the bounds (they are untrusted input), and API errors carry params too.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkErrorParams, ERROR_PARAM_LIMITS } from '../../../src/shared/error-params.js';
import type { CyclePreview, DirSyncStatus, Page, SyncErrorView } from '../../../src/tenant/api/contract.js';
import type { SyncHistory } from '../../../src/tenant/api/detail-contract.js';
import { runReport, startHarness, type Dialect, type Harness } from './harness.js';

const objectError = (params: unknown) => ({
  anchor: 'anchor-x', kind: 'user', dn: 'uid=x,ou=people,dc=example,dc=org', attribute: 'displayName',
  code: 'OBJECT_VALUE_INVALID', message: 'displayName of uid=x is too long.', hint: 'Shorten it.', params,
});

describe.each<Dialect>(['sqlite', 'postgres'])('error params over HTTP on %s', (dialect) => {
  let h: Harness;
  let credential: string;
  beforeAll(async () => {
    h = await startHarness(dialect);
    credential = (await h.registerAgent()).credential;
  });
  afterAll(async () => { await h?.close(); });

  const report = (params: unknown) => runReport('directory', 'partial', h.clock.now(), { objectErrors: [objectError(params)] as never });
  const listed = async () => (await h.admin(await h.rootSession(), 'GET', '/api/v1/sync-errors')).json() as Page<SyncErrorView>;

  it('stores the params of an agent sync error and lists them to the admin', async () => {
    const params = { form: 'tooLong', attribute: 'displayName', dn: 'uid=x,ou=people,dc=example,dc=org', length: 300, max: 256 };
    expect((await h.agent(credential, 'POST', '/api/v1/agent/runs', report(params))).statusCode).toBe(200);
    expect((await listed()).items).toEqual([expect.objectContaining({ code: 'OBJECT_VALUE_INVALID', params })]);
  });

  it.each([
    ['too many names', Object.fromEntries(Array.from({ length: ERROR_PARAM_LIMITS.maxCount + 1 }, (_, i) => [`p${i}`, i]))],
    ['a value too long', { dn: 'x'.repeat(ERROR_PARAM_LIMITS.maxValueChars + 1) }],
    ['a nested object', { holder: { toString: 'evil' } }],
    ['an array value', { fields: ['a', 'b'] }],
    ['a boolean value', { quarantined: true }],
    ['an i18next option as a name', { lng: 'en' }],
    ['a name with a dot', { 'a.b': 'x' }],
    ['an empty name', { '': 'x' }],
    ['an array for params', ['x']],
    ['a string for params', 'x'],
  ])('refuses %s as REQUEST_INVALID naming the field, and stores nothing of the report', async (_name, params) => {
    const before = await listed();
    const response = await h.agent(credential, 'POST', '/api/v1/agent/runs', report(params));
    expect(response.statusCode).toBe(400);
    const error = response.json().error as { code: string; details: { fields: string[] }; params: { fields: string } };
    expect(error.code).toBe('REQUEST_INVALID');
    expect(error.details.fields.join()).toMatch(/^objectErrors\.0\.params/);
    expect(error.params.fields).toMatch(/^objectErrors\.0\.params/);
    expect(await listed()).toEqual(before);
  });

  it('refuses __proto__ as a name (sent as raw JSON, where it is an own key)', async () => {
    const body = JSON.stringify(report({ dn: 'x' })).replace('"params":{"dn":"x"}', '"params":{"__proto__":{"polluted":"yes"},"dn":"x"}');
    expect(body).toContain('__proto__');
    const response = await h.inject({ method: 'POST', url: '/api/v1/agent/runs', payload: body, headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' } });
    // Fastify's JSON parser refuses __proto__ keys outright; either way nothing is stored.
    expect(response.statusCode).toBe(400);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('accepts only params within the bounds, whatever an agent sends (fuzzed)', async () => {
    const value = fc.oneof(fc.string({ maxLength: 1100 }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }));
    const params = fc.oneof(
      fc.dictionary(fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('count', 'replace', 'dn', 'holder', 'form')), value, { maxKeys: 16 }),
      fc.dictionary(fc.stringMatching(/^[a-z][A-Za-z0-9]{0,5}$/), fc.oneof(fc.string({ maxLength: 50 }), fc.integer()), { maxKeys: 14 }),
    );
    await fc.assert(fc.asyncProperty(params, async (sent) => {
      const response = await h.agent(credential, 'POST', '/api/v1/agent/runs', report(sent));
      const acceptable = checkErrorParams(JSON.parse(JSON.stringify(sent))) === null;
      expect(response.statusCode, JSON.stringify(sent).slice(0, 200)).toBe(acceptable ? 200 : 400);
      if (acceptable) {
        const stored = (await listed()).items[0]?.params ?? null;
        // None sent (an empty object) is stored as none.
        expect(stored).toEqual(Object.keys(sent).length > 0 ? JSON.parse(JSON.stringify(sent)) : null);
        if (stored !== null) expect(checkErrorParams(stored)).toBeNull();
      }
    }), { numRuns: dialect === 'sqlite' ? 60 : 25 });
  });

  describe('a run\'s error and a preview\'s error', () => {
    const runs = async () => (await h.admin(await h.rootSession(), 'GET', '/api/v1/sync-runs')).json() as SyncHistory;
    // Each later than every run before it (the fuzzed reports above share the clock's time), so it heads the history.
    let later = 0;
    const next = () => new Date(h.clock.now().getTime() + ++later * 60_000);
    const failedRun = (errorParams: unknown) => runReport('directory', 'failed', next(), {
      errorCode: 'DIR_UNREACHABLE', errorMessage: 'The directory at ldap://127.0.0.1:1 cannot be reached: ECONNREFUSED', errorParams: errorParams as never,
    });

    it('stores the facts of a failed run and shows them in the sync history and the DirSync status', async () => {
      const errorParams = { url: 'ldap://127.0.0.1:1', reason: 'connect ECONNREFUSED 127.0.0.1:1' };
      const report = failedRun(errorParams);
      expect((await h.agent(credential, 'POST', '/api/v1/agent/runs', report)).statusCode).toBe(200);
      expect((await runs()).items.find((r) => r.id === report.runId)).toMatchObject({ errorCode: 'DIR_UNREACHABLE', errorParams });
      const status = (await h.admin(await h.rootSession(), 'GET', '/api/v1/dirsync/status')).json() as DirSyncStatus;
      expect(status.lastCycle).toMatchObject({ errorCode: 'DIR_UNREACHABLE', errorParams });
      // An agent from before params sends none: the run reads none.
      const old = runReport('directory', 'failed', next(), { errorCode: 'DIR_UNREACHABLE', errorMessage: 'x' });
      expect((await h.agent(credential, 'POST', '/api/v1/agent/runs', old)).statusCode).toBe(200);
      expect((await runs()).items.find((r) => r.id === old.runId)?.errorParams).toBeNull();
    });

    it.each([
      ['too many names', Object.fromEntries(Array.from({ length: ERROR_PARAM_LIMITS.maxCount + 1 }, (_, i) => [`p${i}`, i]))],
      ['a value too long', { reason: 'x'.repeat(ERROR_PARAM_LIMITS.maxValueChars + 1) }],
      ['a nested object', { url: { toString: 'evil' } }],
      ['an array value', { lines: [1, 2] }],
      ['a boolean value', { read: false }],
      ['an i18next option as a name', { defaultValue: 'x' }],
      ['a name with a dot', { 'url.host': 'x' }],
      ['an array for params', ['x']],
    ])('refuses a run whose error params have %s, naming the field, and records no run', async (_name, errorParams) => {
      const before = await runs();
      const response = await h.agent(credential, 'POST', '/api/v1/agent/runs', failedRun(errorParams));
      expect(response.statusCode).toBe(400);
      const error = response.json().error as { code: string; details: { fields: string[] } };
      expect(error.code).toBe('REQUEST_INVALID');
      expect(error.details.fields.join()).toMatch(/^errorParams/);
      expect((await runs()).total).toBe(before.total);
    });

    it('keeps a preview\'s error params within the same bounds', async () => {
      const session = await h.rootSession();
      expect((await h.admin(session, 'POST', '/api/v1/dirsync/preview')).statusCode).toBe(202);
      const requestedAt = ((await h.admin(session, 'GET', '/api/v1/dirsync/preview')).json() as CyclePreview).requestedAt!;
      const answer = (errorParams: unknown) => ({
        requestedAt,
        result: {
          mode: 'full', adds: [], updates: [], deletes: [], counts: { adds: 0, updates: 0, deletes: 0, unchanged: 0, errors: 0 }, deleteThresholdExceeded: false,
          errorCode: 'DIR_BIND_FAILED', errorMessage: 'The directory at ldap://127.0.0.1:1 rejected the sync account credentials.', errorParams,
        },
      });
      const tooLong = await h.agent(credential, 'POST', '/api/v1/agent/preview', answer({ url: 'x'.repeat(ERROR_PARAM_LIMITS.maxValueChars + 1) }));
      expect(tooLong.statusCode).toBe(400);
      expect((tooLong.json().error as { details: { fields: string[] } }).details.fields.join()).toMatch(/^result\.errorParams/);
      const errorParams = { form: 'invalidCredentials', url: 'ldap://127.0.0.1:1' };
      expect((await h.agent(credential, 'POST', '/api/v1/agent/preview', answer(errorParams))).statusCode).toBe(200);
      expect(((await h.admin(session, 'GET', '/api/v1/dirsync/preview')).json() as CyclePreview).result).toMatchObject({ errorCode: 'DIR_BIND_FAILED', errorParams });
    });
  });

  it('answers a body that is not JSON with a coded error the admin center can say in any language', async () => {
    const response = await h.inject({ method: 'POST', url: '/api/v1/agent/runs', payload: '{"runId": ', headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'REQUEST_INVALID', message: 'The request body is not valid JSON.', params: { form: 'notJson' } });
  });

  it('answers an invalid admin request with params naming the field', async () => {
    const response = await h.admin(await h.rootSession(), 'PATCH', '/api/v1/dirsync/settings', { passwordSyncEnabled: 'yes' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'REQUEST_INVALID', params: { fields: 'passwordSyncEnabled' } });
  });
});

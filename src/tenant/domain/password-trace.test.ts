import { describe, expect, it } from 'vitest';
import { tracePasswordSync, type PasswordTraceInput } from './password-trace.js';
import type { SyncErrorView, UserView } from '../api/contract.js';

const now = new Date('2026-11-25T12:00:00Z');
const user: UserView = {
  anchor: 'a1', userPrincipalName: 'jan@example.org', displayName: 'Jan', givenName: null, surname: null, mail: 'jan@example.org',
  enabled: true, source: 'on_premises', dn: 'uid=jan,ou=People,dc=example,dc=org', passwordSynced: true, lastSyncedAt: '2026-11-25T11:00:00.000Z',
};
const base: PasswordTraceInput = {
  username: 'jan@example.org', user, passwordSyncEnabled: true,
  state: { anchor: 'a1', scheme: 'SSHA', lastAttemptAt: new Date('2026-11-25T11:00:01Z'), lastSuccessAt: new Date('2026-11-25T11:00:01Z'), resultCode: 'OK', sourceChangedAt: new Date('2026-11-25T10:59:00Z') },
  verifierSchemes: ['SSHA'], errors: [], lastPasswordRunAt: new Date('2026-11-25T11:00:02Z'),
};
const schemeError: SyncErrorView = { anchor: 'a1', kind: 'user', dn: user.dn!, attribute: 'userPassword', code: 'PASSWORD_SCHEME_UNSUPPORTED', message: 'The scheme {NOPE} is not supported.', hint: 'Have the user change the password.', params: { scheme: 'NOPE' }, firstSeen: '', lastSeen: '' };

const verdicts = (input: PasswordTraceInput) => Object.fromEntries(tracePasswordSync(input, now).steps.map((s) => [s.id, s.verdict]));

describe('tracePasswordSync', () => {
  it('says all is well for a synced user whose verifier the tenant holds', () => {
    const trace = tracePasswordSync(base, now);
    expect(trace.verdict).toBe('ok');
    expect(trace.steps.map((s) => s.id)).toEqual(['in_scope', 'object_synced', 'password_sync_enabled', 'scheme', 'source_changed', 'exported', 'result']);
    expect(trace.steps.find((s) => s.id === 'exported')?.found).toContain('2026-11-25T11:00:01.000Z');
  });

  it.each([
    ['password sync switched off', { passwordSyncEnabled: false }, 'password_sync_enabled', 'error'],
    ['a hash beyond the cost bounds', { errors: [{ ...schemeError, code: 'PASSWORD_HASH_TOO_COSTLY', message: 'The stored {CRYPT-SHA512} password hash asks for rounds 999999; dirbridge checks at most 50000 at sign-in.' }], verifierSchemes: [], state: { ...base.state!, scheme: 'CRYPT', lastSuccessAt: null, resultCode: 'PASSWORD_HASH_TOO_COSTLY' } }, 'scheme', 'error'],
    ['an unsupported scheme', { errors: [schemeError], verifierSchemes: [], state: { ...base.state!, scheme: 'NOPE', lastSuccessAt: null, resultCode: 'PASSWORD_SCHEME_UNSUPPORTED' } }, 'scheme', 'error'],
    ['a cleartext password', { state: { ...base.state!, scheme: 'CLEARTEXT' }, verifierSchemes: ['CLEARTEXT'] }, 'scheme', 'warning'],
    ['a disabled user', { user: { ...user, enabled: false } }, 'result', 'error'],
    ['no attempt yet', { state: null, verifierSchemes: [] }, 'exported', 'warning'],
  ] as const)('flags %s', (_name, change, id, verdict) => {
    expect(verdicts({ ...base, ...change } as PasswordTraceInput)[id]).toBe(verdict);
  });

  it('names the AD path: replicated over MS-DRSR as the NT hash, and when', () => {
    const ad: PasswordTraceInput = { ...base, passwordPath: 'ms-drsr', state: { ...base.state!, scheme: 'NT' }, verifierSchemes: ['NT'] };
    const trace = tracePasswordSync(ad, now);
    expect(trace.verdict).toBe('ok');
    const scheme = trace.steps.find((s) => s.id === 'scheme')!;
    expect(scheme.found).toMatch(/MS-DRSR/);
    expect(scheme.found).toContain('{NT}');
    expect(scheme.params).toMatchObject({ scheme: 'NT', path: 'ms-drsr' });
    const exported = trace.steps.find((s) => s.id === 'exported')!;
    expect(exported.found).toMatch(/replicated the NT hash over MS-DRSR/);
    expect(exported.params).toMatchObject({ at: '2026-11-25T11:00:01.000Z', path: 'ms-drsr' });
    // Nothing replicated yet: the hint names the replication rights, not userPassword.
    const none = tracePasswordSync({ ...ad, state: null, verifierSchemes: [] }, now).steps.find((s) => s.id === 'scheme')!;
    expect(none.action).toMatch(/Replicating Directory Changes All/);
    expect(none.action).not.toMatch(/userPassword/);
    // An LDAP source keeps its own wording.
    expect(tracePasswordSync({ ...base, passwordPath: 'ldap' }, now).steps.find((s) => s.id === 'scheme')!.found).not.toMatch(/MS-DRSR/);
  });

  it('explains a user who is not in the tenant, with the entry error when there is one', () => {
    const missing = tracePasswordSync({ ...base, user: null, state: null, verifierSchemes: [] }, now);
    expect(missing.verdict).toBe('error');
    expect(missing.steps[0]?.found).toMatch(/outside the sync scope/);
    const inError = tracePasswordSync({ ...base, user: null, errors: [{ ...schemeError, attribute: 'userPrincipalName', code: 'OBJECT_DUPLICATE_MAIL', message: 'Mail taken.' }] }, now);
    expect(inError.steps[0]).toMatchObject({ verdict: 'error', params: { code: 'OBJECT_DUPLICATE_MAIL' } });
  });

  it('has nothing to trace for a cloud-only user', () => {
    expect(tracePasswordSync({ ...base, user: { ...user, source: 'cloud' } }, now).verdict).toBe('warning');
  });
});

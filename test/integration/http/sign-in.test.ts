import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, Page } from '../../../src/tenant/api/contract.js';
import { passwordSet, startHarness, userChange, verifiersFor, type Harness } from './harness.js';

describe('end-user sign-in (sqlite)', () => {
  let h: Harness;
  let credential: string;
  const signIn = (username: string, password: string, ip = '127.0.0.1') =>
    h.inject({ method: 'POST', url: '/api/v1/sign-in', payload: { username, password }, headers: { 'x-forwarded-for': ip } });

  beforeAll(async () => {
    h = await startHarness('sqlite', { trustProxy: true });
    ({ credential } = await h.registerAgent());
    const changes = [
      userChange('anchor-carol', 'carol@example.org', { mail: 'carol.smith@example.org', displayName: 'Carol Smith' }),
      userChange('anchor-dave', 'dave@example.org', { enabled: false }),
      userChange('anchor-erin', 'erin@example.org'),
      userChange('anchor-nopw', 'nopw@example.org'),
    ];
    expect((await h.agent(credential, 'POST', '/api/v1/agent/batches/objects', { batchId: 'batch-users-001', changes })).statusCode).toBe(200);
    const items = [
      passwordSet('anchor-carol', await verifiersFor('Carol-pw-1')),
      passwordSet('anchor-dave', await verifiersFor('Dave-pw-1')),
      passwordSet('anchor-erin', await verifiersFor('Erin-pw-1')),
    ];
    const batch = await h.agent(credential, 'POST', '/api/v1/agent/batches/passwords', { batchId: 'batch-pw-001', items });
    expect(batch.json()).toMatchObject({ applied: 3, errors: [] });
  });
  afterAll(async () => { await h?.close(); });

  it('signs in with the right password, by UPN or by mail', async () => {
    const byUpn = await signIn('carol@example.org', 'Carol-pw-1');
    expect(byUpn.statusCode).toBe(200);
    expect(byUpn.json()).toEqual({ anchor: 'anchor-carol', userPrincipalName: 'carol@example.org', displayName: 'Carol Smith', mail: 'carol.smith@example.org' });
    expect((await signIn('Carol.Smith@example.org', 'Carol-pw-1')).statusCode).toBe(200);
  });

  it.each([
    ['wrong password', 'carol@example.org', 'carol-pw-1'],
    ['unknown user', 'nobody@example.org', 'Carol-pw-1'],
    ['disabled user with the right password', 'dave@example.org', 'Dave-pw-1'],
    ['user without a synced password', 'nopw@example.org', 'anything'],
  ])('refuses a %s with the same 401 SIGN_IN_FAILED', async (_what, username, password) => {
    const response = await signIn(username, password, '10.1.1.1');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ error: { code: 'SIGN_IN_FAILED', message: 'The user name or password is wrong.', hint: expect.any(String) } });
  });

  it('locks after five failures from one address, with Retry-After; other addresses still work; audited', async () => {
    for (let i = 0; i < 5; i++) expect((await signIn('erin@example.org', `guess-${i}`, '203.0.113.7')).statusCode).toBe(401);
    const locked = await signIn('erin@example.org', 'Erin-pw-1', '203.0.113.7');
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['retry-after']).toBe('60');
    expect(locked.json().error).toMatchObject({ code: 'SIGN_IN_LOCKED', details: { retryAfterSeconds: 60 } });

    // the attacker's address does not lock Erin out elsewhere
    expect((await signIn('erin@example.org', 'Erin-pw-1', '198.51.100.20')).statusCode).toBe(200);

    h.clock.advance(30_000);
    expect((await signIn('erin@example.org', 'Erin-pw-1', '203.0.113.7')).headers['retry-after']).toBe('30');
    h.clock.advance(30_001);
    // the next failure after the lock locks again for twice as long
    expect((await signIn('erin@example.org', 'nope', '203.0.113.7')).statusCode).toBe(401);
    expect((await signIn('erin@example.org', 'Erin-pw-1', '203.0.113.7')).headers['retry-after']).toBe('120');
    h.clock.advance(120_001);
    expect((await signIn('erin@example.org', 'Erin-pw-1', '203.0.113.7')).statusCode).toBe(200);

    const audit = (await h.admin(await h.rootSession(), 'GET', '/api/v1/audit-log?pageSize=100')).json() as Page<AuditEntry>;
    const actions = audit.items.map((e) => e.action);
    // One row per lock event (two locks here), none for the attempts refused while locked.
    expect(actions.filter((a) => a === 'sign_in.locked_out')).toHaveLength(2);
    expect(actions.filter((a) => a.startsWith('sign_in.') && a !== 'sign_in.locked_out')).toEqual([]);
    expect(audit.items.find((e) => e.action === 'sign_in.locked_out')?.details).toMatchObject({ subject: 'user:anchor-erin', client: '203.0.113.7' });
  });

  it('removes expired lockout rows as sign-ins go on: storage stays bounded under attack', async () => {
    for (let i = 0; i < 6; i++) await signIn(`sprayed-${i}@example.org`, 'guess', '203.0.113.50');
    // Two hours later every series above is forgotten; the next sign-in sweeps them away.
    h.clock.advance(2 * 3_600_000);
    expect((await signIn('carol@example.org', 'Carol-pw-1', '198.51.100.99')).statusCode).toBe(200);
    const sweepAt = h.clock.now();
    expect(await h.repo.sweepLockouts({ now: sweepAt, forgetAfterMs: 3_600_000, familiarBefore: new Date(0) })).toBe(0);
  });

  it('validates the body, naming the field', async () => {
    const response = await h.inject({ method: 'POST', url: '/api/v1/sign-in', payload: { username: 'carol@example.org' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details.fields).toEqual(['password']);
  });
});

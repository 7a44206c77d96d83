import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordSet, ROOT_PASSWORD, startHarness, userChange, verifiersFor, type Harness } from './harness.js';

/**
 * Drives every endpoint that handles a secret (admin and user passwords, registration token,
 * agent credential, verifier hash and salt, session cookie) through success and failure, then
 * checks that no log line and no response body carries one, except the one answer that hands
 * a new secret out by design.
 */
describe('no secret in logs or responses (sqlite)', () => {
  let h: Harness;
  const secrets: Record<string, string> = {};
  const handedOutIn = new Map<string, number>();

  beforeAll(async () => {
    h = await startHarness('sqlite', { trustProxy: true });
    const root = await h.rootSession();
    secrets['root password'] = ROOT_PASSWORD;
    secrets['session cookie'] = root.cookie;

    const tokenResponse = await h.admin(root, 'POST', '/api/v1/registration-tokens');
    secrets['registration token'] = tokenResponse.json().token;
    handedOutIn.set('registration token', h.bodies.length - 1);
    const register = await h.inject({ method: 'POST', url: '/api/v1/agent/register', payload: { registrationToken: secrets['registration token'], host: 'dc1', version: '0.1.0' } });
    const credential = register.json().credential as string;
    secrets['agent credential secret'] = credential.slice(credential.indexOf('.') + 1);
    handedOutIn.set('agent credential secret', h.bodies.length - 1);
    // a second use of the token fails (and must not echo it)
    await h.inject({ method: 'POST', url: '/api/v1/agent/register', payload: { registrationToken: secrets['registration token'], host: 'dc1', version: '0.1.0' } });

    await h.agent(credential, 'POST', '/api/v1/agent/batches/objects', { batchId: 'batch-sweep-0001', changes: [userChange('anchor-frank', 'frank@example.org')] });
    const verifiers = await verifiersFor('Frank-secret-pw');
    secrets['user password'] = 'Frank-secret-pw';
    secrets['verifier hash'] = verifiers[0]!.hash;
    secrets['verifier salt'] = verifiers[0]!.salt;
    await h.agent(credential, 'POST', '/api/v1/agent/batches/passwords', { batchId: 'batch-sweep-0002', items: [passwordSet('anchor-frank', verifiers)] });
    // the same batch again, and a malformed one that carries the verifier
    await h.agent(credential, 'POST', '/api/v1/agent/batches/passwords', { batchId: 'batch-sweep-0002', items: [passwordSet('anchor-frank', verifiers)] });
    await h.agent(credential, 'POST', '/api/v1/agent/batches/passwords', { batchId: 'x', items: [{ ...passwordSet('anchor-frank', verifiers), op: 'sett' }] });
    await h.agent(`${credential}x`, 'POST', '/api/v1/agent/heartbeat', { host: 'dc1', version: '0.1.0' });

    await h.inject({ method: 'POST', url: '/api/v1/sign-in', payload: { username: 'frank@example.org', password: secrets['user password'] } });
    secrets['wrong user password'] = 'Frank-wrong-guess-1';
    for (let i = 0; i < 6; i++) await h.inject({ method: 'POST', url: '/api/v1/sign-in', payload: { username: 'frank@example.org', password: secrets['wrong user password'] } });
    secrets['wrong admin password'] = 'Root-wrong-guess-1';
    await h.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username: 'root', password: secrets['wrong admin password'] } });
    secrets['too long password'] = `Long-${'p'.repeat(1100)}`;
    await h.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username: 'root', password: secrets['too long password'] } });
    secrets['password in broken JSON'] = 'Broken-json-pw-1';
    await h.inject({ method: 'POST', url: '/api/v1/sign-in', payload: `{"username":"frank@example.org","password":"${secrets['password in broken JSON']}"`, headers: { 'content-type': 'application/json' } });
    await h.admin(root, 'GET', '/api/v1/users');
    await h.admin(root, 'GET', '/api/v1/registration-tokens');
    await h.admin(root, 'GET', '/api/v1/audit-log?pageSize=200');
    await h.admin(root, 'GET', '/api/v1/dirsync/status');
    await h.admin(root, 'GET', '/api/v1/troubleshooter');
    await h.inject({ method: 'GET', url: '/metrics' });
    // the app logger itself redacts secret-looking keys
    h.app.log.info({ password: secrets['user password'], registrationToken: secrets['registration token'], nested: { hash: secrets['verifier hash'] } }, 'redaction probe');
  });
  afterAll(async () => { await h?.close(); });

  it('did log and answer something (the sweep is not vacuous)', () => {
    expect(h.lines.length).toBeGreaterThan(30);
    expect(h.bodies.length).toBeGreaterThan(15);
    expect(h.lines.some((line) => line.includes('redaction probe') && line.includes('[redacted]'))).toBe(true);
  });

  it('no log line contains a secret', () => {
    for (const [what, secret] of Object.entries(secrets)) {
      const hit = h.lines.find((line) => line.includes(secret));
      expect(hit, `${what} in the log`).toBeUndefined();
    }
  });

  it('no response body contains a secret, except the one answer that hands it out', () => {
    for (const [what, secret] of Object.entries(secrets)) {
      const hits = h.bodies.map((body, i) => (body.includes(secret) ? i : -1)).filter((i) => i >= 0);
      const allowed = handedOutIn.get(what);
      expect(hits, what).toEqual(allowed === undefined ? [] : [allowed]);
    }
  });
});

/**
 * Issue 10: two different agents racing one registration token. Concurrent HTTP requests against
 * real tenant services (on PostgreSQL two of them over one database, each with its own pool, as
 * replicas behind a load balancer): exactly one agent is registered, every other one is told
 * REGISTRATION_TOKEN_USED with the host that holds the registration and what to do, and no other
 * agent row exists. The real-process version (two `dirbridge agent` processes) is in
 * test/integration/cli/agent-registration.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type StoreKind, type TestStore } from '../store/test-stores.js';
import { bootstrapTenant, startTenantService, type RunningTenantService } from '../../../src/tenant/service.js';
import { createMemoryLogger } from '../../../src/shared/logger.js';
import { createRegistrationToken } from '../../../src/cli/all-in-one.js';
import { newId, newSecret, sha256Hex } from '../../../src/shared/ids.js';

const RACERS = 8;

describe.each<StoreKind>(['sqlite', 'postgres'])('two agents racing one registration token on %s', (kind) => {
  let db: TestStore;
  const services: RunningTenantService[] = [];

  beforeAll(async () => {
    db = await createTestStore(kind);
    await bootstrapTenant(db.store, 'default', { initialAdminPassword: 'Race-admin-password-1' });
    // SQLite is one process's embedded store; PostgreSQL is shared by replicas.
    for (let i = 0; i < (kind === 'postgres' ? 2 : 1); i++) {
      const store = i === 0 ? db.store : await db.openAnother();
      services.push(await startTenantService({ store, tenantId: 'default', port: 0, host: '127.0.0.1', logger: createMemoryLogger('warn').logger, version: 'test' }));
    }
  });
  afterAll(async () => {
    for (const s of services) await s.close();
    await db?.cleanup();
  });

  const post = async (url: string, body: unknown, credential?: string) => {
    const response = await fetch(url, {
      method: 'POST', signal: AbortSignal.timeout(30_000),
      headers: { 'content-type': 'application/json', ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() as Record<string, any> };
  };

  it('registers exactly one; the others get REGISTRATION_TOKEN_USED naming the winner, and no agent row of their own', async () => {
    const token = await createRegistrationToken(db.store, 'default', 'test');
    // Every racer is a different agent: its own id and key (as `dirbridge agent` sends), or none (an older agent).
    const racers = Array.from({ length: RACERS }, (_, i) => {
      const agentId = newId();
      const secret = newSecret(32);
      return { host: `host-${i}.example.test`, agentId, credential: `${agentId}.${secret}`, ownIdentity: i % 4 !== 3, credentialHash: sha256Hex(secret) };
    });
    const answers = await Promise.all(racers.map((r, i) => post(`${services[i % services.length]!.url}/api/v1/agent/register`, {
      registrationToken: token, host: r.host, version: 'test', ...(r.ownIdentity ? { agentId: r.agentId, credentialHash: r.credentialHash } : {}),
    })));

    const won = answers.flatMap((a, i) => (a.status === 201 ? [{ answer: a, racer: racers[i]! }] : []));
    expect(won, JSON.stringify(answers)).toHaveLength(1);
    const winner = won[0]!;
    const credential = winner.racer.ownIdentity ? winner.racer.credential : winner.answer.body['credential'] as string;
    for (const [i, answer] of answers.entries()) {
      if (answer === winner.answer) continue;
      expect(answer.status, `racer ${i}`).toBe(409);
      expect(answer.body['error']).toMatchObject({
        code: 'REGISTRATION_TOKEN_USED',
        message: expect.stringContaining(`another agent (host ${winner.racer.host})`),
        hint: expect.stringContaining('Create a new registration token for this agent'),
        details: { registeredHost: winner.racer.host },
      });
    }

    const agents = await db.store.forTenant('default').listAgents();
    expect(agents.map((a) => a.host)).toEqual([winner.racer.host]);
    // The winner speaks with its credential; no loser has one that works.
    expect((await post(`${services[0]!.url}/api/v1/agent/heartbeat`, { host: winner.racer.host, version: 'test' }, credential)).status).toBe(200);
    for (const r of racers) {
      if (r === winner.racer) continue;
      const refused = await post(`${services[0]!.url}/api/v1/agent/heartbeat`, { host: r.host, version: 'test' }, r.credential);
      expect(refused.status).toBe(401);
    }

    // A loser that starts again with the same token (its saved identity) is refused the same way, still without a row.
    const loser = racers.find((r) => r !== winner.racer && r.ownIdentity)!;
    const again = await post(`${services[0]!.url}/api/v1/agent/register`, { registrationToken: token, host: loser.host, version: 'test', agentId: loser.agentId, credentialHash: loser.credentialHash });
    expect(again.body['error']).toMatchObject({ code: 'REGISTRATION_TOKEN_USED' });
    // The winner's lost answer is still answered (its retry is not a race it lost).
    if (winner.racer.ownIdentity) {
      const retry = await post(`${services[0]!.url}/api/v1/agent/register`, { registrationToken: token, host: winner.racer.host, version: 'test', agentId: winner.racer.agentId, credentialHash: winner.racer.credentialHash });
      expect(retry).toMatchObject({ status: 201, body: { agentId: winner.racer.agentId } });
    }
    expect(await db.store.forTenant('default').listAgents()).toHaveLength(1);
  }, 60_000);
});

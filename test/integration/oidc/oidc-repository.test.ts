/**
 * The OIDC part of the store on SQLite and PostgreSQL: oidc-provider's artifacts with expiry,
 * consumption and revocation by grant, client registrations, and the per-tenant keys that
 * replicas starting at the same moment must agree on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/shared/clock.js';
import { createStoreAdapter } from '../../../src/tenant/oidc/store-adapter.js';
import { createOidcClient } from '../../../src/tenant/oidc/oidc-clients.js';
import { sha256Hex } from '../../../src/shared/ids.js';
import type { OidcRepository } from '../../../src/tenant/store/oidc-repository.js';
import { createTestStore, type TestStore } from '../store/test-stores.js';

describe.each(['sqlite', 'postgres'] as const)('OIDC store (%s)', (kind) => {
  let testStore: TestStore;
  let oidc: OidcRepository;
  const clock = fixedClock('2026-06-01T10:00:00Z');

  beforeAll(async () => {
    testStore = await createTestStore(kind, { tenantId: 'acme' });
    await testStore.store.ensureTenant('other', 'Other');
    oidc = testStore.store.oidc('acme');
  });
  afterAll(async () => { await testStore?.cleanup(); });

  it('keeps artifacts until they expire, marks consumption, and revokes by grant', async () => {
    const Adapter = createStoreAdapter(oidc, clock);
    const codes = new Adapter('AuthorizationCode');
    const sessions = new Adapter('Session');
    await codes.upsert('code-1', { accountId: 'a1', grantId: 'g1', kind: 'AuthorizationCode' } as never, 60);
    await codes.upsert('code-2', { accountId: 'a1', grantId: 'g2', kind: 'AuthorizationCode' } as never, 60);
    await sessions.upsert('s1', { uid: 'uid-1', accountId: 'a1', kind: 'Session' } as never, 3600);
    expect(await codes.find('code-1')).toMatchObject({ accountId: 'a1', grantId: 'g1' });
    expect(await sessions.findByUid('uid-1')).toMatchObject({ accountId: 'a1' });

    await codes.consume('code-1');
    expect((await codes.find('code-1'))?.consumed).toBe(Math.floor(clock.now().getTime() / 1000));
    // Upserting again (oidc-provider re-saves sessions) keeps one row.
    await sessions.upsert('s1', { uid: 'uid-1', accountId: 'a2', kind: 'Session' } as never, 3600);
    expect(await sessions.find('s1')).toMatchObject({ accountId: 'a2' });

    await codes.revokeByGrantId('g1');
    expect(await codes.find('code-1')).toBeUndefined();
    expect(await codes.find('code-2')).toBeDefined();

    clock.advance(61_000);
    expect(await codes.find('code-2')).toBeUndefined();
    expect(await sessions.find('s1')).toBeDefined();
    expect(await oidc.deleteExpiredModels(clock.now())).toBe(1);
    await sessions.destroy('s1');
    expect(await sessions.find('s1')).toBeUndefined();
    // Another tenant sees nothing of this one.
    await sessions.upsert('s9', { uid: 'uid-9', kind: 'Session' } as never, 3600);
    expect(await new (createStoreAdapter(testStore.store.oidc('other'), clock))('Session').find('s9')).toBeUndefined();
  });

  it('serves registered clients as oidc-provider metadata, with the secret only as its hash', async () => {
    const { client, clientSecret } = await createOidcClient(oidc, { name: 'Wiki', redirectUris: ['https://wiki.example.com/cb', 'https://wiki.example.com/cb'], public: false }, 'root', clock.now());
    const metadata = await new (createStoreAdapter(oidc, clock))('Client').find(client.clientId);
    expect(metadata).toEqual({
      client_id: client.clientId, client_name: 'Wiki', redirect_uris: ['https://wiki.example.com/cb'],
      response_types: ['code'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_basic',
      client_secret: sha256Hex(clientSecret!),
    });
    const pub = await createOidcClient(oidc, { name: 'SPA', redirectUris: ['http://localhost:5173/cb'], public: true }, 'root', clock.now());
    expect(await new (createStoreAdapter(oidc, clock))('Client').find(pub.client.clientId)).toMatchObject({ token_endpoint_auth_method: 'none' });
    expect(await new (createStoreAdapter(oidc, clock))('Client').find(pub.client.clientId)).not.toHaveProperty('client_secret');
    expect((await oidc.listClients()).map((c) => c.name)).toEqual(['SPA', 'Wiki']);
    expect(await testStore.store.oidc('other').listClients()).toEqual([]);
  });

  it('deletes a client with its grants and what they issued', async () => {
    const { client } = await createOidcClient(oidc, { name: 'Gone', redirectUris: ['https://gone.example.com/cb'], public: true }, 'root', clock.now());
    const Adapter = createStoreAdapter(oidc, clock);
    await new Adapter('Grant').upsert('grant-x', { clientId: client.clientId, accountId: 'a1', kind: 'Grant' } as never, 3600);
    await new Adapter('AccessToken').upsert('at-x', { clientId: client.clientId, grantId: 'grant-x', kind: 'AccessToken' } as never, 3600);
    await new Adapter('Grant').upsert('grant-keep', { clientId: 'another', accountId: 'a1', kind: 'Grant' } as never, 3600);
    expect(await oidc.deleteClient(client.clientId)).toBe(true);
    expect(await oidc.deleteClient(client.clientId)).toBe(false);
    expect(await new Adapter('Grant').find('grant-x')).toBeUndefined();
    expect(await new Adapter('AccessToken').find('at-x')).toBeUndefined();
    expect(await new Adapter('Grant').find('grant-keep')).toBeDefined();
  });

  it('creates the keys once: replicas starting together agree on one value', async () => {
    const other = await testStore.openAnother();
    let made = 0;
    const create = () => `value-${++made}`;
    const values = await Promise.all([
      oidc.getOrCreateSecret('cookie_keys', create),
      other.oidc('acme').getOrCreateSecret('cookie_keys', create),
      oidc.getOrCreateSecret('cookie_keys', create),
    ]);
    expect(new Set(values).size).toBe(1);
    expect(await other.oidc('acme').getOrCreateSecret('cookie_keys', () => 'never')).toBe(values[0]);
    expect(await testStore.store.oidc('other').getOrCreateSecret('cookie_keys', () => 'other-tenant')).toBe('other-tenant');
  });
});

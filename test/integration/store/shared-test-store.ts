// The store suites' shared set-up (store-suite.ts, history-suite.ts). Apart from test-stores.ts,
// which the benchmark scripts import outside Vitest.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { TenantRepository, TenantStore } from '../../../src/tenant/store/ports.js';
import { createTestStore, type StoreKind, type TestStore } from './test-stores.js';

/**
 * One migrated store for the tests of the describe block it is called in (created in its
 * beforeAll, removed in its afterAll), each test in a fresh tenant of its own: isolation without
 * a database per test.
 *
 * @example
 * describe('…', () => {
 *   const shared = useSharedTestStore('postgres');
 *   it('…', async () => { const repo = await shared.tenant(); ... });
 * });
 */
export function useSharedTestStore(kind: StoreKind): { readonly testStore: TestStore; readonly store: TenantStore; tenant(): Promise<TenantRepository> } {
  let testStore: TestStore | undefined;
  beforeAll(async () => {
    testStore = await createTestStore(kind, { tenantId: null });
  });
  afterAll(async () => {
    await testStore?.cleanup();
  });
  const current = (): TestStore => {
    if (!testStore) throw new Error('useSharedTestStore: the store is made in beforeAll; use it inside a test');
    return testStore;
  };
  return {
    get testStore() { return current(); },
    get store() { return current().store; },
    async tenant() {
      const id = `t-${randomUUID()}`;
      await current().store.ensureTenant(id, `Tenant ${id}`);
      return current().store.forTenant(id);
    },
  };
}

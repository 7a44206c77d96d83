/**
 * The sign-in lookup costs the store the same whether the name is a UPN, a mail address or
 * unknown: one statement each (sign-in timing must not tell which names exist), on SQLite and
 * PostgreSQL alike.
 */
import { randomUUID } from 'node:crypto';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PasswordVerifier } from '../../../src/passwords/index.js';
import type { SyncedUser } from '../../../src/sync/model.js';
import { findUserForSignIn } from '../../../src/tenant/store/directory-queries.js';
import type { RepoContext } from '../../../src/tenant/store/repo-context.js';
import { createTestStore, openDatabase, type StoreKind, type TestStore } from './test-stores.js';

/** Counts the statements a Kysely instance sends. */
class StatementCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.count++;
    return args.node;
  }
  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

function user(n: number, patch: Partial<SyncedUser> = {}): SyncedUser {
  return {
    kind: 'user', anchor: `u-${n}`, dn: `uid=user${n},dc=example,dc=test`, userPrincipalName: `user${n}@example.test`, displayName: `User ${n}`,
    givenName: null, surname: null, mail: `user${n}@mail.example.test`, otherMails: [`alias${n}@mail.example.test`], enabled: true, ...patch,
  };
}

const verifier: PasswordVerifier = { scheme: 'SSHA', schemeParams: { salt: 'c2FsdHNhbHQ=' }, kdf: 'scrypt', kdfParams: { log2N: 10, r: 8, p: 1, keyLength: 32 }, salt: 'AAAAAAAAAAAAAAAA', hash: 'BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=' };

for (const kind of ['sqlite', 'postgres'] as StoreKind[]) {
  describe(`sign-in lookup on ${kind}`, () => {
    let test: TestStore;
    const tenantId = `t-${randomUUID()}`;
    let ctx: RepoContext;
    let counter: StatementCounter;
    let db: ReturnType<typeof openDatabase>;

    beforeAll(async () => {
      test = await createTestStore(kind, { tenantId });
      const repo = test.store.forTenant(tenantId);
      await repo.applyObjectBatch(`b-${randomUUID()}`, 'agent', [1, 2, 3].map((n) => ({ op: 'upsert' as const, object: user(n) })), new Date());
      await repo.applyPasswordBatch(`b-${randomUUID()}`, 'agent', [{ op: 'set', anchor: 'u-1', verifiers: [verifier] }, { op: 'set', anchor: 'u-2', verifiers: [verifier] }], new Date());
      db = openDatabase(test.options);
      counter = new StatementCounter();
      ctx = { db: db.withPlugin(counter), dialect: kind, tenantId };
    }, 60_000);
    afterAll(async () => {
      await db?.destroy();
      await test?.cleanup();
    });

    it.each([
      ['a UPN', 'User1@Example.test', 'u-1'],
      ['a primary mail address', 'user2@mail.example.test', 'u-2'],
      ['another mail address', 'ALIAS2@mail.example.test', 'u-2'],
      ['a user without a verifier', 'user3@example.test', 'u-3'],
      ['an unknown name', 'nobody@example.test', null],
      ['an unknown name shaped like a mail address', 'nobody@mail.example.test', null],
    ])('finds %s with one statement', async (_what, name, anchor) => {
      counter.count = 0;
      const found = await findUserForSignIn(ctx, name);
      expect(found?.anchor ?? null).toBe(anchor);
      if (anchor === 'u-1' || anchor === 'u-2') expect(found?.verifiers).toEqual([verifier]);
      if (anchor === 'u-3') expect(found?.verifiers).toEqual([]);
      expect(counter.count).toBe(1);
    });

    it('prefers the UPN over another user\'s mail address', async () => {
      const repo = test.store.forTenant(tenantId);
      // u-4's mail is u-1's UPN (mail addresses are not unique across users).
      await repo.applyObjectBatch(`b-${randomUUID()}`, 'agent', [{ op: 'upsert', object: user(4, { mail: 'user1@example.test', otherMails: [] }) }], new Date());
      expect((await findUserForSignIn(ctx, 'user1@example.test'))?.anchor).toBe('u-1');
      expect((await findUserForSignIn(ctx, 'user4@example.test'))?.anchor).toBe('u-4');
    });
  });
}

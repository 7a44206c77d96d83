/**
 * The one store suite, run against a real SQLite file and a real PostgreSQL database
 * (sqlite-store.test.ts, postgres-store.test.ts). Each test works in its own tenant, so the
 * tests share one migrated database per file and still see only their own rows.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Migrator } from 'kysely';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/shared/errors.js';
import type { PasswordVerifier } from '../../../src/passwords/verifier-model.js';
import type { ObjectChange, SyncedGroup, SyncedUser } from '../../../src/sync/model.js';
import type { NewSyncError, SyncRunRecord, TenantRepository } from '../../../src/tenant/store/ports.js';
import { migrationProvider } from '../../../src/tenant/store/migrations/index.js';
import { storeErrorOf } from '../../../src/tenant/store/dialect.js';
import { fingerprintObject } from '../../../src/sync/plan.js';
import { useSharedTestStore } from './shared-test-store.js';
import { createTestStore, openDatabase, type StoreKind } from './test-stores.js';

export function user(n: number | string, patch: Partial<SyncedUser> = {}): SyncedUser {
  return {
    kind: 'user',
    anchor: `u-${n}`,
    dn: `uid=user${n},ou=people,dc=example,dc=test`,
    userPrincipalName: `user${n}@example.test`,
    displayName: `User ${n}`,
    givenName: 'User',
    surname: String(n),
    mail: `user${n}@example.test`,
    otherMails: [],
    enabled: true,
    ...patch,
  };
}

export function group(n: number | string, members: string[], patch: Partial<SyncedGroup> = {}): SyncedGroup {
  return { kind: 'group', anchor: `g-${n}`, dn: `cn=group${n},ou=groups,dc=example,dc=test`, name: `Group ${n}`, description: null, mail: null, memberAnchors: members, ...patch };
}

const upsert = (object: SyncedUser | SyncedGroup): ObjectChange => ({ op: 'upsert', object });

/** The reference for a users search: the stored lower-case name, UPN or mail contains the trimmed, lower-cased term. */
function contains(u: SyncedUser, term: string): boolean {
  const stored = [u.displayName?.trim() ? u.displayName.toLowerCase() : null, u.userPrincipalName.trim().toLowerCase(), u.mail?.trim() ? u.mail.trim().toLowerCase() : null];
  return stored.some((text) => text !== null && text.includes(term.trim().toLowerCase()));
}
const del = (kind: 'user' | 'group', anchor: string): ObjectChange => ({ op: 'delete', kind, anchor, dn: `dn-of-${anchor}` });

/** A structurally valid verifier with dummy bytes (no real password behind it). */
export function verifier(scheme = 'SSHA512'): PasswordVerifier {
  return { scheme, schemeParams: { salt: 'c2FsdHNhbHQ=' }, kdf: 'scrypt', kdfParams: { log2N: 14, r: 8, p: 1, keyLength: 32 }, salt: 'AAAAAAAAAAAAAAAA', hash: 'BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=' };
}

const T0 = new Date('2026-11-20T10:00:00.000Z');
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);
const batchId = (): string => `batch-${randomUUID()}`;

function run(kind: 'directory' | 'password', minutes: number, patch: Partial<SyncRunRecord> = {}): SyncRunRecord {
  return {
    id: `run-${randomUUID()}`, agentId: 'agent-1', kind, mode: 'full', startedAt: at(minutes - 1), finishedAt: at(minutes),
    outcome: 'success', counts: { users: 3 }, errorCode: null, errorMessage: null, ...patch,
  };
}

function agentError(anchor: string, code: string, runKind: 'directory' | 'password' = 'directory'): NewSyncError {
  return { anchor, kind: 'user', dn: `uid=${anchor},dc=example,dc=test`, attribute: 'mail', code, message: `problem ${code}`, hint: 'fix it', origin: 'agent', runKind };
}

export function defineStoreSuite(kind: StoreKind): void {
  describe(`tenant store on ${kind}`, () => {
    const shared = useSharedTestStore(kind);
    const tenant = (): Promise<TenantRepository> => shared.tenant();

    describe('migrations', () => {
      it('apply on an empty database, and again without change', async () => {
        const fresh = await createTestStore(kind, { migrate: false });
        try {
          expect(fresh.store.dialect).toBe(kind);
          await fresh.store.migrate();
          await fresh.store.migrate();
          await fresh.store.ensureTenant('a', 'A');
          await fresh.store.ensureTenant('a', 'A again');
          expect((await fresh.store.forTenant('a').getSettings()).deleteThreshold).toBe(500);
          await fresh.store.ping();
        } finally {
          await fresh.cleanup();
        }
      });

      it('fill the counts and search indexes of a store that already holds users and groups', async () => {
        const fresh = await createTestStore(kind, { migrate: false });
        const db = openDatabase(fresh.options);
        try {
          // The store as release 0006 left it, with objects in it.
          expect((await new Migrator({ db, provider: migrationProvider(kind) }).migrateTo('0006-password-epoch')).error).toBeUndefined();
          await db.insertInto('tenants').values({ id: 'old', name: 'Old', created_at: 0 }).execute();
          const row = (n: number, displayName: string) => ({
            tenant_id: 'old', anchor: `u-${n}`, dn: `uid=user${n},dc=example,dc=test`, upn: `user${n}@example.test`, upn_lower: `user${n}@example.test`,
            display_name: displayName, display_name_lower: displayName.toLowerCase(), sort_key: displayName.toLowerCase(), given_name: null, surname: null,
            mail: null, mail_lower: null, other_mails: '[]', enabled: 1, source: 'on_premises', created_at: 0, updated_at: 0,
          });
          await db.insertInto('users').values([row(1, 'Emma Jansen-Ünal'), row(2, 'Old Name'), row(3, 'Bram Bos')]).execute();
          await db.insertInto('groups').values({ tenant_id: 'old', anchor: 'g-1', dn: 'cn=team', name: 'Old Team', name_lower: 'old team', description: null, mail: null, mail_lower: null, created_at: 0, updated_at: 0 }).execute();
          await db.insertInto('memberships').values([{ tenant_id: 'old', group_anchor: 'g-1', member_anchor: 'u-1' }, { tenant_id: 'old', group_anchor: 'g-1', member_anchor: 'u-2' }]).execute();

          await fresh.store.migrate();
          const repo = fresh.store.forTenant('old');
          expect((await repo.listUsers({ page: 1, pageSize: 10 })).total).toBe(3);
          expect((await repo.listUsers({ search: 'JANSEN-Ün', page: 1, pageSize: 10 })).items.map((u) => u.anchor)).toEqual(['u-1']);
          expect((await repo.listGroups({ search: 'old team', page: 1, pageSize: 10 }))).toMatchObject({ total: 1, items: [{ anchor: 'g-1', memberCount: 2 }] });
          // The objects that were there before change and leave like any other.
          await repo.applyObjectBatch(batchId(), 'agent', [del('user', 'u-1'), upsert(user(2, { displayName: 'New Name' }))], T0);
          expect((await repo.listUsers({ page: 1, pageSize: 10 })).total).toBe(2);
          expect((await repo.listUsers({ search: 'name', page: 1, pageSize: 10 })).items.map((u) => u.displayName)).toEqual(['New Name']);
          expect((await repo.listGroups({ page: 1, pageSize: 10 })).items[0]?.memberCount).toBe(1);
        } finally {
          await db.destroy();
          await fresh.cleanup();
        }
      });

      it('are safe when two processes migrate the same empty database at once', async () => {
        const fresh = await createTestStore(kind, { migrate: false });
        try {
          const second = await fresh.openAnother();
          await Promise.all([fresh.store.migrate(), second.migrate(), fresh.store.migrate()]);
          await second.ensureTenant('x', 'X');
          expect(await fresh.store.forTenant('x').countUsers()).toBe(0);
        } finally {
          await fresh.cleanup();
        }
      });
    });

    describe('settings', () => {
      it('start with the defaults and take partial updates', async () => {
        const repo = await tenant();
        expect(await repo.getSettings()).toEqual({
          directorySyncEnabled: true, passwordSyncEnabled: true, staleAfterHours: 72, deleteThreshold: 500, deleteThresholdPercent: 50, allowedDeletes: 0,
          kdfParams: { log2N: 14, r: 8, p: 1, keyLength: 32 }, passwordEpoch: 0, passwordReconcileRequestedAt: null,
        });
        const updated = await repo.updateSettings({ passwordSyncEnabled: false, allowedDeletes: 700, deleteThresholdPercent: 20 });
        expect(updated.passwordSyncEnabled).toBe(false);
        expect(updated.deleteThresholdPercent).toBe(20);
        expect(updated.allowedDeletes).toBe(700);
        expect(updated.directorySyncEnabled).toBe(true);
        expect((await repo.getSettings()).passwordSyncEnabled).toBe(false);
      });

      it('moves the password epoch when every verifier is removed', async () => {
        const repo = await tenant();
        const before = (await repo.getSettings()).passwordEpoch;
        await repo.clearAllVerifiers();
        expect((await repo.getSettings()).passwordEpoch).toBe(before + 1);
      });

      it('report an unknown tenant as TENANT_NOT_FOUND', async () => {
        const missing = shared.store.forTenant('no-such-tenant');
        await expect(missing.getSettings()).rejects.toSatisfy((e) => isAppError(e, 'TENANT_NOT_FOUND'));
        await expect(missing.updateSettings({ passwordSyncEnabled: false })).rejects.toSatisfy((e) => isAppError(e, 'TENANT_NOT_FOUND'));
      });

      it('write no object of a batch for a tenant that does not exist', async () => {
        const missing = shared.store.forTenant('no-such-tenant');
        await expect(missing.applyObjectBatch(batchId(), 'agent', [upsert(user(1)), upsert(group(1, ['u-1']))], T0)).rejects.toThrow();
        expect((await missing.listUsers({ page: 1, pageSize: 10 })).items).toEqual([]);
        expect((await missing.listGroups({ page: 1, pageSize: 10 })).items).toEqual([]);
      });
    });

    describe('tenant isolation', () => {
      it('lets each tenant see only its own rows', async () => {
        const a = await tenant();
        const b = await tenant();
        await a.applyObjectBatch(batchId(), 'agent', [upsert(user(1)), upsert(group(1, ['u-1']))], T0);
        await b.applyObjectBatch(batchId(), 'agent', [upsert(user(2)), upsert(user(3))], T0);
        // the same UPN in another tenant is no duplicate
        const sameUpn = await b.applyObjectBatch(batchId(), 'agent', [upsert(user(1, { anchor: 'b-1' }))], T0);
        expect(sameUpn.errors).toEqual([]);
        await a.createAdmin({ username: 'root', role: 'global_admin', passwordHash: 'x' });
        await a.audit({ actor: 'root', action: 'settings.update', details: {}, at: T0 });
        await a.updateSettings({ passwordSyncEnabled: false });

        expect((await a.listUsers({ page: 1, pageSize: 10 })).items.map((u) => u.anchor)).toEqual(['u-1']);
        expect((await b.listUsers({ page: 1, pageSize: 10 })).items.map((u) => u.anchor).sort()).toEqual(['b-1', 'u-2', 'u-3']);
        expect((await b.listGroups({ page: 1, pageSize: 10 })).total).toBe(0);
        expect(await b.countAdmins()).toBe(0);
        expect(await b.findAdminByUsername('root')).toBeNull();
        expect((await b.listAudit({ page: 1, pageSize: 10 })).total).toBe(0);
        expect((await b.getSettings()).passwordSyncEnabled).toBe(true);
        expect((await b.findUserForSignIn('user1@example.test'))?.anchor).toBe('b-1');
        expect((await a.findUserForSignIn('user1@example.test'))?.anchor).toBe('u-1');
        // a batch id is per tenant
        const id = batchId();
        expect((await a.applyObjectBatch(id, 'agent', [upsert(user(5))], T0)).duplicate).toBe(false);
        expect((await b.applyObjectBatch(id, 'agent', [upsert(user(5))], T0)).duplicate).toBe(false);
      });
    });

    describe('admins and sessions', () => {
      it('creates admins, finds them case-insensitively and refuses a second with the same name', async () => {
        const repo = await tenant();
        const admin = await repo.createAdmin({ username: 'Alice', role: 'global_admin', passwordHash: 'encoded-hash' });
        expect((await repo.findAdminByUsername('alice'))?.id).toBe(admin.id);
        expect(await repo.findAdminById(admin.id)).toMatchObject({ username: 'Alice', role: 'global_admin', passwordHash: 'encoded-hash' });
        await expect(repo.createAdmin({ username: 'ALICE', role: 'global_reader', passwordHash: 'y' })).rejects.toSatisfy((e) => isAppError(e, 'ADMIN_EXISTS'));
        await repo.createAdmin({ username: 'bob', role: 'global_reader', passwordHash: 'y' });
        expect(await repo.countAdmins()).toBe(2);
        expect(await repo.findAdminById('nobody')).toBeNull();
      });

      it('finds a session until it expires, and never after delete', async () => {
        const repo = await tenant();
        await repo.createSession({ idHash: 'h1', adminId: 'a1', csrfToken: 'c1', expiresAt: at(30) });
        expect(await repo.findSession('h1', at(29))).toMatchObject({ idHash: 'h1', adminId: 'a1', csrfToken: 'c1', expiresAt: at(30) });
        expect(await repo.findSession('h1', at(30))).toBeNull();
        await repo.createSession({ idHash: 'h2', adminId: 'a1', csrfToken: 'c2', expiresAt: new Date(Date.now() + 3_600_000) });
        await repo.deleteSession('h2');
        expect(await repo.findSession('h2', new Date())).toBeNull();
      });
    });

    describe('agents', () => {
      const newAgent = (id: string) => ({ id, host: 'dc1.example.test', version: '0.1.0', credentialHash: `cred-${id}`, createdAt: T0 });

      it('redeems a registration token once, even with concurrent callers on separate connections', async () => {
        const repo = await tenant();
        // PostgreSQL: a second pool, as a second replica would have. SQLite: the store's one
        // connection serializes callers in a process (two connections in one thread would block
        // each other inside better-sqlite3's synchronous busy wait).
        const other = kind === 'postgres' ? (await shared.testStore.openAnother()).forTenant(repo.tenantId) : repo;
        await repo.createRegistrationToken({ id: 'tok1', tokenHash: 'th1', createdBy: 'admin', expiresAt: at(60), usedAt: null });
        const results = await Promise.all([
          repo.redeemRegistrationToken('th1', at(1), newAgent('a1')),
          other.redeemRegistrationToken('th1', at(1), newAgent('a2')),
          repo.redeemRegistrationToken('th1', at(1), newAgent('a3')),
          other.redeemRegistrationToken('th1', at(1), newAgent('a4')),
        ]);
        const winners = results.filter((r) => r !== null && 'agent' in r);
        expect(winners).toHaveLength(1);
        // The losers are told the token went to another agent (and which host), not "unknown".
        expect(results.filter((r) => r !== null && 'usedByAnother' in r)).toEqual(Array(3).fill({ usedByAnother: { host: 'dc1.example.test' } }));
        expect(await repo.listAgents()).toHaveLength(1);
        expect((await repo.listRegistrationTokens())[0]?.usedAt).toEqual(at(1));
        expect(winners[0]!.replayed).toBe(false);
        expect(await repo.findAgent(winners[0]!.agent.id)).toMatchObject({ host: 'dc1.example.test', credentialHash: `cred-${winners[0]!.agent.id}`, lastHeartbeat: null, tlsVerificationDisabled: false });
      });

      it('answers the same registration again (same token, agent id and key) without a second agent; refuses any other reuse', async () => {
        const repo = await tenant();
        await repo.createRegistrationToken({ id: 'tok3', tokenHash: 'th3', createdBy: 'admin', expiresAt: at(60), usedAt: null });
        expect(await repo.redeemRegistrationToken('th3', at(1), newAgent('again'))).toMatchObject({ replayed: false });
        // The answer was lost; the agent retries, even after the token's expiry.
        expect(await repo.redeemRegistrationToken('th3', at(90), newAgent('again'))).toMatchObject({ replayed: true, agent: { id: 'again' } });
        expect(await repo.redeemRegistrationToken('th3', at(2), newAgent('other'))).toEqual({ usedByAnother: { host: 'dc1.example.test' } });
        expect(await repo.redeemRegistrationToken('th3', at(2), { ...newAgent('again'), credentialHash: 'cred-guess' })).toBeNull();
        await repo.revokeAgent('again', at(3));
        expect(await repo.redeemRegistrationToken('th3', at(4), newAgent('again'))).toBeNull();
        expect(await repo.listAgents()).toHaveLength(1);
      });

      it('refuses an expired or unknown token', async () => {
        const repo = await tenant();
        await repo.createRegistrationToken({ id: 'tok2', tokenHash: 'th2', createdBy: 'admin', expiresAt: at(60), usedAt: null });
        expect(await repo.redeemRegistrationToken('th2', at(60), newAgent('late'))).toBeNull();
        expect(await repo.redeemRegistrationToken('nope', at(1), newAgent('x'))).toBeNull();
        expect(await repo.listAgents()).toEqual([]);
      });

      it('records heartbeats and shows the lease holder as active', async () => {
        const repo = await tenant();
        await repo.createRegistrationToken({ id: 't1', tokenHash: 'h-a', createdBy: 'admin', expiresAt: at(60), usedAt: null });
        await repo.createRegistrationToken({ id: 't2', tokenHash: 'h-b', createdBy: 'admin', expiresAt: at(60), usedAt: null });
        await repo.redeemRegistrationToken('h-a', at(1), newAgent('agent-a'));
        await repo.redeemRegistrationToken('h-b', at(1), { ...newAgent('agent-b'), createdAt: at(2) });
        const now = new Date();
        await repo.recordHeartbeat('agent-a', now, { host: 'dc2', version: '0.2.0', source: 'ldap://dc2:389 (openldap)', sourceFlavor: 'openldap', syncAccount: 'cn=sync', tlsVerificationDisabled: true });
        expect(await repo.acquireLease('agent-a', now, 60)).toBe(true);
        const agents = await repo.listAgents();
        expect(agents).toEqual([
          { id: 'agent-a', host: 'dc2', version: '0.2.0', lastHeartbeat: now.toISOString(), active: true, source: 'ldap://dc2:389 (openldap)', sourceFlavor: 'openldap', syncAccount: 'cn=sync', passwordProgress: null, directoryProgress: null, revokedAt: null, credentialExpiresAt: null, state: 'active', signedOffAt: null, schedule: null },
          { id: 'agent-b', host: 'dc1.example.test', version: '0.1.0', lastHeartbeat: null, active: false, source: null, sourceFlavor: null, syncAccount: null, passwordProgress: null, directoryProgress: null, revokedAt: null, credentialExpiresAt: null, state: 'offline', signedOffAt: null, schedule: null },
        ]);
        // The running password cycle's progress, from the heartbeat, until the agent says it ended.
        const progress = { mode: 'full' as const, startedAt: now.toISOString(), processed: 40_000, total: 100_000, derived: 39_000, etaSeconds: 900 };
        await repo.recordHeartbeat('agent-a', now, { host: 'dc2', version: '0.2.0', passwordProgress: progress });
        expect((await repo.listAgents())[0]?.passwordProgress).toEqual(progress);
        await repo.recordHeartbeat('agent-a', now, { host: 'dc2', version: '0.2.0' });
        expect((await repo.listAgents())[0]?.passwordProgress).toEqual(progress);
        await repo.recordHeartbeat('agent-a', now, { host: 'dc2', version: '0.2.0', passwordProgress: null });
        expect((await repo.listAgents())[0]?.passwordProgress).toBeNull();
        expect((await repo.findAgent('agent-a'))?.tlsVerificationDisabled).toBe(true);
      });

      it('hands the lease to another agent only after it expires', async () => {
        const repo = await tenant();
        expect(await repo.acquireLease('a', at(0), 30)).toBe(true);
        expect(await repo.acquireLease('b', at(0.25), 30)).toBe(false);
        expect(await repo.acquireLease('a', at(0.4), 30)).toBe(true); // renewed until 0.9
        expect(await repo.acquireLease('b', at(0.8), 30)).toBe(false);
        expect(await repo.acquireLease('b', at(0.9), 30)).toBe(true); // expired: taken over
        expect(await repo.acquireLease('a', at(1), 30)).toBe(false);
      });

      it('grants a free lease to exactly one of several concurrent agents', async () => {
        const repo = await tenant();
        const other = (await shared.testStore.openAnother()).forTenant(repo.tenantId);
        const results = await Promise.all(['a', 'b', 'c', 'd'].map((id, i) => (i % 2 ? other : repo).acquireLease(id, at(0), 30)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('object batches', () => {
      it('apply users, groups and memberships and list them', async () => {
        const repo = await tenant();
        const result = await repo.applyObjectBatch(batchId(), 'agent', [
          upsert(user(1, { otherMails: ['alias1@example.test'] })), upsert(user(2)), upsert(group(1, ['u-1', 'u-2', 'u-2'])),
        ], T0);
        expect(result).toEqual({ applied: 3, errors: [], duplicate: false });
        expect(await repo.countUsers()).toBe(2);
        const page = await repo.listUsers({ page: 1, pageSize: 10 });
        expect(page.items[0]).toEqual({
          anchor: 'u-1', userPrincipalName: 'user1@example.test', displayName: 'User 1', givenName: 'User', surname: '1',
          mail: 'user1@example.test', enabled: true, source: 'on_premises', dn: 'uid=user1,ou=people,dc=example,dc=test',
          passwordSynced: false, lastSyncedAt: T0.toISOString(),
        });
        expect((await repo.listGroups({ page: 1, pageSize: 10 })).items).toEqual([
          { anchor: 'g-1', name: 'Group 1', description: null, mail: null, dn: 'cn=group1,ou=groups,dc=example,dc=test', memberCount: 2 },
        ]);
        expect(await repo.groupNamesOf('u-2')).toEqual(['Group 1']);
        expect((await repo.findUserForSignIn('ALIAS1@example.test'))?.anchor).toBe('u-1');
        expect((await repo.findUserForSignIn('User2@Example.Test'))?.anchor).toBe('u-2');
        expect(await repo.findUserForSignIn('nobody@example.test')).toBeNull();
      });

      it('are idempotent: the same batch id again changes nothing and returns the first result', async () => {
        const repo = await tenant();
        const id = batchId();
        const first = await repo.applyObjectBatch(id, 'agent', [upsert(user(1)), upsert(user(2, { userPrincipalName: 'user1@example.test' }))], T0);
        expect(first.duplicate).toBe(false);
        expect(first.errors.map((e) => e.code)).toEqual(['OBJECT_DUPLICATE_UPN']);
        const again = await repo.applyObjectBatch(id, 'agent', [upsert(user(1, { displayName: 'Changed' })), del('user', 'u-1'), upsert(user(9))], at(5));
        expect(again).toEqual({ ...first, duplicate: true });
        const users = await repo.listUsers({ page: 1, pageSize: 10 });
        expect(users.items.map((u) => [u.anchor, u.displayName])).toEqual([['u-1', 'User 1'], ['u-2', 'User 2']]);
      });

      it('apply all or nothing: a batch failing midway leaves no trace and can be sent again', async () => {
        const repo = await tenant();
        const id = batchId();
        // The database refuses an anchor over 512 characters (CHECK constraint). The users come
        // first in the batch and are written before the group's memberships fail.
        const bad = [upsert(user(1)), upsert(user(2)), del('user', 'u-0'), upsert(group(1, ['u-1', 'x'.repeat(600)]))];
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(0))], T0);
        await expect(repo.applyObjectBatch(id, 'agent', bad, T0)).rejects.toThrow();
        expect((await repo.listUsers({ page: 1, pageSize: 10 })).items.map((u) => u.anchor)).toEqual(['u-0']);
        expect((await repo.listGroups({ page: 1, pageSize: 10 })).total).toBe(0);
        const retried = await repo.applyObjectBatch(id, 'agent', [upsert(user(1)), upsert(user(2)), del('user', 'u-0'), upsert(group(1, ['u-1']))], T0);
        expect(retried).toEqual({ applied: 4, errors: [], duplicate: false });
        expect(await repo.countUsers()).toBe(2);
      });

      it('quarantine a duplicate UPN or mail: the holder keeps it, the rest of the object applies, an error names both', async () => {
        const repo = await tenant();
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(1, { otherMails: ['shared@example.test'] }))], T0);
        const result = await repo.applyObjectBatch(batchId(), 'agent', [
          upsert(user(2, { userPrincipalName: 'USER1@example.test' })),
          upsert(user(3, { mail: 'Shared@Example.test' })),
          upsert(user(4)),
          upsert(user(5, { mail: 'user4@example.test' })), // clashes with user 4 from this very batch
        ], at(1));
        expect(result.applied).toBe(4);
        const naming = (holder: number, newcomer: number) => expect.stringMatching(new RegExp(`of uid=user${newcomer},ou=people,dc=example,dc=test .*already used by uid=user${holder},ou=people,dc=example,dc=test`));
        expect(result.errors).toEqual([
          { anchor: 'u-2', code: 'OBJECT_DUPLICATE_UPN', attribute: 'userPrincipalName', message: naming(1, 2), hint: expect.any(String), params: expect.objectContaining({ holder: 'uid=user1,ou=people,dc=example,dc=test' }), quarantined: true },
          { anchor: 'u-3', code: 'OBJECT_DUPLICATE_MAIL', attribute: 'mail', message: naming(1, 3), hint: expect.any(String), params: { mails: 'shared@example.test', dn: 'uid=user3,ou=people,dc=example,dc=test', holders: 'uid=user1,ou=people,dc=example,dc=test' }, quarantined: true },
          { anchor: 'u-5', code: 'OBJECT_DUPLICATE_MAIL', attribute: 'mail', message: naming(4, 5), hint: expect.any(String), params: expect.objectContaining({ holders: 'uid=user4,ou=people,dc=example,dc=test' }), quarantined: true },
        ]);
        const listed = (await repo.listUsers({ page: 1, pageSize: 10 })).items;
        expect(listed.map((u) => u.anchor)).toEqual(['u-1', 'u-2', 'u-3', 'u-4', 'u-5']);
        // The newcomer got a stand-in UPN; the holders still sign in with their values.
        const standIn = listed.find((u) => u.anchor === 'u-2');
        expect(standIn?.userPrincipalName).toMatch(/^USER1\+[0-9a-f]{8}@example\.test$/);
        expect(listed.find((u) => u.anchor === 'u-3')?.mail).toBeNull();
        expect((await repo.findUserForSignIn('user1@example.test'))?.anchor).toBe('u-1');
        expect((await repo.findUserForSignIn('shared@example.test'))?.anchor).toBe('u-1');
        expect((await repo.findUserForSignIn('user4@example.test'))?.anchor).toBe('u-4');
        expect((await repo.findUserForSignIn(standIn!.userPrincipalName))?.anchor).toBe('u-2');
        expect(result.errors[0]?.message).toContain(standIn!.userPrincipalName);
        const errors = await repo.listSyncErrors({ page: 1, pageSize: 10 });
        expect(errors.total).toBe(3);
        expect(await repo.countSyncErrors()).toBe(3);
        expect(errors.items.find((e) => e.anchor === 'u-2')).toMatchObject({ kind: 'user', dn: 'uid=user2,ou=people,dc=example,dc=test', code: 'OBJECT_DUPLICATE_UPN', firstSeen: at(1).toISOString() });

        // Still wrong in the next batch: first seen stays, last seen moves.
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(2, { userPrincipalName: 'USER1@example.test' }))], at(2));
        const u2 = (await repo.listSyncErrors({ page: 1, pageSize: 10, search: 'user2' })).items;
        expect(u2).toHaveLength(1);
        expect(u2[0]).toMatchObject({ firstSeen: at(1).toISOString(), lastSeen: at(2).toISOString() });

        // Fixed in the directory: applies and its error disappears; user 1 renamed frees its UPN in the same batch.
        const fixed = await repo.applyObjectBatch(batchId(), 'agent', [
          upsert(user(1, { userPrincipalName: 'renamed1@example.test', otherMails: [] })),
          upsert(user(2, { userPrincipalName: 'USER1@example.test' })),
          upsert(user(3, { mail: 'Shared@Example.test' })),
        ], at(3));
        expect(fixed.errors).toEqual([]);
        expect(await repo.listSyncErrors({ page: 1, pageSize: 10, code: 'OBJECT_DUPLICATE_MAIL' })).toMatchObject({ total: 1, items: [{ anchor: 'u-5' }] });
        expect((await repo.findUserForSignIn('user1@example.test'))?.anchor).toBe('u-2');
        expect((await repo.findUserForSignIn('shared@example.test'))?.anchor).toBe('u-3');
      });

      it('apply enabled: false while the UPN and a proxy address clash, keeping the stored UPN', async () => {
        const repo = await tenant();
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(1, { otherMails: ['smtp-one@example.test'] })), upsert(user(2, { otherMails: ['mine@example.test'] }))], T0);
        const result = await repo.applyObjectBatch(batchId(), 'agent', [
          upsert(user(2, { userPrincipalName: 'user1@example.test', otherMails: ['mine@example.test', 'SMTP-one@example.test'], enabled: false, displayName: 'Leaver' })),
        ], at(1));
        expect(result.applied).toBe(1);
        expect(result.errors.map((e) => [e.anchor, e.code, e.attribute, e.quarantined])).toEqual([
          ['u-2', 'OBJECT_DUPLICATE_UPN', 'userPrincipalName', true], ['u-2', 'OBJECT_DUPLICATE_MAIL', 'otherMails', true],
        ]);
        const u2 = (await repo.listUsers({ page: 1, pageSize: 10, search: 'leaver' })).items[0];
        expect(u2).toMatchObject({ anchor: 'u-2', enabled: false, displayName: 'Leaver', userPrincipalName: 'user2@example.test' });
        // Disabled in the tenant, as in the directory: a sign-in finds it refused by the enabled flag.
        expect(await repo.findUserForSignIn('user2@example.test')).toMatchObject({ anchor: 'u-2', enabled: false });
        expect(await repo.findUserForSignIn('mine@example.test')).toMatchObject({ anchor: 'u-2' });
        expect((await repo.findUserForSignIn('smtp-one@example.test'))?.anchor).toBe('u-1');
        // Both errors are listed, each naming both objects.
        const listed = await repo.listSyncErrors({ page: 1, pageSize: 10 });
        expect(listed.items.map((e) => e.code).sort()).toEqual(['OBJECT_DUPLICATE_MAIL', 'OBJECT_DUPLICATE_UPN']);
        for (const e of listed.items) expect(e.message).toMatch(/uid=user2,.*uid=user1,/);
      });

      it('keep a value with the object that held it, whatever order later batches send them in', async () => {
        const repo = await tenant();
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(1, { userPrincipalName: 'shared@example.test' }))], T0);
        for (const [i, order] of [[1, [2, 1]], [2, [1, 2]]] as const) {
          const result = await repo.applyObjectBatch(batchId(), 'agent', order.map((n) => upsert(user(n, { userPrincipalName: 'shared@example.test', displayName: `User ${n} v${i}` }))), at(i));
          expect(result.errors.map((e) => e.anchor)).toEqual(['u-2']);
          expect((await repo.findUserForSignIn('shared@example.test'))?.anchor).toBe('u-1');
        }
        // The stand-in is the same every time (it comes from the anchor).
        const upns = (await repo.listUsers({ page: 1, pageSize: 10 })).items.map((u) => u.userPrincipalName);
        expect(upns).toHaveLength(2);
        const again = await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(2, { userPrincipalName: 'shared@example.test' }))], at(5));
        expect(again.errors[0]?.message).toContain(upns.find((u) => u !== 'shared@example.test'));
        // The holder lets go: the next time the newcomer is sent it takes the value, and its errors go.
        await repo.applyObjectBatch(batchId(), 'agent', [del('user', 'u-1')], at(6));
        const taken = await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(2, { userPrincipalName: 'shared@example.test' }))], at(7));
        expect(taken.errors).toEqual([]);
        expect((await repo.findUserForSignIn('shared@example.test'))?.anchor).toBe('u-2');
        expect(await repo.countSyncErrors()).toBe(0);
      });

      it('delete a user with its mails, memberships, verifiers, password state and errors', async () => {
        const repo = await tenant();
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(1, { otherMails: ['alias@example.test'] })), upsert(user(2)), upsert(group(1, ['u-1', 'u-2']))], T0);
        await repo.applyPasswordBatch(batchId(), 'agent', [{ op: 'set', anchor: 'u-1', verifiers: [verifier()] }], T0);
        await repo.recordRun(run('directory', 1), [agentError('u-1', 'OBJECT_VALUE_INVALID')]);
        const result = await repo.applyObjectBatch(batchId(), 'agent', [del('user', 'u-1'), del('user', 'never-existed')], at(2));
        expect(result).toEqual({ applied: 2, errors: [], duplicate: false });
        expect(await repo.findUserForSignIn('alias@example.test')).toBeNull();
        expect(await repo.findUserForSignIn('user1@example.test')).toBeNull();
        expect(await repo.getPasswordState('u-1')).toBeNull();
        expect(await repo.groupNamesOf('u-1')).toEqual([]);
        expect((await repo.listGroups({ page: 1, pageSize: 10 })).items[0]?.memberCount).toBe(1);
        expect(await repo.countSyncErrors()).toBe(0);
        // the mail is free again
        expect((await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(3, { mail: 'alias@example.test' }))], at(3))).errors).toEqual([]);
      });

      it('delete a group with its memberships in both directions', async () => {
        const repo = await tenant();
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(1)), upsert(group('inner', ['u-1'])), upsert(group('outer', ['g-inner', 'u-1']))], T0);
        expect(await repo.groupNamesOf('g-inner')).toEqual(['Group outer']);
        await repo.applyObjectBatch(batchId(), 'agent', [del('group', 'g-inner')], at(1));
        expect(await repo.groupNamesOf('g-inner')).toEqual([]);
        expect(await repo.groupNamesOf('u-1')).toEqual(['Group outer']);
        expect((await repo.listGroups({ page: 1, pageSize: 10 })).items.map((g) => [g.name, g.memberCount])).toEqual([['Group outer', 1]]);
      });

      it('replace a group membership list on upsert, and honour order within a batch', async () => {
        const repo = await tenant();
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(1)), upsert(user(2)), upsert(user(3)), upsert(group(1, ['u-1', 'u-2']))], T0);
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(group(1, ['u-2', 'u-3'], { name: 'Renamed' }))], at(1));
        expect(await repo.groupNamesOf('u-1')).toEqual([]);
        expect(await repo.groupNamesOf('u-3')).toEqual(['Renamed']);
        // a member deleted after the group upsert in the same batch is not left behind
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(group(1, ['u-2', 'u-3'])), del('user', 'u-3')], at(2));
        expect((await repo.listGroups({ page: 1, pageSize: 10 })).items[0]?.memberCount).toBe(1);
        // delete then re-create in one batch: the user exists afterwards
        await repo.applyObjectBatch(batchId(), 'agent', [del('user', 'u-2'), upsert(user(2, { displayName: 'Back' }))], at(3));
        expect((await repo.listUsers({ page: 1, pageSize: 10, search: 'back' })).items.map((u) => u.anchor)).toEqual(['u-2']);
      });

      it('apply a batch of 2,000 users and 20 groups quickly, and find a user among them', async () => {
        const repo = await tenant();
        const users = Array.from({ length: 2000 }, (_, i) => upsert(user(i, { otherMails: [`alt${i}@example.test`] })));
        const groups = Array.from({ length: 20 }, (_, g) => upsert(group(g, Array.from({ length: 100 }, (_, i) => `u-${g * 100 + i}`))));
        const started = performance.now();
        const result = await repo.applyObjectBatch(batchId(), 'agent', [...users, ...groups], T0);
        const firstMs = performance.now() - started;
        expect(result).toMatchObject({ applied: 2020, errors: [] });
        const again = performance.now();
        await repo.applyObjectBatch(batchId(), 'agent', users.slice(0, 1000), at(1));
        const updateMs = performance.now() - again;
        // Generous bounds for a busy 2-core test machine; unloaded it is tens of milliseconds.
        expect(firstMs).toBeLessThan(5000);
        expect(updateMs).toBeLessThan(3000);
        expect(await repo.countUsers()).toBe(2000);
        const found = await repo.listUsers({ search: 'alt1999', page: 1, pageSize: 10 });
        expect(found.total).toBe(0); // other mails are for sign-in, not list search
        expect((await repo.listUsers({ search: 'user 1999', page: 1, pageSize: 10 })).items.map((u) => u.anchor)).toEqual(['u-1999']);
        expect((await repo.findUserForSignIn('alt1999@example.test'))?.anchor).toBe('u-1999');
        expect((await repo.findUserForSignIn('alt5@example.test'))?.anchor).toBe('u-5'); // re-sent with the same mails
      });

      it('apply a batch sent twice at once (an agent retry racing the original) exactly once', async () => {
        const repo = await tenant();
        const other = kind === 'postgres' ? (await shared.testStore.openAnother()).forTenant(repo.tenantId) : repo;
        const id = batchId();
        const changes = [upsert(user(1)), upsert(user(2, { userPrincipalName: 'user1@example.test' })), upsert(group(1, ['u-1']))];
        const [a, b] = await Promise.all([repo.applyObjectBatch(id, 'agent', changes, T0), other.applyObjectBatch(id, 'agent', changes, T0)]);
        expect([a.duplicate, b.duplicate].sort()).toEqual([false, true]);
        expect({ ...a, duplicate: null }).toEqual({ ...b, duplicate: null });
        expect(a.errors.map((e) => e.code)).toEqual(['OBJECT_DUPLICATE_UPN']);
        expect(await repo.countUsers()).toBe(2);
        expect(await repo.countSyncErrors()).toBe(1);
      });

      it('count the same new users once when two batches add them at once', async () => {
        const repo = await tenant();
        const other = kind === 'postgres' ? (await shared.testStore.openAnother()).forTenant(repo.tenantId) : repo;
        const changes = Array.from({ length: 50 }, (_, i) => upsert(user(i)));
        await Promise.all([repo.applyObjectBatch(batchId(), 'agent', changes, T0), other.applyObjectBatch(batchId(), 'agent', changes, T0)]);
        expect(await repo.countUsers()).toBe(50);
        expect((await repo.listUsers({ page: 1, pageSize: 100 })).items).toHaveLength(50);
      });
    });

    describe('the unique UPN index behind the holder rule', () => {
      const userRowOf = (tenantId: string, anchor: string, upn: string) => ({
        tenant_id: tenantId, anchor, dn: `uid=${anchor},dc=example,dc=test`, upn, upn_lower: upn.trim().toLowerCase(), display_name: null, display_name_lower: null,
        sort_key: upn.toLowerCase(), given_name: null, surname: null, mail: null, mail_lower: null, other_mails: '[]', enabled: 1, source: 'on_premises',
        created_at: T0.getTime(), updated_at: T0.getTime(),
      });

      it('refuses a direct duplicate insert, whatever its case, and the store answers it with a coded error', async () => {
        const repo = await tenant();
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(1, { userPrincipalName: 'Ann@Example.test' }))], T0);
        const raw = openDatabase(shared.testStore.options);
        try {
          const refused = await raw.insertInto('users').values(userRowOf(repo.tenantId, 'u-intruder', 'ann@EXAMPLE.test')).execute().then(() => null, (error: unknown) => error);
          expect(refused, 'the database accepted a second user with the same UPN').not.toBeNull();
          const coded = storeErrorOf(refused);
          expect(isAppError(coded) && { code: coded.code, status: coded.status }).toEqual({ code: 'STORE_DUPLICATE_UPN', status: 409 });
          // Another tenant may hold the same UPN.
          const other = await tenant();
          await raw.insertInto('users').values(userRowOf(other.tenantId, 'u-elsewhere', 'ann@example.test')).execute();
        } finally {
          await raw.destroy();
        }
        expect((await repo.listUsers({ page: 1, pageSize: 10 })).items.map((u) => u.anchor)).toEqual(['u-1']);
      });

      // Only PostgreSQL lets an outside transaction hold a row the holder rule cannot see; SQLite has one writer.
      if (kind === 'postgres') it('turns a second holder the holder rule could not see into STORE_DUPLICATE_UPN, not a 500 or a duplicate', async () => {
        const repo = await tenant();
        const raw = openDatabase(shared.testStore.options);
        try {
          // A writer outside the batch path (a bug, a hand edit) holds the UPN uncommitted while a
          // batch reads the owners: the holder rule sees nobody, only the index can refuse it.
          const refused = await raw.transaction().execute(async (trx) => {
            await trx.insertInto('users').values(userRowOf(repo.tenantId, 'u-writer', 'bob@example.test')).execute();
            const batch = repo.applyObjectBatch(batchId(), 'agent', [upsert(user(2, { userPrincipalName: 'Bob@example.test' }))], T0).then(() => null, (error: unknown) => error);
            // Long enough for the batch to read the owners and wait on the index entry.
            await new Promise((resolve) => setTimeout(resolve, 500));
            return { batch }; // wrapped: the commit must not wait for the batch, which waits for the commit
          }).then(({ batch }) => batch);
          expect(isAppError(refused) && refused.code).toBe('STORE_DUPLICATE_UPN');
        } finally {
          await raw.destroy();
        }
        const users = await repo.listUsers({ page: 1, pageSize: 10 });
        expect(users.items.map((u) => [u.anchor, u.userPrincipalName])).toEqual([['u-writer', 'bob@example.test']]);
      });

      it('still lets a new user take the UPN a stored one gives up earlier in the same batch, and a chain of renames apply', async () => {
        const repo = await tenant();
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(1, { userPrincipalName: 'a@example.test' })), upsert(user(2, { userPrincipalName: 'b@example.test' })), upsert(user(3, { userPrincipalName: 'c@example.test' }))], T0);
        // The holder rule plays the batch in order (u-3 lets go of c before u-4 claims it); the
        // rows are written new ones first, so without the stored user first letting go the index
        // would see u-4 and u-3 both holding c.
        const renamed = await repo.applyObjectBatch(batchId(), 'agent', [
          upsert(user(1, { userPrincipalName: 'e@example.test' })), upsert(user(2, { userPrincipalName: 'A@example.test' })),
          upsert(user(3, { userPrincipalName: 'd@example.test' })), upsert(user(4, { userPrincipalName: 'c@example.test' })),
        ], at(1));
        expect(renamed.errors).toEqual([]);
        const users = await repo.listUsers({ page: 1, pageSize: 10 });
        expect(Object.fromEntries(users.items.map((u) => [u.anchor, u.userPrincipalName]))).toEqual({ 'u-1': 'e@example.test', 'u-2': 'A@example.test', 'u-3': 'd@example.test', 'u-4': 'c@example.test' });
        expect((await repo.findUserForSignIn('a@example.test'))?.anchor).toBe('u-2');
        expect((await repo.findUserForSignIn('c@example.test'))?.anchor).toBe('u-4');
      });
    });

    describe('synced objects', () => {
      it('pages users and groups together by anchor in byte order', async () => {
        const repo = await tenant();
        await repo.applyObjectBatch(batchId(), 'agent', [
          upsert(user('B')), upsert(user('a')), upsert(user('_')), upsert(group('Z', ['u-a'])), upsert(group('b', [])),
        ], T0);
        // code-point order: 'g-Z' < 'g-b' < 'u-B' < 'u-_' < 'u-a'
        const first = await repo.listSyncedObjects('', 2);
        expect(first).toEqual([
          { anchor: 'g-Z', kind: 'group', dn: 'cn=groupZ,ou=groups,dc=example,dc=test', fingerprint: fingerprintObject(group('Z', ['u-a'])) },
          { anchor: 'g-b', kind: 'group', dn: 'cn=groupb,ou=groups,dc=example,dc=test', fingerprint: fingerprintObject(group('b', [])) },
        ]);
        expect((await repo.listSyncedObjects('g-b', 2)).map((o) => o.anchor)).toEqual(['u-B', 'u-_']);
        expect((await repo.listSyncedObjects('u-_', 2)).map((o) => [o.anchor, o.kind])).toEqual([['u-a', 'user']]);
        expect(await repo.listSyncedObjects('u-a', 2)).toEqual([]);
      });

      it('fingerprints each object as the agent fingerprints what it sent, so a full cycle sees what differs', async () => {
        const repo = await tenant();
        const sent = [user('fa', { otherMails: ['x@example.test', 'a@example.test'], displayName: 'Fa É' }), user('fb', { enabled: false }), group('fg', ['u-fa', 'u-fb'])];
        await repo.applyObjectBatch(batchId(), 'agent', sent.map(upsert), T0);
        const listed = new Map((await repo.listSyncedObjects('', 100)).map((o) => [o.anchor, o.fingerprint]));
        for (const object of sent) expect(listed.get(object.anchor)).toBe(fingerprintObject(object));
        // A membership lost by hand shows as a different fingerprint.
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(group('fg', ['u-fa']))], T0);
        expect((await repo.listSyncedObjects('', 100)).find((o) => o.anchor === 'g-fg')?.fingerprint).not.toBe(fingerprintObject(sent[2]!));
      });

      it('lists the users holding a verifier with the fingerprint it was sent with', async () => {
        const repo = await tenant();
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(user('va')), upsert(user('vb'))], T0);
        await repo.applyPasswordBatch(batchId(), 'agent', [
          { op: 'set', anchor: 'u-va', verifiers: [verifier()], fingerprint: 'fp-a' },
          { op: 'set', anchor: 'u-vb', verifiers: [verifier()] },
        ], T0);
        expect(await repo.listVerifierFingerprints('', 10)).toEqual([{ anchor: 'u-va', fingerprint: 'fp-a' }, { anchor: 'u-vb', fingerprint: null }]);
        expect(await repo.listVerifierFingerprints('u-va', 10)).toEqual([{ anchor: 'u-vb', fingerprint: null }]);
      });
    });

    describe('password batches', () => {
      it('set, error and clear verifiers, and report unknown anchors per item', async () => {
        const repo = await tenant();
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(1)), upsert(user(2)), upsert(user(3))], T0);
        const id = batchId();
        const result = await repo.applyPasswordBatch(id, 'agent', [
          { op: 'set', anchor: 'u-1', verifiers: [verifier(), verifier('SSHA')], changedAt: '2026-11-19T08:00:00.000Z' },
          { op: 'error', anchor: 'u-2', scheme: 'MD5', code: 'PASSWORD_SCHEME_UNSUPPORTED', message: 'MD5 cannot be synchronized' },
          { op: 'set', anchor: 'u-404', verifiers: [verifier()] },
          { op: 'set', anchor: 'u-3', verifiers: [verifier()] },
        ], at(1));
        expect(result.applied).toBe(3);
        expect(result.errors).toEqual([{ anchor: 'u-404', code: 'PASSWORD_USER_UNKNOWN', message: expect.stringContaining('u-404'), hint: expect.any(String), attribute: null }]);
        expect((await repo.applyPasswordBatch(id, 'agent', [{ op: 'clear', anchor: 'u-1' }], at(2)))).toEqual({ ...result, duplicate: true });

        const signIn = await repo.findUserForSignIn('user1@example.test');
        expect(signIn?.verifiers).toEqual([verifier(), verifier('SSHA')]);
        expect(await repo.getPasswordState('u-1')).toEqual({
          anchor: 'u-1', scheme: 'SSHA512', lastAttemptAt: at(1), lastSuccessAt: at(1), resultCode: 'OK', sourceChangedAt: new Date('2026-11-19T08:00:00.000Z'),
        });
        expect(await repo.getPasswordState('u-2')).toMatchObject({ scheme: 'MD5', lastAttemptAt: at(1), lastSuccessAt: null, resultCode: 'PASSWORD_SCHEME_UNSUPPORTED' });
        const errors = await repo.listSyncErrors({ page: 1, pageSize: 10 });
        expect(errors.items).toEqual([expect.objectContaining({ anchor: 'u-2', code: 'PASSWORD_SCHEME_UNSUPPORTED', dn: 'uid=user2,ou=people,dc=example,dc=test', kind: 'user' })]);
        expect((await repo.listUsers({ page: 1, pageSize: 10 })).items.map((u) => u.passwordSynced)).toEqual([true, false, true]);

        // the user fixes the password: error gone, success recorded, earlier success kept on a later failure
        await repo.applyPasswordBatch(batchId(), 'agent', [{ op: 'set', anchor: 'u-2', verifiers: [verifier()] }], at(3));
        expect(await repo.countSyncErrors()).toBe(0);
        await repo.applyPasswordBatch(batchId(), 'agent', [{ op: 'error', anchor: 'u-2', scheme: null, code: 'PASSWORD_NOT_SET', message: 'no password' }], at(4));
        expect(await repo.getPasswordState('u-2')).toMatchObject({ lastSuccessAt: at(3), lastAttemptAt: at(4), resultCode: 'PASSWORD_NOT_SET' });

        await repo.applyPasswordBatch(batchId(), 'agent', [{ op: 'clear', anchor: 'u-1' }], at(5));
        expect((await repo.findUserForSignIn('user1@example.test'))?.verifiers).toEqual([]);
        expect(await repo.clearAllVerifiers()).toBe(2);
        expect((await repo.listUsers({ page: 1, pageSize: 10 })).items.some((u) => u.passwordSynced)).toBe(false);
      });

      it('keep the warning of a cleartext password from the batch on, not only from the run report', async () => {
        const repo = await tenant();
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(1)), upsert(user(2))], T0);
        const cleartext = { anchor: 'u-1', code: 'PASSWORD_CLEARTEXT' };
        await repo.recordRun(run('password', 1), [{ ...agentError('u-1', 'PASSWORD_CLEARTEXT', 'password'), attribute: 'userPassword' }]);

        // The next full run stores the user's verifier again: between that batch and the run's
        // report, the list must still show the warning (it once vanished there).
        await repo.applyPasswordBatch(batchId(), 'agent', [{ op: 'set', anchor: 'u-1', verifiers: [verifier('CLEARTEXT')] }, { op: 'set', anchor: 'u-2', verifiers: [verifier()] }], at(2));
        const listed = (await repo.listSyncErrors({ page: 1, pageSize: 10 })).items;
        expect(listed).toEqual([expect.objectContaining({ ...cleartext, kind: 'user', attribute: 'userPassword', firstSeen: at(1).toISOString(), hint: expect.stringContaining('hash') })]);
        expect(await repo.getPasswordState('u-1')).toMatchObject({ scheme: 'CLEARTEXT', resultCode: 'OK', lastSuccessAt: at(2) });

        await repo.recordRun(run('password', 3), [{ ...agentError('u-1', 'PASSWORD_CLEARTEXT', 'password'), attribute: 'userPassword' }]);
        expect((await repo.listSyncErrors({ page: 1, pageSize: 10 })).items).toEqual([expect.objectContaining({ ...cleartext, firstSeen: at(1).toISOString() })]);
        // Hashed at last: the warning goes with the batch that stores the hash.
        await repo.applyPasswordBatch(batchId(), 'agent', [{ op: 'set', anchor: 'u-1', verifiers: [verifier()] }], at(4));
        expect(await repo.countSyncErrors()).toBe(0);
      });
    });

    describe('runs and errors', () => {
      it('record runs, and let each run replace the agent errors of its kind only', async () => {
        const repo = await tenant();
        expect(await repo.lastRun()).toBeNull();
        const first = run('directory', 10);
        await repo.recordRun(first, [agentError('a1', 'OBJECT_VALUE_INVALID'), agentError('a2', 'OBJECT_REQUIRED_ATTRIBUTE_MISSING')]);
        await repo.recordRun(run('password', 11, { outcome: 'partial' }), [agentError('a9', 'PASSWORD_SCHEME_UNSUPPORTED', 'password')]);
        expect(await repo.countSyncErrors()).toBe(3);

        const second = run('directory', 20, { outcome: 'failed', errorCode: 'DIR_UNREACHABLE', errorMessage: 'connection refused', errorParams: null });
        await repo.recordRun(second, [agentError('a1', 'OBJECT_VALUE_INVALID'), agentError('a3', 'OBJECT_VALUE_INVALID')]);
        const errors = (await repo.listSyncErrors({ page: 1, pageSize: 10 })).items;
        expect(errors.map((e) => e.anchor).sort()).toEqual(['a1', 'a3', 'a9']);
        expect(errors.find((e) => e.anchor === 'a1')).toMatchObject({ firstSeen: at(10).toISOString(), lastSeen: at(20).toISOString() });
        expect(errors.find((e) => e.anchor === 'a3')).toMatchObject({ firstSeen: at(20).toISOString() });

        // the same report again (a retry) changes nothing
        await repo.recordRun(second, []);
        expect(await repo.countSyncErrors()).toBe(3);

        expect((await repo.lastSuccessfulRun('directory'))?.id).toBe(first.id);
        expect((await repo.lastSuccessfulRun('password'))?.outcome).toBe('partial');
        expect(await repo.lastRun('directory')).toEqual(second);
        expect((await repo.lastRun())?.id).toBe(second.id);
        expect((await repo.listRuns(10)).map((r) => r.kind)).toEqual(['directory', 'password', 'directory']);
        expect(await repo.listRuns(1)).toHaveLength(1);

        await repo.recordRun(run('password', 30), []);
        expect((await repo.listSyncErrors({ page: 1, pageSize: 10 })).items.map((e) => e.anchor).sort()).toEqual(['a1', 'a3']);
      });

      it('keep the params of a sync error (its facts by name) from agent, tenant and password batch, and none on rows without', async () => {
        const repo = await tenant();
        const facts = { form: 'tooLong', attribute: 'displayName', dn: 'uid=zoë,ou=Mensen,dc=example,dc=test', length: 300, max: 256 };
        await repo.recordRun(run('directory', 1), [{ ...agentError('a1', 'OBJECT_VALUE_INVALID'), params: facts }, agentError('a2', 'OBJECT_OUT_OF_SCOPE')]);
        const agentRows = (await repo.listSyncErrors({ page: 1, pageSize: 10 })).items;
        expect(agentRows.find((e) => e.anchor === 'a1')?.params).toEqual(facts);
        expect(agentRows.find((e) => e.anchor === 'a2')?.params).toBeNull();

        // The tenant's own UPN clash names both objects and the stand-in by name, in the list and the user's detail.
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(1))], at(2));
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(2, { userPrincipalName: 'user1@example.test' })), upsert(user(3))], at(3));
        const clash = (await repo.listSyncErrors({ page: 1, pageSize: 10, code: 'OBJECT_DUPLICATE_UPN' })).items[0];
        const standIn = (await repo.listUsers({ page: 1, pageSize: 10 })).items.find((u) => u.anchor === 'u-2')?.userPrincipalName;
        expect(clash?.params).toEqual({ upn: 'user1@example.test', dn: 'uid=user2,ou=people,dc=example,dc=test', holder: 'uid=user1,ou=people,dc=example,dc=test', standIn });
        expect((await repo.getUserDetail('u-2'))?.syncErrors[0]?.params).toEqual(clash?.params);

        // A password error keeps its scheme.
        await repo.applyPasswordBatch(batchId(), 'agent', [{ op: 'error', anchor: 'u-3', scheme: 'MD5', code: 'PASSWORD_SCHEME_UNSUPPORTED', message: 'MD5 cannot be synchronized' }], at(4));
        expect((await repo.listSyncErrors({ page: 1, pageSize: 10, code: 'PASSWORD_SCHEME_UNSUPPORTED' })).items[0]?.params).toEqual({ scheme: 'MD5' });
      });

      it('page and filter sync errors', async () => {
        const repo = await tenant();
        await repo.recordRun(run('directory', 1), Array.from({ length: 7 }, (_, i) => agentError(`x${i}`, i < 5 ? 'OBJECT_VALUE_INVALID' : 'OBJECT_OUT_OF_SCOPE')));
        const page2 = await repo.listSyncErrors({ page: 2, pageSize: 3 });
        expect(page2).toMatchObject({ total: 7, page: 2, pageSize: 3 });
        expect(page2.items.map((e) => e.anchor)).toEqual(['x3', 'x4', 'x5']);
        expect((await repo.listSyncErrors({ page: 1, pageSize: 10, code: 'OBJECT_OUT_OF_SCOPE' })).total).toBe(2);
        expect((await repo.listSyncErrors({ page: 1, pageSize: 10, search: 'UID=X6' })).items.map((e) => e.anchor)).toEqual(['x6']);
        expect((await repo.listSyncErrors({ page: 1, pageSize: 10, search: '100%_' })).total).toBe(0);
      });
    });

    describe('users list', () => {
      it('orders by display name then UPN, searches name, UPN and mail case-insensitively, and pages', async () => {
        const repo = await tenant();
        await repo.applyObjectBatch(batchId(), 'agent', [
          upsert(user('a', { displayName: 'Zoë Visser', userPrincipalName: 'zoe@example.test', mail: 'z.visser@mail.test' })),
          upsert(user('b', { displayName: 'anna de Vries', userPrincipalName: 'anna@example.test', mail: null })),
          upsert(user('c', { displayName: null, userPrincipalName: 'bram@example.test', mail: 'bram@example.test' })),
          upsert(user('d', { displayName: 'Anna de Vries', userPrincipalName: 'anna2@example.test', mail: 'a_percent%@example.test' })),
        ], T0);
        const all = await repo.listUsers({ page: 1, pageSize: 10 });
        expect(all.total).toBe(4);
        // Ties on the name are broken by UPN in code-point order ('2' < '@'), the same on both databases.
        expect(all.items.map((u) => u.userPrincipalName)).toEqual(['anna2@example.test', 'anna@example.test', 'bram@example.test', 'zoe@example.test']);
        expect((await repo.listUsers({ page: 2, pageSize: 3 })).items.map((u) => u.anchor)).toEqual(['u-a']);
        expect((await repo.listUsers({ search: 'DE VRIES', page: 1, pageSize: 1 }))).toMatchObject({ total: 2, items: [{ anchor: 'u-d' }] });
        expect((await repo.listUsers({ search: 'visser@MAIL', page: 1, pageSize: 10 })).items.map((u) => u.anchor)).toEqual(['u-a']);
        expect((await repo.listUsers({ search: 'bram@', page: 1, pageSize: 10 })).items.map((u) => u.anchor)).toEqual(['u-c']);
        // LIKE wildcards in the search are literal characters
        expect((await repo.listUsers({ search: '_percent%', page: 1, pageSize: 10 })).items.map((u) => u.anchor)).toEqual(['u-d']);
        expect((await repo.listUsers({ search: '%', page: 1, pageSize: 10 })).total).toBe(1);
        expect((await repo.listUsers({ search: '  ', page: 1, pageSize: 10 })).total).toBe(4);
        // A term is matched within one column, never across two (name's end, UPN's start).
        expect((await repo.listUsers({ search: 'sser\nzoe', page: 1, pageSize: 10 })).total).toBe(0);
        expect((await repo.listUsers({ search: 'sserzoe', page: 1, pageSize: 10 })).total).toBe(0);
        expect((await repo.listGroups({ search: 'nothing', page: 1, pageSize: 10 })).total).toBe(0);
      });

      it('keep the totals of users and groups exact through adds, deletes, re-adds, errors and repeated batches', async () => {
        const repo = await tenant();
        const totals = async (): Promise<number[]> => {
          const users = await repo.listUsers({ page: 1, pageSize: 200 });
          const groups = await repo.listGroups({ page: 1, pageSize: 200 });
          expect(users.total).toBe(users.items.length);
          expect(groups.total).toBe(groups.items.length);
          expect(await repo.countUsers()).toBe(users.total);
          return [users.total, groups.total];
        };
        expect(await totals()).toEqual([0, 0]);
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(1)), upsert(user(2)), upsert(user(3)), upsert(group(1, ['u-1', 'u-2']))], T0);
        expect(await totals()).toEqual([3, 1]);
        const id = batchId();
        const changes = [
          del('user', 'u-1'), upsert(user(1, { displayName: 'One again' })), // deleted and added again
          del('user', 'u-2'), del('user', 'u-9'), // u-9 was never there
          upsert(user(4, { userPrincipalName: 'user3@example.test' })), // u-3's UPN: a user with a stand-in UPN and an error
          upsert(user(5)), del('user', 'u-5'),
          upsert(group(2, ['u-3'])), del('group', 'g-1'), del('group', 'g-8'),
        ];
        await repo.applyObjectBatch(id, 'agent', changes, at(1));
        expect(await totals()).toEqual([3, 1]);
        await repo.applyObjectBatch(id, 'agent', changes, at(2));
        expect(await totals()).toEqual([3, 1]);
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(user(3, { displayName: 'Renamed' })), upsert(group(2, []))], at(3));
        expect(await totals()).toEqual([3, 1]);
      });

      it('find by search exactly the users whose name, UPN or mail contains the term (truth table)', async () => {
        const repo = await tenant();
        const people = [
          user('jansen', { displayName: 'Emma Jansen-Ünal', userPrincipalName: 'emma.jansen@example.test', mail: 'E.Jansen-Unal@Mail.Example' }),
          user('quote', { displayName: 'Say "Hi" Smith', userPrincipalName: 'say.hi@example.test', mail: null }),
          user('and', { displayName: 'Ben AND Jerry', userPrincipalName: 'ben.jerry@example.test', mail: 'ben+jerry@example.test' }),
          user('syntax', { displayName: 'NEAR(a b) -x* col:val ^c {d}', userPrincipalName: 'syntax@example.test', mail: null }),
          user('percent', { displayName: '100% _sure_ \\ back', userPrincipalName: 'pct@example.test', mail: null }),
          user('obrien', { displayName: "Seán O'Brien", userPrincipalName: 'sean@example.test', mail: 'ß@straße.example' }),
          user('noname', { displayName: null, userPrincipalName: 'NoName@Example.Test', mail: null }),
          user('emoji', { displayName: 'Ana 😀 Lima', userPrincipalName: 'ana@example.test', mail: null }),
          user('turkish', { displayName: 'İlker Çelik', userPrincipalName: 'ilker@example.test', mail: null }),
        ];
        await repo.applyObjectBatch(batchId(), 'agent', people.map(upsert), T0);
        const terms = [
          'Jansen-Ünal', 'jansen-ü', 'ÜNAL', 'unal@mail', '"hi"', 'y "h', '"', 'AND', 'ben and', 'n and j', 'and jerry', 'ben jerry',
          'NEAR(', 'near(a b)', '-x*', 'x*', '*', 'col:val', ':', '^c', '{d}', '100%', '% _s', '_', '\\', '\\ b', "o'b", "'",
          'ß@', 'STRASSE', 'straße', 'noname@', '😀', 'a 😀 l', 'İlker', 'ilker', 'çel', 'example', 'ex', 'e', 'zzz', ' hi" ',
        ];
        for (const term of terms) {
          const page = await repo.listUsers({ search: term, page: 1, pageSize: 50 });
          const expected = people.filter((p) => contains(p, term)).map((p) => p.anchor).sort();
          expect({ term, found: page.items.map((u) => u.anchor).sort(), total: page.total }).toEqual({ term, found: expected, total: expected.length });
        }
      });

      it('find by search the same users as a substring match, for generated names and terms', async () => {
        const repo = await tenant();
        const unit = fc.constantFrom('a', 'B', 'é', 'Ü', 'ß', ' ', '-', '"', '*', ':', '%', '_', "'", '(', '\n', 'AND', 'or');
        const names = fc.sample(fc.string({ unit, minLength: 1, maxLength: 12 }), { numRuns: 60, seed: 7 });
        const people = names.map((name, i) => user(i, { displayName: name, mail: i % 3 === 0 ? `${name.replace(/\s/g, '')}${i}@example.test` : null }));
        await repo.applyObjectBatch(batchId(), 'agent', people.map(upsert), T0);
        const someText = fc.constantFrom(...people.flatMap((p) => [p.displayName ?? '', p.mail ?? '']).filter((t) => t !== ''));
        const inside = fc.tuple(someText, fc.nat(), fc.integer({ min: 1, max: 8 })).map(([text, from, length]) => [...text].slice(from % text.length, (from % text.length) + length).join(''));
        await fc.assert(
          fc.asyncProperty(fc.oneof(inside, fc.string({ unit, maxLength: 4 })), async (term) => {
            const page = await repo.listUsers({ search: term, page: 1, pageSize: 200 });
            expect(page.items.map((u) => u.anchor).sort()).toEqual(people.filter((p) => contains(p, term)).map((p) => p.anchor).sort());
            expect(page.total).toBe(page.items.length);
          }),
          { numRuns: 150 },
        );
      });

      it('find users and groups by what they are now called after renames, deletes and re-adds', async () => {
        const repo = await tenant();
        const names = async (search: string) => ({
          users: (await repo.listUsers({ search, page: 1, pageSize: 10 })).items.map((u) => u.anchor).sort(),
          groups: (await repo.listGroups({ search, page: 1, pageSize: 10 })).items.map((g) => g.anchor).sort(),
        });
        await repo.applyObjectBatch(batchId(), 'agent', [
          upsert(user('a', { displayName: 'Alpha Person' })), upsert(user('b', { displayName: 'Bravo Person' })), upsert(user('c', { displayName: 'Delta Person' })),
          upsert(group(1, ['u-a'], { name: 'Team Alpha' })), upsert(group(2, [], { name: 'Team Bravo', mail: 'bravo-team@example.test' })),
        ], T0);
        expect(await names('bravo')).toEqual({ users: ['u-b'], groups: ['g-2'] });
        await repo.applyObjectBatch(batchId(), 'agent', [
          upsert(user('a', { displayName: 'Charlie Person', mail: 'charlie@example.test' })),
          del('user', 'u-b'),
          del('user', 'u-c'), upsert(user('c', { displayName: 'Delta Person' })),
          upsert(group(1, ['u-a'], { name: 'Team Charlie' })), del('group', 'g-2'),
        ], at(1));
        expect(await names('alpha')).toEqual({ users: [], groups: [] });
        expect(await names('charlie')).toEqual({ users: ['u-a'], groups: ['g-1'] });
        expect(await names('bravo')).toEqual({ users: [], groups: [] });
        expect(await names('delta')).toEqual({ users: ['u-c'], groups: [] });
        expect(await names('person')).toEqual({ users: ['u-a', 'u-c'], groups: [] });
        await repo.applyObjectBatch(batchId(), 'agent', [upsert(user('b', { displayName: 'Bravo Person' })), upsert(group(2, [], { name: 'Team Bravo' }))], at(2));
        expect(await names('bravo')).toEqual({ users: ['u-b'], groups: ['g-2'] });
        expect(await names('bravo-team')).toEqual({ users: [], groups: [] });
      });

      it('count the matches of a search up to 10,000, then say the total is at least that', async () => {
        const repo = await tenant();
        const pad = (n: number) => String(n).padStart(5, '0');
        await repo.applyObjectBatch(batchId(), 'agent', Array.from({ length: 10_040 }, (_, i) => upsert(user(`m${i}`, { displayName: `Many ${pad(i)}`, mail: null }))), T0);
        expect(await repo.listUsers({ page: 1, pageSize: 1 })).toMatchObject({ total: 10_040 });
        const third = await repo.listUsers({ search: 'MANY', page: 3, pageSize: 25 });
        expect(third).toMatchObject({ total: 10_000, totalIsLowerBound: true, page: 3, pageSize: 25 });
        expect(third.items.map((u) => u.displayName)).toEqual(Array.from({ length: 25 }, (_, i) => `Many ${pad(50 + i)}`));
        // A short page past the limit shows where the matches end.
        const last = await repo.listUsers({ search: 'many', page: 402, pageSize: 25 });
        expect(last.items.map((u) => u.displayName)).toEqual(Array.from({ length: 15 }, (_, i) => `Many ${pad(10_025 + i)}`));
        expect(last.total).toBe(10_040);
        expect(last.totalIsLowerBound).toBeUndefined();
        const few = await repo.listUsers({ search: 'many 0999', page: 1, pageSize: 25 });
        expect(few.total).toBe(10);
        expect(few.totalIsLowerBound).toBeUndefined();
        expect(few.items.map((u) => u.displayName)).toEqual(Array.from({ length: 10 }, (_, i) => `Many ${pad(9990 + i)}`));
      });
    });

    describe('lockouts and audit', () => {
      it('reserves lockout attempts atomically: 100 concurrent reservations from two connections get exactly the threshold', async () => {
        const repo = await tenant();
        // A second, independent store on the same database stands for a second tenant process.
        const other = (await shared.testStore.openAnother()).forTenant(repo.tenantId);
        const now = at(10);
        const reserve = (r: TenantRepository, i: number) => r.reserveLockout({ key: 'user:u-1|client:127.0.0.2', threshold: 5, token: `token-${i}`, now, forgetAfterMs: 3_600_000 });
        const results = await Promise.all(Array.from({ length: 100 }, (_, i) => reserve(i % 2 === 0 ? repo : other, i)));
        const granted = results.filter((r) => r.granted);
        expect(granted).toHaveLength(5);
        expect(granted.map((r) => r.failures).sort()).toEqual([1, 2, 3, 4, 5]);

        // Only one caller wins the lock (one audit row per lock event), and a locked counter refuses.
        const lock = (r: TenantRepository) => r.lockLockout({ key: 'user:u-1|client:127.0.0.2', lockCount: 0, allowance: 5, until: at(70), now });
        expect((await Promise.all([lock(repo), lock(other), lock(repo)])).filter(Boolean)).toHaveLength(1);
        expect(await reserve(repo, 200)).toMatchObject({ granted: false, lockedUntil: at(70), lockCount: 1 });

        // After the lock one attempt is admitted, and a release gives it back.
        const after = (i: number) => repo.reserveLockout({ key: 'user:u-1|client:127.0.0.2', threshold: 5, token: `after-${i}`, now: at(80), forgetAfterMs: 3_600_000 });
        const [first, second] = [await after(1), await after(2)];
        expect([first.granted, second.granted]).toEqual([true, false]);
        await repo.releaseLockout('user:u-1|client:127.0.0.2', 1);
        expect((await after(3)).granted).toBe(true);
      });

      it('forgets a series after the policy time and sweeps expired rows and familiar clients', async () => {
        const repo = await tenant();
        const hour = 3_600_000;
        const reserve = (key: string, token: string, now: Date) => repo.reserveLockout({ key, threshold: 2, token, now, forgetAfterMs: hour });
        await reserve('client:127.0.0.9', 'a', at(0));
        await reserve('client:127.0.0.9', 'b', at(1));
        expect((await reserve('client:127.0.0.9', 'c', at(2))).granted).toBe(false);
        // An hour after its last activity the series starts again.
        expect(await reserve('client:127.0.0.9', 'd', new Date(at(1).getTime() + hour + 1))).toMatchObject({ granted: true, failures: 1, lockCount: 0 });
        await reserve('user:u-2|unfamiliar', 'e', at(0));
        await repo.rememberFamiliar('user:u-2', 'address', '127.0.0.3', at(0));
        await repo.rememberFamiliar('user:u-2', 'device', 'abc', at(5));
        expect(await repo.isFamiliar('user:u-2', 'address', '127.0.0.3')).toBe(true);
        expect(await repo.isFamiliar('user:u-3', 'address', '127.0.0.3')).toBe(false);
        const removed = await repo.sweepLockouts({ now: new Date(at(0).getTime() + hour + 1000), forgetAfterMs: hour, familiarBefore: at(1) });
        expect(removed).toBe(2); // the forgotten u-2 counter and the address seen at 0; the renewed series and the device stay
        expect(await repo.isFamiliar('user:u-2', 'address', '127.0.0.3')).toBe(false);
        expect(await repo.isFamiliar('user:u-2', 'device', 'abc')).toBe(true);
        expect((await reserve('client:127.0.0.9', 'f', new Date(at(1).getTime() + hour + 2))).failures).toBe(2);
      });

      it('pages the audit log newest first', async () => {
        const repo = await tenant();
        for (let i = 0; i < 5; i++) await repo.audit({ actor: 'alice', action: `action.${i}`, details: { n: i, nested: { ok: true } }, at: at(i) });
        const first = await repo.listAudit({ page: 1, pageSize: 2 });
        expect(first.total).toBe(5);
        expect(first.items.map((e) => e.action)).toEqual(['action.4', 'action.3']);
        expect(first.items[0]).toMatchObject({ actor: 'alice', at: at(4).toISOString(), details: { n: 4, nested: { ok: true } } });
        expect((await repo.listAudit({ page: 3, pageSize: 2 })).items.map((e) => e.action)).toEqual(['action.0']);
      });
    });
  });
}

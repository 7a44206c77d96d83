/**
 * `TenantRepository` over Kysely. Small queries live here; the batch appliers and the directory
 * queries have their own files. Every statement filters on `tenant_id` first.
 */
import { readStoredErrorParams, storedErrorParams } from '../../shared/error-params.js';
import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { SyncRunKind } from '../../sync/model.js';
import { AppError } from '../../shared/errors.js';
import { SOURCE_FLAVORS, type SourceFlavor } from '../api/contract.js';
import type { AgentView, AuditEntry, DirectoryProgressView, PasswordProgressView, CyclePreviewResult, GroupView, Page, Role, SyncErrorView, UserView } from '../api/contract.js';
import { insertRows } from './bulk-write.js';
import { chunk, containsLower, inList, isUniqueViolation, listChunk, toDate, toNumber } from './dialect.js';
import { listSyncedObjects, listVerifierFingerprints, type SyncedObjectRef } from './synced-objects.js';
import { getPreview, requestPreview, savePreview } from './cycle-preview-repository.js';
import { listGroups, listUsers, countUsers, findUserForSignIn, groupNamesOf, getPasswordState } from './directory-queries.js';
import { applyObjectBatch } from './object-batch.js';
import { getGroupDetail, getUserDetail, listGroupMembers, listRunsPage } from './object-detail.js';
import type { GroupDetail, GroupMemberView, UserDetail } from '../api/detail-contract.js';
import { passwordCoverage } from './password-coverage.js';
import { pruneHistory } from './retention.js';
import { applyPasswordBatch, type PasswordBatchItem } from './password-batch.js';
import type {
  AdminRecord, AgentRecord, ApplyObjectsResult, RegistrationRedemption, CleartextLinkName, LockoutReserveInput, NewAgent, NewSession, NewSyncError, PasswordCoverage, PasswordState, PruneResult, RegistrationTokenRecord, RetentionPolicy,
  SessionRecord, StoredUserForSignIn, SyncRunRecord, TenantRepository, TenantSettings,
  PreviewRecord, PendingDeleteRecord, SyncRequestRecord,
} from './ports.js';
import * as lifecycle from './credential-lifecycle.js';
import * as management from './dirsync-management.js';
import type { AgentSchedule, SyncMode, SyncNowOutcome } from '../api/dirsync-manage-contract.js';
import { agentStateOf } from '../domain/agent-state.js';
import type { RepoContext } from './repo-context.js';
import type { PasswordVerifier } from '../../passwords/verifier-model.js';
import type { LockoutReservation } from '../domain/lockout.js';
import type { AdminsTable, AgentsTable, RegistrationTokensTable, SyncErrorsTable, SyncRunsTable } from './schema.js';
import type { ObjectChange } from '../../sync/model.js';

/** Outcomes that count as "sync ran" for the last-sync times: a partial run synchronized all but its failed objects. */
const SUCCESSFUL_OUTCOMES = ['success', 'partial'] as const;

export class KyselyTenantRepository implements TenantRepository {
  readonly tenantId: string;

  constructor(private readonly ctx: RepoContext) {
    this.tenantId = ctx.tenantId;
  }

  private get db() {
    return this.ctx.db;
  }

  // ---------- settings ----------

  async getSettings(): Promise<TenantSettings> {
    const row = await this.db.selectFrom('settings').selectAll().where('tenant_id', '=', this.tenantId).executeTakeFirst();
    if (!row) throw new AppError('TENANT_NOT_FOUND', { details: { tenantId: this.tenantId } });
    return {
      directorySyncEnabled: row.directory_sync_enabled === 1,
      passwordSyncEnabled: row.password_sync_enabled === 1,
      staleAfterHours: row.stale_after_hours,
      deleteThreshold: row.delete_threshold,
      deleteThresholdPercent: row.delete_threshold_percent,
      allowedDeletes: row.allowed_deletes,
      kdfParams: JSON.parse(row.kdf_params) as TenantSettings['kdfParams'],
      passwordEpoch: row.password_epoch,
      passwordReconcileRequestedAt: row.password_reconcile_requested_at === null ? null : toDate(row.password_reconcile_requested_at),
    };
  }

  async updateSettings(patch: Partial<TenantSettings>): Promise<TenantSettings> {
    const set: Record<string, number | string> = {};
    if (patch.directorySyncEnabled !== undefined) set['directory_sync_enabled'] = patch.directorySyncEnabled ? 1 : 0;
    if (patch.passwordSyncEnabled !== undefined) set['password_sync_enabled'] = patch.passwordSyncEnabled ? 1 : 0;
    if (patch.staleAfterHours !== undefined) set['stale_after_hours'] = patch.staleAfterHours;
    if (patch.deleteThreshold !== undefined) set['delete_threshold'] = patch.deleteThreshold;
    if (patch.deleteThresholdPercent !== undefined) set['delete_threshold_percent'] = patch.deleteThresholdPercent;
    if (patch.allowedDeletes !== undefined) set['allowed_deletes'] = patch.allowedDeletes;
    if (patch.kdfParams !== undefined) set['kdf_params'] = JSON.stringify(patch.kdfParams);
    if (patch.passwordReconcileRequestedAt) set['password_reconcile_requested_at'] = patch.passwordReconcileRequestedAt.getTime();
    if (Object.keys(set).length > 0) {
      const result = await this.db.updateTable('settings').set({ ...set, updated_at: Date.now() })
        .where('tenant_id', '=', this.tenantId).executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new AppError('TENANT_NOT_FOUND', { details: { tenantId: this.tenantId } });
    }
    return this.getSettings();
  }

  // ---------- admins and sessions ----------

  async createAdmin(input: { username: string; role: Role; passwordHash: string; mustChangePassword?: boolean | undefined }): Promise<AdminRecord> {
    const record: AdminRecord = {
      id: randomUUID(), username: input.username, role: input.role, passwordHash: input.passwordHash, createdAt: new Date(),
      disabledAt: null, mustChangePassword: input.mustChangePassword ?? false,
    };
    try {
      await this.db.insertInto('admins').values({
        tenant_id: this.tenantId,
        id: record.id,
        username: record.username,
        username_lower: record.username.toLowerCase(),
        role: record.role,
        password_hash: record.passwordHash,
        created_at: record.createdAt.getTime(),
        disabled_at: null,
        must_change_password: record.mustChangePassword ? 1 : 0,
      }).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('ADMIN_EXISTS', { details: { username: input.username } });
      throw error;
    }
    return record;
  }

  /** Case-insensitive: "Admin" and "admin" are the same admin. */
  async findAdminByUsername(username: string): Promise<AdminRecord | null> {
    const row = await this.db.selectFrom('admins').selectAll()
      .where('tenant_id', '=', this.tenantId).where('username_lower', '=', username.toLowerCase()).executeTakeFirst();
    return row ? toAdmin(row) : null;
  }

  async findAdminById(id: string): Promise<AdminRecord | null> {
    const row = await this.db.selectFrom('admins').selectAll().where('tenant_id', '=', this.tenantId).where('id', '=', id).executeTakeFirst();
    return row ? toAdmin(row) : null;
  }

  async countAdmins(): Promise<number> {
    const row = await this.db.selectFrom('admins').select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('tenant_id', '=', this.tenantId).executeTakeFirstOrThrow();
    return toNumber(row.n);
  }

  async createSession(session: NewSession): Promise<void> {
    const createdAt = session.createdAt ?? new Date();
    await this.db.transaction().execute(async (trx) => {
      // Expired sessions are swept here so the table never grows with abandoned sign-ins.
      await trx.deleteFrom('sessions').where('tenant_id', '=', this.tenantId).where('expires_at', '<=', Date.now()).execute();
      await trx.insertInto('sessions').values({
        tenant_id: this.tenantId,
        id_hash: session.idHash,
        admin_id: session.adminId,
        csrf_token: session.csrfToken,
        expires_at: session.expiresAt.getTime(),
        created_at: createdAt.getTime(),
        last_seen_at: (session.lastSeenAt ?? createdAt).getTime(),
      }).execute();
    });
  }

  async findSession(idHash: string, now: Date): Promise<SessionRecord | null> {
    const row = await this.db.selectFrom('sessions').selectAll()
      .where('tenant_id', '=', this.tenantId).where('id_hash', '=', idHash).where('expires_at', '>', now.getTime()).executeTakeFirst();
    return row ? {
      idHash: row.id_hash, adminId: row.admin_id, csrfToken: row.csrf_token, expiresAt: toDate(row.expires_at),
      createdAt: toDate(row.created_at), lastSeenAt: toDate(row.last_seen_at),
    } : null;
  }

  listAdmins(): Promise<AdminRecord[]> {
    return lifecycle.listAdmins(this.ctx);
  }

  updateAdmin(id: string, patch: { disabledAt?: Date | null; passwordHash?: string; mustChangePassword?: boolean }): Promise<boolean> {
    return lifecycle.updateAdmin(this.ctx, id, patch);
  }

  deleteAdmin(id: string): Promise<boolean> {
    return lifecycle.deleteAdmin(this.ctx, id);
  }

  deleteSessionsOf(adminId: string, keepIdHash?: string): Promise<number> {
    return lifecycle.deleteSessionsOf(this.ctx, adminId, keepIdHash);
  }

  touchSession(idHash: string, at: Date): Promise<void> {
    return lifecycle.touchSession(this.ctx, idHash, at);
  }

  revokeRegistrationToken(id: string, at: Date): Promise<boolean> {
    return lifecycle.revokeRegistrationToken(this.ctx, id, at);
  }

  revokeAgent(id: string, at: Date): Promise<boolean> {
    return lifecycle.revokeAgent(this.ctx, id, at);
  }

  rotateAgentCredential(id: string, expectedHash: string, next: { credentialHash: string; expiresAt: Date; previousExpiresAt: Date }): Promise<boolean> {
    return lifecycle.rotateAgentCredential(this.ctx, id, expectedHash, next);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('tenant_id', '=', this.tenantId).where('id_hash', '=', idHash).execute();
  }

  // ---------- agents ----------

  async createRegistrationToken(token: Omit<RegistrationTokenRecord, 'revokedAt'>): Promise<void> {
    await this.db.insertInto('registration_tokens').values({
      tenant_id: this.tenantId,
      id: token.id,
      token_hash: token.tokenHash,
      created_by: token.createdBy,
      expires_at: token.expiresAt.getTime(),
      used_at: token.usedAt?.getTime() ?? null,
      revoked_at: null,
      created_at: (token.createdAt ?? new Date()).getTime(),
    }).execute();
  }

  async listRegistrationTokens(): Promise<RegistrationTokenRecord[]> {
    const rows = await this.db.selectFrom('registration_tokens').selectAll()
      .where('tenant_id', '=', this.tenantId).orderBy('expires_at', 'desc').orderBy('id').execute();
    return rows.map(toToken);
  }

  async redeemRegistrationToken(
    tokenHash: string,
    now: Date,
    agent: NewAgent,
  ): Promise<RegistrationRedemption> {
    return this.db.transaction().execute(async (trx) => {
      // The conditional UPDATE is the compare-and-set: of two concurrent callers only one
      // changes the row (PostgreSQL re-checks the WHERE after waiting on the row lock).
      const claimed = await trx.updateTable('registration_tokens').set({ used_at: now.getTime(), agent_id: agent.id })
        .where('tenant_id', '=', this.tenantId).where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null).where('revoked_at', 'is', null).where('expires_at', '>', now.getTime())
        .returning('id').executeTakeFirst();
      if (!claimed) {
        // The same agent again (its answer was lost): it proves nothing new and gets nothing new,
        // since it already holds the secret behind the unchanged hash.
        const token = await trx.selectFrom('registration_tokens').select(['agent_id', 'used_at'])
          .where('tenant_id', '=', this.tenantId).where('token_hash', '=', tokenHash)
          .where('revoked_at', 'is', null).executeTakeFirst();
        if (!token || token.used_at === null) return null;
        if (token.agent_id !== agent.id) {
          // Another agent won the token (two agents started with it at once, or it was copied):
          // nothing is created for this one, and it is told which host holds the registration.
          if (token.agent_id == null) return { usedByAnother: { host: null } };
          const winner = await trx.selectFrom('agents').select('host')
            .where('tenant_id', '=', this.tenantId).where('id', '=', token.agent_id).executeTakeFirst();
          return { usedByAnother: { host: winner?.host ?? null } };
        }
        const row = await trx.selectFrom('agents').selectAll()
          .where('tenant_id', '=', this.tenantId).where('id', '=', agent.id).where('credential_hash', '=', agent.credentialHash)
          .where('revoked_at', 'is', null).executeTakeFirst();
        return row ? { agent: toAgent(row), replayed: true } : null;
      }
      const record: AgentRecord = {
        ...agent, credentialExpiresAt: agent.credentialExpiresAt ?? null, lastHeartbeat: null, source: null, sourceFlavor: null, syncAccount: null, tlsVerificationDisabled: false,
        revokedAt: null, previousCredentialHash: null, previousCredentialExpiresAt: null, cleartextLinks: [],
      };
      await trx.insertInto('agents').values({
        tenant_id: this.tenantId,
        id: record.id,
        host: record.host,
        version: record.version,
        credential_hash: record.credentialHash,
        last_heartbeat: null,
        source: null,
        source_flavor: null,
        sync_account: null,
        tls_verification_disabled: 0,
        created_at: record.createdAt.getTime(),
        revoked_at: null,
        credential_expires_at: record.credentialExpiresAt?.getTime() ?? null,
        previous_credential_hash: null,
        previous_credential_expires_at: null,
        cleartext_links: null,
      }).execute();
      return { agent: record, replayed: false };
    });
  }

  async findAgent(id: string): Promise<AgentRecord | null> {
    const row = await this.db.selectFrom('agents').selectAll().where('tenant_id', '=', this.tenantId).where('id', '=', id).executeTakeFirst();
    return row ? toAgent(row) : null;
  }

  /** `active` is whether the agent holds an unexpired lease right now. */
  async listAgents(): Promise<AgentView[]> {
    const [rows, lease] = await Promise.all([
      this.db.selectFrom('agents').selectAll().where('tenant_id', '=', this.tenantId).orderBy('created_at').orderBy('id').execute(),
      this.db.selectFrom('agent_lease').selectAll().where('tenant_id', '=', this.tenantId).executeTakeFirst(),
    ]);
    const now = Date.now();
    const activeId = lease && toNumber(lease.expires_at) > now ? lease.agent_id : null;
    return rows.map((row) => {
      const schedule = row.schedule ? (JSON.parse(row.schedule) as AgentSchedule) : null;
      const state = agentStateOf({
        revokedAt: toDate(row.revoked_at), signedOffAt: toDate(row.signed_off_at), lastHeartbeat: toDate(row.last_heartbeat),
        heartbeatMs: schedule?.heartbeatMs ?? null, holdsLease: row.id === activeId,
      }, new Date(now));
      return {
      id: row.id,
      host: row.host,
      version: row.version,
      lastHeartbeat: row.last_heartbeat === null ? null : toDate(row.last_heartbeat).toISOString(),
      source: row.source,
      sourceFlavor: sourceFlavorOf(row.source_flavor),
      syncAccount: row.sync_account,
      passwordProgress: row.password_progress ? (JSON.parse(row.password_progress) as PasswordProgressView) : null,
      directoryProgress: row.directory_progress ? (JSON.parse(row.directory_progress) as DirectoryProgressView) : null,
      revokedAt: row.revoked_at === null ? null : toDate(row.revoked_at).toISOString(),
      credentialExpiresAt: row.credential_expires_at === null ? null : toDate(row.credential_expires_at).toISOString(),
      /** Holds the lease; `state` says whether it is also alive (a silent agent keeps the lease up to its end). */
      active: row.id === activeId,
      state,
      signedOffAt: row.signed_off_at === null ? null : toDate(row.signed_off_at).toISOString(),
      schedule,
      };
    });
  }

  signOffAgent(id: string, at: Date): Promise<void> {
    return management.signOffAgent(this.ctx, id, at);
  }

  requestSync(mode: SyncMode, by: string, at: Date): Promise<void> {
    return management.requestSync(this.ctx, mode, by, at);
  }

  getSyncRequest(): Promise<SyncRequestRecord | null> {
    return management.getSyncRequest(this.ctx);
  }

  markSyncRequest(requestedAt: Date, agentId: string, update: { state: 'running'; at: Date } | { state: 'done'; at: Date; runId: string | null; outcome: SyncNowOutcome }): Promise<boolean> {
    return management.markSyncRequest(this.ctx, requestedAt, agentId, update);
  }

  replacePendingDeletes(runId: string, items: Array<{ kind: 'user' | 'group'; anchor: string; dn: string }>): Promise<void> {
    return management.replacePendingDeletes(this.ctx, runId, items);
  }

  listPendingDeletes(): Promise<PendingDeleteRecord[]> {
    return management.listPendingDeletes(this.ctx);
  }

  async recordHeartbeat(id: string, at: Date, info: { host: string; version: string; source?: string | undefined; sourceFlavor?: SourceFlavor | undefined; syncAccount?: string | undefined; tlsVerificationDisabled?: boolean | undefined; passwordProgress?: PasswordProgressView | null | undefined; directoryProgress?: DirectoryProgressView | null | undefined; cleartextLinks?: CleartextLinkName[] | undefined; schedule?: AgentSchedule | undefined }): Promise<void> {
    await this.db.updateTable('agents').set({
      last_heartbeat: at.getTime(),
      // A heartbeat after a sign-off: the agent is back.
      signed_off_at: null,
      ...(info.schedule !== undefined ? { schedule: JSON.stringify(info.schedule) } : {}),
      host: info.host,
      version: info.version,
      ...(info.source !== undefined ? { source: info.source } : {}),
      // Absent from agents before the field: what the store knows (migration 0031 filled it) stays.
      ...(info.sourceFlavor !== undefined ? { source_flavor: info.sourceFlavor } : {}),
      ...(info.syncAccount !== undefined ? { sync_account: info.syncAccount } : {}),
      ...(info.tlsVerificationDisabled !== undefined ? { tls_verification_disabled: info.tlsVerificationDisabled ? 1 : 0 } : {}),
      ...(info.passwordProgress !== undefined ? { password_progress: info.passwordProgress === null ? null : JSON.stringify(info.passwordProgress) } : {}),
      ...(info.directoryProgress !== undefined ? { directory_progress: info.directoryProgress === null ? null : JSON.stringify(info.directoryProgress) } : {}),
      // Every heartbeat states the links in full: an agent restarted without allowCleartext clears them.
      cleartext_links: info.cleartextLinks && info.cleartextLinks.length > 0 ? info.cleartextLinks.join(',') : null,
    }).where('tenant_id', '=', this.tenantId).where('id', '=', id).execute();
  }

  async acquireLease(agentId: string, now: Date, ttlSeconds: number): Promise<boolean> {
    const nowMs = now.getTime();
    // One statement, so atomic on both databases: insert when free, renew when ours, take over
    // when expired; otherwise the upsert's WHERE fails and nothing is returned.
    const row = await this.db.insertInto('agent_lease')
      .values({ tenant_id: this.tenantId, agent_id: agentId, expires_at: nowMs + ttlSeconds * 1000 })
      .onConflict((oc) => oc.column('tenant_id')
        .doUpdateSet((eb) => ({ agent_id: eb.ref('excluded.agent_id'), expires_at: eb.ref('excluded.expires_at') }))
        .where((eb) => eb.or([eb('agent_lease.agent_id', '=', agentId), eb('agent_lease.expires_at', '<=', nowMs)])))
      .returning('agent_id')
      .executeTakeFirst();
    return row?.agent_id === agentId;
  }

  // ---------- batches ----------

  applyObjectBatch(batchId: string, agentId: string, changes: ObjectChange[], now: Date): Promise<ApplyObjectsResult & { duplicate: boolean }> {
    return applyObjectBatch(this.ctx, batchId, agentId, changes, now);
  }

  applyPasswordBatch(batchId: string, agentId: string, items: PasswordBatchItem[], now: Date): Promise<ApplyObjectsResult & { duplicate: boolean }> {
    return applyPasswordBatch(this.ctx, batchId, agentId, items, now);
  }

  async clearAllVerifiers(): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('password_verifiers').where('tenant_id', '=', this.tenantId).executeTakeFirst();
      await trx.deleteFrom('password_state').where('tenant_id', '=', this.tenantId).execute();
      await trx.updateTable('settings').set((eb) => ({ password_epoch: eb('password_epoch', '+', 1), updated_at: Date.now() }))
        .where('tenant_id', '=', this.tenantId).execute();
      return Number(result.numDeletedRows);
    });
  }

  // ---------- runs and errors ----------

  /**
   * Records a run once (a re-sent report with the same id changes nothing) and replaces the
   * agent-origin errors of its kind with `agentErrors`, keeping `first_seen` of those that persist.
   */
  async recordRun(run: SyncRunRecord, agentErrors: NewSyncError[]): Promise<void> {
    const t = this.tenantId;
    const seen = run.finishedAt.getTime();
    await this.db.transaction().execute(async (trx) => {
      const inserted = await trx.insertInto('sync_runs').values({
        tenant_id: t,
        id: run.id,
        agent_id: run.agentId,
        kind: run.kind,
        mode: run.mode,
        started_at: run.startedAt.getTime(),
        finished_at: seen,
        outcome: run.outcome,
        counts: JSON.stringify(run.counts),
        error_code: run.errorCode,
        error_message: run.errorMessage,
        error_params: storedErrorParams(run.errorParams),
      }).onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing()).returning('id').executeTakeFirst();
      if (!inserted) return;

      const previous = await trx.selectFrom('sync_errors').select(['anchor', 'code', 'first_seen'])
        .where('tenant_id', '=', t).where('origin', '=', 'agent').where('run_kind', '=', run.kind).execute();
      const firstSeen = new Map(previous.map((e) => [`${e.anchor}\u0000${e.code}`, toNumber(e.first_seen)]));
      // A full run saw everything: its errors replace the agent's earlier ones. A delta saw only what
      // changed, so earlier errors of objects it did not read stay (a successful upsert clears them).
      const replaceAll = run.mode === 'full' || run.mode === null;
      const reported = new Set(agentErrors.map((e) => e.anchor));
      if (replaceAll) {
        await trx.deleteFrom('sync_errors').where('tenant_id', '=', t).where('origin', '=', 'agent').where('run_kind', '=', run.kind).execute();
      } else {
        for (const part of chunk([...reported], listChunk(this.ctx.dialect))) {
          await trx.deleteFrom('sync_errors').where('tenant_id', '=', t).where('origin', '=', 'agent').where('run_kind', '=', run.kind)
            .where(inList(this.ctx.dialect, 'anchor', part)).execute();
        }
      }

      const rows = new Map<string, SyncErrorsTable>();
      for (const e of agentErrors) {
        const key = `${e.anchor}\u0000${e.code}`;
        rows.set(key, {
          tenant_id: t, origin: 'agent', run_kind: run.kind, anchor: e.anchor, code: e.code, kind: e.kind, dn: e.dn,
          attribute: e.attribute, message: e.message, hint: e.hint, params: storedErrorParams(e.params), first_seen: firstSeen.get(key) ?? seen, last_seen: seen,
        });
      }
      await insertRows(trx, this.ctx, 'sync_errors', [...rows.values()]);
    });
  }

  async lastSuccessfulRun(kind: SyncRunKind): Promise<SyncRunRecord | null> {
    const row = await this.db.selectFrom('sync_runs').selectAll()
      .where('tenant_id', '=', this.tenantId).where('kind', '=', kind).where('outcome', 'in', SUCCESSFUL_OUTCOMES)
      .orderBy('finished_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row ? toRun(row) : null;
  }

  async lastRun(kind?: SyncRunKind): Promise<SyncRunRecord | null> {
    let query = this.db.selectFrom('sync_runs').selectAll().where('tenant_id', '=', this.tenantId);
    if (kind !== undefined) query = query.where('kind', '=', kind);
    const row = await query.orderBy('finished_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row ? toRun(row) : null;
  }

  async listRuns(limit: number): Promise<SyncRunRecord[]> {
    const rows = await this.db.selectFrom('sync_runs').selectAll().where('tenant_id', '=', this.tenantId)
      .orderBy('finished_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toRun);
  }

  listRunsPage(query: { page: number; pageSize: number }): Promise<{ items: SyncRunRecord[]; total: number }> {
    return listRunsPage(this.ctx, query, toRun);
  }

  getUserDetail(anchor: string): Promise<UserDetail | null> {
    return getUserDetail(this.ctx, anchor);
  }

  getGroupDetail(anchor: string): Promise<GroupDetail | null> {
    return getGroupDetail(this.ctx, anchor);
  }

  listGroupMembers(anchor: string, query: { page: number; pageSize: number }): Promise<Page<GroupMemberView>> {
    return listGroupMembers(this.ctx, anchor, query);
  }

  /** Number of error rows (as listed by `listSyncErrors`); an object with two problems counts twice. */
  passwordCoverage(problemCodes: readonly string[], syncedBefore: Date | null): Promise<PasswordCoverage> {
    return passwordCoverage(this.ctx, problemCodes, syncedBefore);
  }

  pruneHistory(policy: RetentionPolicy, now: Date): Promise<PruneResult> {
    return pruneHistory(this.ctx, policy, now);
  }

  async countSyncErrors(): Promise<number> {
    const row = await this.db.selectFrom('sync_errors').select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('tenant_id', '=', this.tenantId).executeTakeFirstOrThrow();
    return toNumber(row.n);
  }

  /** Newest first. `search` matches anchor, DN and message (case-insensitive substring). */
  async listSyncErrors(query: { page: number; pageSize: number; code?: string | undefined; search?: string | undefined }): Promise<Page<SyncErrorView>> {
    let base = this.db.selectFrom('sync_errors').where('tenant_id', '=', this.tenantId);
    if (query.code) base = base.where('code', '=', query.code);
    const search = query.search?.trim();
    if (search) {
      base = base.where((eb) => eb.or([
        containsLower(sql`lower(anchor)`, search),
        containsLower(sql`lower(dn)`, search),
        containsLower(sql`lower(message)`, search),
      ]));
    }
    const [rows, count] = await Promise.all([
      base.selectAll().orderBy('last_seen', 'desc').orderBy('anchor').orderBy('code').orderBy('origin')
        .limit(query.pageSize).offset((query.page - 1) * query.pageSize).execute(),
      base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return {
      items: rows.map((r) => ({
        anchor: r.anchor,
        kind: r.kind as 'user' | 'group',
        dn: r.dn,
        attribute: r.attribute,
        code: r.code,
        message: r.message,
        params: readStoredErrorParams(r.params),
        hint: r.hint,
        firstSeen: toDate(r.first_seen).toISOString(),
        lastSeen: toDate(r.last_seen).toISOString(),
      })),
      total: toNumber(count.n),
      page: query.page,
      pageSize: query.pageSize,
    };
  }

  // ---------- directory objects ----------

  listUsers(query: { search?: string | undefined; page: number; pageSize: number }): Promise<Page<UserView>> {
    return listUsers(this.ctx, query);
  }

  countUsers(): Promise<number> {
    return countUsers(this.ctx);
  }

  listGroups(query: { search?: string | undefined; page: number; pageSize: number }): Promise<Page<GroupView>> {
    return listGroups(this.ctx, query);
  }

  listSyncedObjects(after: string, limit: number): Promise<SyncedObjectRef[]> {
    return listSyncedObjects(this.ctx, after, limit);
  }

  listVerifierFingerprints(after: string, limit: number): Promise<Array<{ anchor: string; fingerprint: string | null }>> {
    return listVerifierFingerprints(this.ctx, after, limit);
  }

  requestPreview(by: string, at: Date): Promise<void> {
    return requestPreview(this.ctx, by, at);
  }

  getPreview(): Promise<PreviewRecord | null> {
    return getPreview(this.ctx);
  }

  savePreview(requestedAt: Date, result: CyclePreviewResult, at: Date): Promise<boolean> {
    return savePreview(this.ctx, requestedAt, result, at);
  }

  findUserForSignIn(username: string): Promise<StoredUserForSignIn | null> {
    return findUserForSignIn(this.ctx, username);
  }

  getPasswordState(anchor: string): Promise<PasswordState | null> {
    return getPasswordState(this.ctx, anchor);
  }

  async sampleVerifiers(limit: number): Promise<PasswordVerifier[][]> {
    const rows = await this.db.selectFrom('password_verifiers').select('verifiers').where('tenant_id', '=', this.tenantId).limit(limit).execute();
    return rows.map((row) => JSON.parse(row.verifiers) as PasswordVerifier[]);
  }

  groupNamesOf(anchor: string): Promise<string[]> {
    return groupNamesOf(this.ctx, anchor);
  }

  // ---------- lockouts ----------

  async reserveLockout(input: LockoutReserveInput): Promise<LockoutReservation> {
    const now = input.now.getTime();
    const t = this.tenantId;
    // One statement, so concurrent reservations (from any process) serialize on the row. SET
    // expressions read the row as it was before this statement.
    const locked = sql`(lockouts.locked_until is not null and lockouts.locked_until > ${now})`;
    const forgotten = sql`(lockouts.last_failure_at < ${now - input.forgetAfterMs})`;
    const admits = sql`(lockouts.failures < (case when lockouts.lock_count = 0 then ${input.threshold} else 1 end))`;
    const result = await sql<{ failures: number | string; lock_count: number | string; locked_until: number | string | null; grant_token: string | null }>`
      insert into lockouts (tenant_id, key, failures, locked_until, last_failure_at, lock_count, grant_token)
      values (${t}, ${input.key}, 1, null, ${now}, 0, ${input.token})
      on conflict (tenant_id, key) do update set
        failures = case when ${locked} then lockouts.failures when ${forgotten} then 1 when ${admits} then lockouts.failures + 1 else lockouts.failures end,
        lock_count = case when ${forgotten} then 0 else lockouts.lock_count end,
        locked_until = case when ${forgotten} then null else lockouts.locked_until end,
        grant_token = case when ${locked} then lockouts.grant_token when ${forgotten} or ${admits} then ${input.token} else lockouts.grant_token end,
        last_failure_at = case when ${locked} then lockouts.last_failure_at when ${forgotten} or ${admits} then ${now} else lockouts.last_failure_at end
      returning failures, lock_count, locked_until, grant_token`.execute(this.db);
    const row = result.rows[0];
    if (!row) throw new Error('The lockout reservation returned no row.');
    return {
      key: input.key,
      granted: row.grant_token === input.token,
      failures: toNumber(row.failures),
      lockCount: toNumber(row.lock_count),
      lockedUntil: toDate(row.locked_until),
    };
  }

  async lockLockout(input: { key: string; lockCount: number; allowance: number; until: Date; now: Date }): Promise<boolean> {
    const until = input.until.getTime();
    // The series' end moves to the lock's end: it is forgotten counting from there.
    const result = await this.db.updateTable('lockouts')
      .set((eb) => ({ locked_until: until, last_failure_at: until, failures: 0, lock_count: eb('lock_count', '+', 1) }))
      .where('tenant_id', '=', this.tenantId).where('key', '=', input.key)
      .where('lock_count', '=', input.lockCount).where('failures', '>=', input.allowance)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', input.now.getTime())]))
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async releaseLockout(key: string, lockCount: number): Promise<void> {
    await this.db.updateTable('lockouts').set((eb) => ({ failures: eb('failures', '-', 1) }))
      .where('tenant_id', '=', this.tenantId).where('key', '=', key).where('lock_count', '=', lockCount).where('failures', '>', 0)
      .execute();
  }

  async clearLockout(key: string): Promise<void> {
    await this.db.deleteFrom('lockouts').where('tenant_id', '=', this.tenantId).where('key', '=', key).execute();
  }

  async sweepLockouts(input: { now: Date; forgetAfterMs: number; familiarBefore: Date }): Promise<number> {
    const now = input.now.getTime();
    const lockouts = await this.db.deleteFrom('lockouts').where('tenant_id', '=', this.tenantId)
      .where('last_failure_at', '<', now - input.forgetAfterMs)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .executeTakeFirst();
    const familiar = await this.db.deleteFrom('sign_in_familiar').where('tenant_id', '=', this.tenantId)
      .where('last_seen_at', '<', input.familiarBefore.getTime()).executeTakeFirst();
    return Number(lockouts.numDeletedRows) + Number(familiar.numDeletedRows);
  }

  async isFamiliar(subject: string, kind: 'device' | 'address', value: string): Promise<boolean> {
    const row = await this.db.selectFrom('sign_in_familiar').select('subject')
      .where('tenant_id', '=', this.tenantId).where('subject', '=', subject).where('kind', '=', kind).where('value', '=', value)
      .executeTakeFirst();
    return row !== undefined;
  }

  async rememberFamiliar(subject: string, kind: 'device' | 'address', value: string, at: Date): Promise<void> {
    await this.db.insertInto('sign_in_familiar').values({ tenant_id: this.tenantId, subject, kind, value, last_seen_at: at.getTime() })
      .onConflict((oc) => oc.columns(['tenant_id', 'subject', 'kind', 'value']).doUpdateSet({ last_seen_at: at.getTime() }))
      .execute();
  }

  // ---------- audit ----------

  async audit(entry: { actor: string; action: string; details: Record<string, unknown>; at: Date }): Promise<void> {
    await this.db.insertInto('audit_log').values({
      tenant_id: this.tenantId,
      id: randomUUID(),
      at: entry.at.getTime(),
      actor: entry.actor,
      action: entry.action,
      details: JSON.stringify(entry.details),
    }).execute();
  }

  /** Newest first. */
  async listAudit(query: { page: number; pageSize: number }): Promise<Page<AuditEntry>> {
    const base = this.db.selectFrom('audit_log').where('tenant_id', '=', this.tenantId);
    const [rows, count] = await Promise.all([
      base.selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(query.pageSize).offset((query.page - 1) * query.pageSize).execute(),
      base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return {
      items: rows.map((r) => ({ id: r.id, at: toDate(r.at).toISOString(), actor: r.actor, action: r.action, details: JSON.parse(r.details) as Record<string, unknown> })),
      total: toNumber(count.n),
      page: query.page,
      pageSize: query.pageSize,
    };
  }
}

export function toAdmin(row: Selectable<AdminsTable>): AdminRecord {
  return {
    id: row.id, username: row.username, role: row.role as Role, passwordHash: row.password_hash, createdAt: toDate(row.created_at),
    disabledAt: toDate(row.disabled_at), mustChangePassword: row.must_change_password === 1,
  };
}

function toToken(row: RegistrationTokensTable): RegistrationTokenRecord {
  return { id: row.id, tokenHash: row.token_hash, createdBy: row.created_by, expiresAt: toDate(row.expires_at), usedAt: toDate(row.used_at), revokedAt: toDate(row.revoked_at), createdAt: toDate(row.created_at) };
}

/** The stored flavor, if it is one dirbridge knows (the column is plain text). */
function sourceFlavorOf(value: string | null): SourceFlavor | null {
  return (SOURCE_FLAVORS as readonly string[]).includes(value ?? '') ? (value as SourceFlavor) : null;
}

function toAgent(row: AgentsTable): AgentRecord {
  return {
    id: row.id,
    host: row.host,
    version: row.version,
    credentialHash: row.credential_hash,
    lastHeartbeat: toDate(row.last_heartbeat),
    source: row.source,
    sourceFlavor: sourceFlavorOf(row.source_flavor),
    syncAccount: row.sync_account,
    tlsVerificationDisabled: row.tls_verification_disabled === 1,
    createdAt: toDate(row.created_at),
    revokedAt: toDate(row.revoked_at),
    credentialExpiresAt: toDate(row.credential_expires_at),
    previousCredentialHash: row.previous_credential_hash,
    previousCredentialExpiresAt: toDate(row.previous_credential_expires_at),
    cleartextLinks: row.cleartext_links ? (row.cleartext_links.split(',') as CleartextLinkName[]) : [],
    signedOffAt: toDate(row.signed_off_at),
  };
}

function toRun(row: SyncRunsTable): SyncRunRecord {
  return {
    id: row.id,
    agentId: row.agent_id,
    kind: row.kind as SyncRunKind,
    mode: row.mode,
    startedAt: toDate(row.started_at),
    finishedAt: toDate(row.finished_at),
    outcome: row.outcome as SyncRunRecord['outcome'],
    counts: JSON.parse(row.counts) as Record<string, number>,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    errorParams: readStoredErrorParams(row.error_params),
  };
}

/**
 * What the tenant service needs from its store, as narrow repositories. The HTTP layer and the
 * domain rules depend on these interfaces only; `kysely-store.ts` implements them for SQLite and
 * PostgreSQL. Every method is scoped to one tenant (every row carries `tenant_id`).
 * Times are `Date` in and out; JSON columns are parsed objects.
 */
import type { ErrorParams } from '../../shared/error-params.js';
import type { ObjectChange, SyncRunKind, SyncRunOutcome } from '../../sync/model.js';
import type { KdfParams, PasswordVerifier } from '../../passwords/verifier-model.js';
import type { LockoutReservation } from '../domain/lockout.js';
import type { AgentView, AuditEntry, DirectoryProgressView, PasswordProgressView, CyclePreviewResult, GroupView, Page, Role, SourceFlavor, SyncErrorView, UserView } from '../api/contract.js';
import type { OidcRepository } from './oidc-repository.js';
import type { AlertRepository } from './alert-repository.js';
import type { AgentSchedule, PendingDeleteView, SyncMode, SyncNowOutcome } from '../api/dirsync-manage-contract.js';
import type { GroupDetail, GroupMemberView, UserDetail } from '../api/detail-contract.js';

export interface TenantSettings {
  directorySyncEnabled: boolean;
  passwordSyncEnabled: boolean;
  staleAfterHours: number;
  deleteThreshold: number;
  /** Relative half of the delete guard: a cycle deleting more than this share (%) of the synced objects stops. */
  deleteThresholdPercent: number;
  allowedDeletes: number;
  /** The KDF of new verifiers: a vetted preset (KDF_PRESETS) or custom scrypt parameters. */
  kdfParams: KdfParams;
  /** Moves on every removal of all synced verifiers; agents then send every verifier again. */
  passwordEpoch: number;
  /** When an admin last asked for a password reconciliation; agents run one when it moves. */
  passwordReconcileRequestedAt: Date | null;
}

export interface AdminRecord {
  id: string;
  username: string;
  role: Role;
  /** Encoded KDF hash of the admin password (see tenant/domain/admin-password.ts). */
  passwordHash: string;
  createdAt: Date;
  /** A disabled admin cannot sign in; their sessions end. */
  disabledAt: Date | null;
  /** Set for a generated or reset password: the first sign-in must choose a new one. */
  mustChangePassword: boolean;
}

export interface SessionRecord {
  /** sha256 of the session token (the cookie holds the token). */
  idHash: string;
  adminId: string;
  csrfToken: string;
  /** The absolute end of the session, whatever the activity. */
  expiresAt: Date;
  createdAt: Date;
  /** Last request seen (for the idle timeout). */
  lastSeenAt: Date;
}

export type CleartextLinkName = 'tenant' | 'directory';

export interface AgentRecord {
  id: string;
  host: string;
  version: string;
  credentialHash: string;
  lastHeartbeat: Date | null;
  source: string | null;
  /** The kind of directory the agent reported (migration 0031); null when it did not report one. */
  sourceFlavor: SourceFlavor | null;
  syncAccount: string | null;
  tlsVerificationDisabled: boolean;
  createdAt: Date;
  revokedAt: Date | null;
  /** When the agent signed off (a graceful stop); null once it heartbeats again. */
  signedOffAt?: Date | null;
  /** When the current credential stops being accepted (null: a credential from before expiry existed). */
  credentialExpiresAt: Date | null;
  /** The credential before the last rotation, accepted until its (short) overlap ends. */
  previousCredentialHash: string | null;
  previousCredentialExpiresAt: Date | null;
  /** Links the agent runs in clear (allowCleartext), as it reported them. */
  cleartextLinks: CleartextLinkName[];
}

/** The outcome of a registration: the agent, the token used by another agent, or null (unknown, expired, revoked). */
export type RegistrationRedemption = { agent: AgentRecord; replayed: boolean } | { usedByAnother: { host: string | null } } | null;

/** What registration creates; the lifecycle fields start empty. */
export type NewAgent = Pick<AgentRecord, 'id' | 'host' | 'version' | 'credentialHash' | 'createdAt'> & { credentialExpiresAt?: Date | null | undefined };

/** A new session; created and last-seen default to its creation time. */
export type NewSession = Omit<SessionRecord, 'createdAt' | 'lastSeenAt'> & { createdAt?: Date | undefined; lastSeenAt?: Date | undefined };

export interface RegistrationTokenRecord {
  id: string;
  tokenHash: string;
  createdBy: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
  /** Null for tokens created before this was recorded. */
  createdAt?: Date | null;
}

export interface SyncRunRecord {
  id: string;
  agentId: string;
  kind: SyncRunKind;
  mode: string | null;
  startedAt: Date;
  finishedAt: Date;
  outcome: SyncRunOutcome;
  counts: Record<string, number>;
  errorCode: string | null;
  errorMessage: string | null;
  /** The facts of the run's error by name (validated by the API: `checkErrorParams`); null when none. */
  errorParams?: ErrorParams | null;
}

export interface NewSyncError {
  anchor: string;
  kind: 'user' | 'group';
  dn: string;
  attribute: string | null;
  code: string;
  message: string;
  hint: string;
  /** The message's facts by name (validated by the API: `checkErrorParams`). */
  params?: ErrorParams | undefined;
  /** 'agent' errors are replaced by each run report; 'tenant' errors by each batch touching the anchor. */
  origin: 'agent' | 'tenant';
  /** Run kind for agent errors (directory or password), so a password run replaces only password errors. */
  runKind: SyncRunKind;
}

export interface StoredUserForSignIn {
  anchor: string;
  userPrincipalName: string;
  displayName: string | null;
  mail: string | null;
  enabled: boolean;
  verifiers: PasswordVerifier[];
}

export interface PasswordState {
  anchor: string;
  scheme: string | null;
  lastAttemptAt: Date | null;
  lastSuccessAt: Date | null;
  resultCode: string | null;
  sourceChangedAt: Date | null;
}

/** One reservation on a lockout counter (see tenant/domain/lockout.ts). */
export interface LockoutReserveInput {
  key: string;
  /** Attempts a fresh series admits; one once a lock of the series ran out. */
  threshold: number;
  /** Unique per attempt: the store reports the reservation granted when this token is the one it kept. */
  token: string;
  now: Date;
  forgetAfterMs: number;
}

/** "Sync now": the last request and how far the agent got with it. */
export interface SyncRequestRecord {
  mode: SyncMode;
  requestedAt: Date;
  requestedBy: string;
  agentId: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  runId: string | null;
  outcome: SyncNowOutcome | null;
}

export type PendingDeleteRecord = PendingDeleteView;

export interface PreviewRecord {
  requestedAt: Date;
  requestedBy: string;
  completedAt: Date | null;
  result: CyclePreviewResult | null;
}

/** What the status judges of password flow (see password-coverage.ts). */
export interface PasswordCoverage {
  /** Synchronized users with a verifier. */
  usersWithPassword: number;
  /** Users the agent reported without a usable password, by error code (among the codes asked for). */
  problemsByCode: Record<string, number>;
  /** Users synced before the given time with neither a verifier nor a reported password problem. */
  unexplained: number;
}

/** How long history is kept: by age (days) and by count, whichever removes more. */
export interface RetentionPolicy {
  runs: { maxAgeDays: number; maxCount: number };
  batches: { maxAgeDays: number; maxCount: number };
  audit: { maxAgeDays: number; maxCount: number };
  lockouts: { maxAgeDays: number; maxCount: number };
}

/** Rows removed per table by one pruning. */
export interface PruneResult { runs: number; batches: number; audit: number; lockouts: number }

export interface ApplyObjectsResult {
  applied: number;
  /** `quarantined`: the object applied without the value named (held by another object); retried when it is read again. */
  errors: Array<{ anchor: string; code: string; message: string; hint: string; attribute: string | null; params?: ErrorParams; quarantined?: boolean }>;
}

/** One tenant's data. Obtained from `TenantStore.forTenant(id)`. */
export interface TenantRepository {
  readonly tenantId: string;

  getSettings(): Promise<TenantSettings>;
  updateSettings(patch: Partial<TenantSettings>): Promise<TenantSettings>;

  // admins and sessions
  createAdmin(input: { username: string; role: Role; passwordHash: string; mustChangePassword?: boolean | undefined }): Promise<AdminRecord>;
  findAdminByUsername(username: string): Promise<AdminRecord | null>;
  findAdminById(id: string): Promise<AdminRecord | null>;
  countAdmins(): Promise<number>;
  createSession(session: NewSession): Promise<void>;
  findSession(idHash: string, now: Date): Promise<SessionRecord | null>;
  deleteSession(idHash: string): Promise<void>;
  listAdmins(): Promise<AdminRecord[]>;
  /** Returns false when no such admin exists. */
  updateAdmin(id: string, patch: { disabledAt?: Date | null; passwordHash?: string; mustChangePassword?: boolean }): Promise<boolean>;
  /** Removes the admin and their sessions; false when no such admin exists. */
  deleteAdmin(id: string): Promise<boolean>;
  /** Ends every session of the admin (all but `keepIdHash` when given); returns how many ended. */
  deleteSessionsOf(adminId: string, keepIdHash?: string): Promise<number>;
  /** Records activity on a session (the idle timeout counts from here). */
  touchSession(idHash: string, at: Date): Promise<void>;

  // agents
  createRegistrationToken(token: Omit<RegistrationTokenRecord, 'revokedAt'>): Promise<void>;
  listRegistrationTokens(): Promise<RegistrationTokenRecord[]>;
  /**
   * Marks the token used and creates the agent atomically; null when the token is unknown, used or
   * expired. The same registration again (the token used by this very agent id, whose credential
   * hash is unchanged and which is not revoked) returns that agent with `replayed`, creating nothing:
   * an agent whose answer was lost retries safely. A token another agent used (a race of two
   * agents, or a token copied to a second host) answers `usedByAnother` with that agent's host,
   * creating nothing, so the loser can be told what to do.
   */
  redeemRegistrationToken(tokenHash: string, now: Date, agent: NewAgent): Promise<RegistrationRedemption>;
  /** Marks an unused token revoked; false when unknown, used or already revoked. */
  revokeRegistrationToken(id: string, at: Date): Promise<boolean>;
  /** Revokes the agent (its next call is refused) and frees its lease; false when unknown or already revoked. */
  revokeAgent(id: string, at: Date): Promise<boolean>;
  /**
   * Replaces the agent's credential if it is still `expectedHash` (compare-and-set: two
   * concurrent rotations cannot both win); the old one stays valid until `previousExpiresAt`.
   */
  rotateAgentCredential(id: string, expectedHash: string, next: { credentialHash: string; expiresAt: Date; previousExpiresAt: Date }): Promise<boolean>;
  findAgent(id: string): Promise<AgentRecord | null>;
  listAgents(): Promise<AgentView[]>;
  recordHeartbeat(id: string, at: Date, info: { host: string; version: string; source?: string | undefined; sourceFlavor?: SourceFlavor | undefined; syncAccount?: string | undefined; tlsVerificationDisabled?: boolean | undefined; passwordProgress?: PasswordProgressView | null | undefined; cleartextLinks?: CleartextLinkName[] | undefined; schedule?: AgentSchedule | undefined }): Promise<void>;
  /** A graceful stop: the agent shows as offline at once and frees the active lease. */
  signOffAgent(id: string, at: Date): Promise<void>;
  recordHeartbeat(id: string, at: Date, info: { host: string; version: string; source?: string | undefined; sourceFlavor?: SourceFlavor | undefined; syncAccount?: string | undefined; tlsVerificationDisabled?: boolean | undefined; passwordProgress?: PasswordProgressView | null | undefined; directoryProgress?: DirectoryProgressView | null | undefined; cleartextLinks?: CleartextLinkName[] | undefined }): Promise<void>;
  /** Lease for the active agent: granted when free, held by `agentId`, or expired. Returns whether `agentId` holds it after the call. */
  acquireLease(agentId: string, now: Date, ttlSeconds: number): Promise<boolean>;

  // batches (all-or-nothing; a batch id already recorded changes nothing and returns duplicate)
  applyObjectBatch(batchId: string, agentId: string, changes: ObjectChange[], now: Date): Promise<ApplyObjectsResult & { duplicate: boolean }>;
  applyPasswordBatch(batchId: string, agentId: string, items: Array<
    | { op: 'set'; anchor: string; verifiers: PasswordVerifier[]; changedAt?: string | undefined; fingerprint?: string | undefined }
    | { op: 'clear'; anchor: string }
    | { op: 'error'; anchor: string; scheme: string | null; code: string; message: string }
  >, now: Date): Promise<ApplyObjectsResult & { duplicate: boolean }>;
  /** Removes every synced verifier (the confirmed admin action). Returns how many users had one. */
  clearAllVerifiers(): Promise<number>;

  // runs and errors
  recordRun(run: SyncRunRecord, agentErrors: NewSyncError[]): Promise<void>;
  lastSuccessfulRun(kind: SyncRunKind): Promise<SyncRunRecord | null>;
  lastRun(kind?: SyncRunKind): Promise<SyncRunRecord | null>;
  listRuns(limit: number): Promise<SyncRunRecord[]>;
  /** Runs newest first, paged, with their total (the sync history). */
  listRunsPage(query: { page: number; pageSize: number }): Promise<{ items: SyncRunRecord[]; total: number }>;
  countSyncErrors(): Promise<number>;
  /** Password flow: verifiers, reported problems among `problemCodes`, and users synced before `syncedBefore` left without either. */
  passwordCoverage(problemCodes: readonly string[], syncedBefore: Date | null): Promise<PasswordCoverage>;
  /** Removes old runs, batch records, audit entries and lockout rows (never the runs the status reads, nor a lockout in force). */
  pruneHistory(policy: RetentionPolicy, now: Date): Promise<PruneResult>;
  listSyncErrors(query: { page: number; pageSize: number; code?: string | undefined; search?: string | undefined }): Promise<Page<SyncErrorView>>;

  // directory objects
  /** Synced (on-premises) users and groups with anchor > `after`, ordered by anchor, at most `limit`. */
  listSyncedObjects(after: string, limit: number): Promise<Array<{ anchor: string; kind: 'user' | 'group'; dn: string; fingerprint: string }>>;
  /** Users holding a synced verifier with anchor > `after`, ordered by anchor, with the fingerprint it was sent with. */
  listVerifierFingerprints(after: string, limit: number): Promise<Array<{ anchor: string; fingerprint: string | null }>>;
  listUsers(query: { search?: string | undefined; page: number; pageSize: number }): Promise<Page<UserView>>;
  countUsers(): Promise<number>;
  listGroups(query: { search?: string | undefined; page: number; pageSize: number }): Promise<Page<GroupView>>;
  /** Finds an enabled or disabled user by UPN or any mail address (case-insensitive). */
  findUserForSignIn(username: string): Promise<StoredUserForSignIn | null>;
  getPasswordState(anchor: string): Promise<PasswordState | null>;
  /** The verifiers of up to `limit` synced users (which ones is unspecified), so an unknown user's check can cost the same. */
  sampleVerifiers(limit: number): Promise<PasswordVerifier[][]>;
  groupNamesOf(anchor: string): Promise<string[]>;
  /** One user with groups, password state, errors and history; null when no user has this anchor. */
  getUserDetail(anchor: string): Promise<UserDetail | null>;
  /** One group with the groups it is a member of; null when no group has this anchor. */
  getGroupDetail(anchor: string): Promise<GroupDetail | null>;
  /** A page of the group's direct members (users, nested groups, members not synced), in anchor order. */
  listGroupMembers(anchor: string, query: { page: number; pageSize: number }): Promise<Page<GroupMemberView>>;

  // sign-in lockout (keys: tenant/domain/lockout.ts). Every method is one atomic statement, so
  // concurrent attempts from several processes never overwrite each other's count.
  /** Reserves one failure unless the counter is locked or its allowance is taken. */
  reserveLockout(input: LockoutReserveInput): Promise<LockoutReservation>;
  /** Starts a lock if the series is still at `lockCount` and full; true for the one caller that did. */
  lockLockout(input: { key: string; lockCount: number; allowance: number; until: Date; now: Date }): Promise<boolean>;
  /** Gives one reservation back (a success, or an attempt refused by another counter). */
  releaseLockout(key: string, lockCount: number): Promise<void>;
  clearLockout(key: string): Promise<void>;
  /** Removes series forgotten by `now` and familiar clients not seen since `familiarBefore`; returns rows removed. */
  sweepLockouts(input: { now: Date; forgetAfterMs: number; familiarBefore: Date }): Promise<number>;
  isFamiliar(subject: string, kind: 'device' | 'address', value: string): Promise<boolean>;
  rememberFamiliar(subject: string, kind: 'device' | 'address', value: string, at: Date): Promise<void>;

  // cycle preview (a dry run an admin asks for; the agent answers)
  requestPreview(by: string, at: Date): Promise<void>;
  getPreview(): Promise<PreviewRecord | null>;
  savePreview(requestedAt: Date, result: CyclePreviewResult, at: Date): Promise<boolean>;

  // "Sync now" (the agent picks the request up at its next heartbeat)
  requestSync(mode: SyncMode, by: string, at: Date): Promise<void>;
  getSyncRequest(): Promise<SyncRequestRecord | null>;
  /** Records progress on the request made at `requestedAt` unless a newer one replaced it or it is done; returns whether it did. */
  markSyncRequest(requestedAt: Date, agentId: string, update: { state: 'running'; at: Date } | { state: 'done'; at: Date; runId: string | null; outcome: SyncNowOutcome }): Promise<boolean>;

  // deletes held back by the delete guard, by name
  replacePendingDeletes(runId: string, items: Array<{ kind: 'user' | 'group'; anchor: string; dn: string }>): Promise<void>;
  listPendingDeletes(): Promise<PendingDeleteRecord[]>;

  // audit
  audit(entry: { actor: string; action: string; details: Record<string, unknown>; at: Date }): Promise<void>;
  listAudit(query: { page: number; pageSize: number }): Promise<Page<AuditEntry>>;
}

export interface TenantStore {
  readonly dialect: 'sqlite' | 'postgres';
  /** Applies pending migrations (idempotent; safe to run from several processes at once). */
  migrate(): Promise<void>;
  /** Creates the tenant (and its default settings) if it does not exist. */
  ensureTenant(tenantId: string, name: string): Promise<void>;
  forTenant(tenantId: string): TenantRepository;
  /** The tenant's OpenID Connect provider data (clients, artifacts, keys). */
  oidc(tenantId: string): OidcRepository;
  /** The tenant's alert channels, open alerts and delivery outbox. */
  alerts(tenantId: string): AlertRepository;
  /** Cheap liveness probe for /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The tenant HTTP API contract, shared by the server (validation), the agent's client and the
 * admin center (types only). All paths are under /api/v1. Errors are always
 * `{ error: { code, message, hint, details?, params? } }` with the registry's HTTP status.
 *
 * Agent endpoints authenticate with `Authorization: Bearer <agent credential>`.
 * Admin endpoints authenticate with the `dirbridge_session` cookie (HttpOnly, SameSite=Strict);
 * every change (POST/PATCH/PUT/DELETE) also needs the `x-csrf-token` header from /auth/me or sign-in.
 */
import { z } from 'zod';
import { checkErrorParams, ERROR_PARAM_LIMITS, RESERVED_PARAM_NAMES, type ErrorParams } from '../../shared/error-params.js';
import { KDF_PRESET_NAMES, type KdfParams, type KdfPreset } from '../../passwords/verifier-model.js';
import { agentScheduleSchema, heldDeleteSchema, HELD_DELETES_LISTED, type AgentSchedule, type AgentState, type SyncMode } from './dirsync-manage-contract.js';

const anchor = z.string().min(1).max(512);
const dn = z.string().max(4096);
const shortText = z.string().max(1024);
/** `ErrorParams` from an agent: refused (not cut) when outside the bounds, like every other field of a report. */
export const errorParamsSchema = z.record(
  z.string().regex(ERROR_PARAM_LIMITS.namePattern).refine((name) => !RESERVED_PARAM_NAMES.has(name), 'is a reserved name'),
  z.union([z.string().max(ERROR_PARAM_LIMITS.maxValueChars), z.number()]),
).refine((params) => checkErrorParams(params) === null, `at most ${ERROR_PARAM_LIMITS.maxCount} names`) satisfies z.ZodType<ErrorParams>;

// ---------- objects ----------
export const syncedUserSchema = z.object({
  kind: z.literal('user'),
  anchor,
  dn,
  userPrincipalName: z.string().min(1).max(1024),
  displayName: shortText.nullable(),
  givenName: shortText.nullable(),
  surname: shortText.nullable(),
  mail: z.string().max(1024).nullable(),
  otherMails: z.array(z.string().max(1024)).max(100),
  enabled: z.boolean(),
});

export const syncedGroupSchema = z.object({
  kind: z.literal('group'),
  anchor,
  dn,
  name: z.string().min(1).max(1024),
  description: z.string().max(4096).nullable(),
  mail: z.string().max(1024).nullable(),
  memberAnchors: z.array(anchor).max(1_000_000),
});

export const objectChangeSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('upsert'), object: z.discriminatedUnion('kind', [syncedUserSchema, syncedGroupSchema]) }),
  z.object({ op: z.literal('delete'), kind: z.enum(['user', 'group']), anchor, dn }),
]);

const batchId = z.string().min(8).max(128);

// ---------- agent API ----------
/** POST /api/v1/agent/register (no auth; the token is the proof) */
export const agentRegisterRequest = z.object({
  registrationToken: z.string().min(16).max(512),
  host: z.string().min(1).max(255),
  version: z.string().min(1).max(64),
  /**
   * The identity the agent generated and saved before asking (both or neither): its id and the
   * sha256 (hex) of its secret. The secret never travels, and a retry after a lost answer, with
   * the same token, id and hash, is answered with the same registration instead of a refusal.
   */
  agentId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/).optional(),
  credentialHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export interface AgentRegisterResponse {
  agentId: string;
  /** Shown once; the tenant keeps only a hash. Absent when the agent sent its own (credentialHash). */
  credential?: string;
}

/** POST /api/v1/agent/heartbeat */
/** How far the running password cycle is (a first sync of many users takes a while). */
export const passwordProgressSchema = z.object({
  mode: z.enum(['full', 'delta', 'persist']),
  startedAt: z.string().datetime(),
  /** Exported users whose password was looked at so far, of `total`. */
  processed: z.number().int().min(0),
  /** Users in scope for a full read; for a delta (whose size is known only once read) what it read so far. */
  total: z.number().int().min(0),
  /** Verifiers derived so far. */
  derived: z.number().int().min(0),
  /** Estimated seconds to the end; null until it can be estimated. */
  etaSeconds: z.number().int().min(0).nullable(),
});
export type PasswordProgressView = z.infer<typeof passwordProgressSchema>;

/** How far the running directory cycle is: objects read and exported so far. */
export const directoryProgressSchema = z.object({
  mode: z.enum(['full', 'delta']),
  startedAt: z.string().datetime(),
  phase: z.enum(['reading', 'groups', 'deletes', 'done']),
  /** Directory entries read so far. */
  read: z.number().int().min(0),
  /** Objects the directory held at the last cycle (the agent's export record): the expected size of a full read; null when unknown (a first sync). */
  expected: z.number().int().min(0).nullable(),
  /** Adds, updates and deletes the tenant accepted so far. */
  exported: z.number().int().min(0),
  errors: z.number().int().min(0),
  /** Estimated seconds to the end of reading; null until it can be estimated. */
  etaSeconds: z.number().int().min(0).nullable(),
});
export type DirectoryProgressView = z.infer<typeof directoryProgressSchema>;

/** Which kind of directory an agent reads: decides, among others, how password hashes reach it (AD: MS-DRSR). */
export const SOURCE_FLAVORS = ['openldap', '389ds', 'ad', 'ldif'] as const;
export const sourceFlavorSchema = z.enum(SOURCE_FLAVORS);
export type SourceFlavor = z.infer<typeof sourceFlavorSchema>;

export const agentHeartbeatRequest = z.object({
  host: z.string().min(1).max(255),
  version: z.string().min(1).max(64),
  /** Short, secret-free description of the source for the admin center (e.g. "ldap://dc1:389 (openldap)"); for people, never parsed. */
  source: z.string().max(512).optional(),
  /** The source's kind, as its own field (agents before it send none: the tenant then does not know it). */
  sourceFlavor: sourceFlavorSchema.optional(),
  syncAccount: z.string().max(1024).optional(),
  tlsVerificationDisabled: z.boolean().optional(),
  /** The running password cycle's progress; null once it ended. Absent: unchanged. */
  passwordProgress: passwordProgressSchema.nullable().optional(),
  /** The running directory cycle's progress; null once it ended. Absent: unchanged. */
  directoryProgress: directoryProgressSchema.nullable().optional(),
  /** Links the agent was allowed to run in clear (agent.allowCleartext): shown as a warning. */
  cleartextLinks: z.array(z.enum(['tenant', 'directory'])).max(2).optional(),
  /** The agent's intervals and next runs, for the schedule in DirSync management. */
  schedule: agentScheduleSchema.optional(),
});


/** GET /api/v1/agent/settings, also returned by heartbeat */
export interface AgentSettings {
  directorySyncEnabled: boolean;
  passwordSyncEnabled: boolean;
  kdfParams: KdfParams;
  deleteThreshold: number;
  /** A cycle that would delete more than this share (%) of the synced objects also stops (0 = off). */
  deleteThresholdPercent: number;
  /** Number of deletes an admin allowed for the next cycle beyond the threshold (0 = none). */
  allowedDeletes: number;
  /** When this agent's credential expires; the agent renews it (POST /agent/credential) well before. */
  credentialExpiresAt?: string | null;
  /** From when the agent should renew its credential (null: at once). */
  credentialRenewAt?: string | null;
  /** Whether this agent holds the active lease (standby agents only heartbeat). */
  active: boolean;
  /** Set while an admin waits for a preview (dry run) of the next cycle; the agent answers with POST /agent/preview. */
  previewRequestedAt: string | null;
  /** Moves when an admin removed every synced verifier: the agent then sends every verifier again. */
  passwordEpoch: number;
  /** When an admin last asked for a password reconciliation (null: never); the agent runs one when it moves. */
  passwordReconcileRequestedAt: string | null;
  /** An admin's "Sync now" not yet done; the agent marks it running (POST /agent/sync-request), runs it, then marks it done. */
  syncRequest?: { requestedAt: string; mode: SyncMode } | null;
}

/** POST /api/v1/agent/batches/objects */
export const objectBatchRequest = z.object({
  batchId,
  changes: z.array(objectChangeSchema).max(5000),
});

export const passwordVerifierSchema = z.object({
  scheme: z.string().min(1).max(64),
  schemeParams: z.record(z.string(), z.union([z.string().max(1024), z.number()])),
  kdf: z.enum(['scrypt', 'argon2id']),
  kdfParams: z.union([
    z.object({ log2N: z.number().int().min(10).max(22), r: z.number().int().min(1).max(32), p: z.number().int().min(1).max(16), keyLength: z.number().int().min(16).max(64) }).strict(),
    z.object({ algorithm: z.literal('argon2id'), memoryKib: z.number().int().min(8).max(262_144), passes: z.number().int().min(1).max(10), parallelism: z.number().int().min(1).max(4), keyLength: z.number().int().min(16).max(64) }).strict(),
  ]),
  salt: z.string().min(8).max(256),
  hash: z.string().min(8).max(256),
});

/** POST /api/v1/agent/batches/passwords */
export const passwordBatchRequest = z.object({
  batchId,
  items: z.array(
    z.discriminatedUnion('op', [
      z.object({
        op: z.literal('set'), anchor, verifiers: z.array(passwordVerifierSchema).min(1).max(16), changedAt: z.string().datetime().optional(),
        /** The agent's keyed fingerprint of the source hash (reveals nothing without the agent's key). */
        fingerprint: z.string().max(128).optional(),
      }),
      z.object({ op: z.literal('clear'), anchor }),
      z.object({ op: z.literal('error'), anchor, scheme: z.string().max(64).nullable(), code: z.string().max(64), message: z.string().max(1024) }),
    ]),
  ).max(5000),
});

export interface BatchResult {
  batchId: string;
  /** True when this batch id was applied before: nothing changed this time. */
  duplicate: boolean;
  applied: number;
  /**
   * Per-object problems. `quarantined: true`: the object was applied without the value the error
   * names (a UPN or mail another object holds); the agent records it and sends it again when it
   * reads it next, so it takes the value once the holder lets go of it.
   */
  errors: Array<{ anchor: string; code: string; message: string; hint: string; attribute: string | null; quarantined?: boolean }>;
}

/** GET /api/v1/agent/objects?after=&limit=: the objects synced from the directory, ordered by anchor */
export const syncedObjectsQuery = z.object({
  after: z.string().max(512).default(''),
  limit: z.coerce.number().int().min(1).max(10_000).default(5000),
});
export interface SyncedObjectsPage {
  /** `fingerprint`: of what the tenant holds, as the agent fingerprints what it reads (sync/plan.ts). */
  items: Array<{ anchor: string; kind: 'user' | 'group'; dn: string; fingerprint: string }>;
  /** Pass as `after` for the next page; null at the end. */
  next: string | null;
}

const previewObject = z.object({ kind: z.enum(['user', 'group']), dn });
/** POST /api/v1/agent/preview: the answer to a preview request (a dry run: nothing was exported) */
export const cyclePreviewReport = z.object({
  requestedAt: z.string().datetime(),
  result: z.object({
    mode: z.enum(['full', 'delta']),
    adds: z.array(previewObject).max(1000),
    updates: z.array(previewObject).max(1000),
    deletes: z.array(previewObject).max(1000),
    counts: z.object({ adds: z.number().int().min(0), updates: z.number().int().min(0), deletes: z.number().int().min(0), unchanged: z.number().int().min(0), errors: z.number().int().min(0) }),
    /** Set when the deletes exceed the threshold: the real cycle would hold them back. */
    deleteThresholdExceeded: z.boolean(),
    /** The failure that stopped the preview (e.g. DIR_BIND_FAILED), if any. */
    errorCode: z.string().max(64).nullable(),
    errorMessage: z.string().max(2048).nullable(),
    /** The failure's facts by name, for the code's template in the admin's language; untrusted, bounded like sync errors'. */
    errorParams: errorParamsSchema.nullable().optional(),
  }),
});
export type CyclePreviewReport = z.infer<typeof cyclePreviewReport>;
export type CyclePreviewResult = CyclePreviewReport['result'];
/** GET /api/v1/dirsync/preview */
export interface CyclePreview {
  status: 'none' | 'pending' | 'ready';
  requestedAt: string | null;
  requestedBy: string | null;
  completedAt: string | null;
  result: CyclePreviewResult | null;
}

/** POST /api/v1/agent/runs: a finished (or failed) cycle */
export const syncRunReport = z.object({
  runId: z.string().min(8).max(128),
  kind: z.enum(['directory', 'password']),
  mode: z.enum(['full', 'delta', 'persist']).optional(),
  startedAt: z.string().datetime(),
  finishedAt: z.string().datetime(),
  outcome: z.enum(['success', 'partial', 'failed', 'blocked']),
  counts: z.record(z.string(), z.number().int().min(0)),
  errorCode: z.string().max(64).nullable(),
  errorMessage: z.string().max(2048).nullable(),
  /** The facts of the run's error by name (the URL, the LDIF lines, the delete counts), for the code's template in the admin's language; refused beyond the bounds. */
  errorParams: errorParamsSchema.nullable().optional(),
  /** Per-object errors found by the agent in this run (mapping, scheme). Replaces the agent-side errors of earlier runs of the same kind. */
  objectErrors: z.array(z.object({
    anchor,
    kind: z.enum(['user', 'group']),
    dn,
    attribute: z.string().max(256).nullable(),
    code: z.string().max(64),
    message: z.string().max(2048),
    hint: z.string().max(2048),
    /** The message's facts by name; untrusted, so refused unless short names with short string or number values. */
    params: errorParamsSchema.optional(),
  })).max(100_000),
  /** Set when a full cycle produced the complete plan; anchors not present were deleted. */
  pendingDeletes: z.number().int().min(0).optional(),
  /** The deletes the guard held back, by name (up to HELD_DELETES_LISTED), so an admin sees what they allow. */
  heldDeletes: z.array(heldDeleteSchema).max(HELD_DELETES_LISTED).optional(),
});

// ---------- admin API ----------
export type Role = 'global_admin' | 'global_reader';

/** POST /api/v1/auth/sign-in */
export const adminSignInRequest = z.object({ username: z.string().min(1).max(256), password: z.string().min(1).max(1024) });
/** GET /api/v1/auth/me, and the body of a successful sign-in */
export interface AdminSession {
  username: string;
  role: Role;
  csrfToken: string;
  /** The password was generated or reset: only POST /api/v1/auth/password (and sign-out) is allowed until it is changed. */
  mustChangePassword: boolean;
}

export type WarningCode =
  | 'DIRECTORY_SYNC_STALE'
  | 'DIRECTORY_SYNC_NEVER_RAN'
  | 'PASSWORD_SYNC_STALE'
  | 'PASSWORD_SYNC_NEVER_RAN'
  | 'AGENT_SILENT'
  | 'NO_AGENT'
  | 'LAST_CYCLE_FAILED'
  | 'DELETE_THRESHOLD_EXCEEDED'
  | 'SOURCE_READ_EMPTY'
  | 'OBJECTS_IN_ERROR'
  | 'TLS_VERIFICATION_DISABLED'
  | 'PASSWORDS_NOT_SYNCED'
  | 'CLEARTEXT_CONNECTION';

/**
 * Why a synchronized user has no password in the tenant: the sync account cannot read it, the hash
 * scheme is unsupported or malformed, the user has none, the directory kind has no hash sync yet,
 * or nothing was reported though a password cycle ran since the user arrived.
 */
export type PasswordProblemCause = 'no_read_right' | 'unsupported_scheme' | 'no_password' | 'source_without_hash_sync' | 'not_synced';
export interface PasswordProblem { cause: PasswordProblemCause; count: number }

/**
 * The facts each warning may carry (`params`), so the admin center states them in the admin's
 * language with `warnings.detail.<CODE>` (or `detail_<form>`); times are ISO strings it shows in
 * local format. The i18n test holds the templates to these names.
 */
export const WARNING_PARAM_NAMES = {
  DIRECTORY_SYNC_STALE: ['hours', 'lastSync'],
  PASSWORD_SYNC_STALE: ['hours', 'lastSync'],
  AGENT_SILENT: ['form', 'minutes'],
  LAST_CYCLE_FAILED: ['form', 'finishedAt', 'errorCode'],
  DELETE_THRESHOLD_EXCEEDED: ['pending', 'synced', 'threshold', 'percent'],
  SOURCE_READ_EMPTY: ['pending'],
  OBJECTS_IN_ERROR: ['errors'],
  PASSWORDS_NOT_SYNCED: ['users'],
  TLS_VERIFICATION_DISABLED: ['hosts'],
  CLEARTEXT_CONNECTION: ['hosts'],
} as const satisfies Partial<Record<WarningCode, readonly string[]>>;

export interface StatusWarning {
  code: WarningCode;
  /** English, for the CLI, logs and older admin centers. */
  message: string;
  troubleshooterUrl: string;
  /** The warning's facts (WARNING_PARAM_NAMES); absent on warnings that have none. */
  params?: ErrorParams;
  /** LAST_CYCLE_FAILED: the failed run's own error, rendered with its code's template. */
  cause?: { errorCode: string | null; errorMessage: string | null; errorParams: ErrorParams | null };
}

export interface AgentView {
  id: string;
  host: string;
  version: string;
  lastHeartbeat: string | null;
  active: boolean;
  source: string | null;
  /** The kind of directory the agent reads, as it reported it; null from agents that do not report it. */
  sourceFlavor?: SourceFlavor | null;
  syncAccount: string | null;
  /** The agent's running password cycle, when one runs. */
  /** Set once an admin revoked the agent: its credential is refused. */
  revokedAt?: string | null;
  credentialExpiresAt?: string | null;
  passwordProgress?: PasswordProgressView | null;
  /** Active, standby, offline (signed off, or heartbeats missed) or revoked. */
  state?: AgentState;
  /** When the agent last signed off (a graceful stop); null once it heartbeats again. */
  signedOffAt?: string | null;
  /** The schedule it last reported. */
  schedule?: AgentSchedule | null;
  /** The agent's running directory cycle, when one runs. */
  directoryProgress?: DirectoryProgressView | null;
}

/** GET /api/v1/agent/verifiers: the users holding a synced verifier, with its fingerprint, paged by anchor. */
export interface SyncedVerifiersPage {
  items: Array<{ anchor: string; fingerprint: string | null }>;
  next: string | null;
}

/** GET /api/v1/dirsync/status (also what `dirbridge status --json` prints) */
export interface DirSyncStatus {
  state: 'healthy' | 'warning' | 'never_synced';
  directorySyncEnabled: boolean;
  lastDirectorySync: string | null;
  passwordSyncEnabled: boolean;
  lastPasswordSync: string | null;
  staleAfterHours: number;
  warnings: StatusWarning[];
  agents: AgentView[];
  syncErrorCount: number;
  syncClientVersion: string | null;
  syncServiceAccount: string | null;
  lastCycle: { kind: 'directory' | 'password'; outcome: string; finishedAt: string; errorCode: string | null; errorMessage: string | null; errorParams: ErrorParams | null } | null;
  pendingDeletes: number | null;
  /** The delete guard: a cycle deleting more than `deleteThreshold` objects, or more than `deleteThresholdPercent` % of those synced, stops. */
  deleteThreshold: number;
  deleteThresholdPercent: number;
  /** Password flow: users with a synchronized password, and those without one per cause. */
  passwords: { usersWithPassword: number; usersWithoutPassword: number; problems: PasswordProblem[] };
}

/** PATCH /api/v1/dirsync/settings (global admin); answers with the tenant's settings (GET /api/v1/dirsync/settings) */
export const settingsPatchRequest = z.object({
  passwordSyncEnabled: z.boolean().optional(),
  directorySyncEnabled: z.boolean().optional(),
  staleAfterHours: z.number().int().min(1).max(24 * 365).optional(),
  deleteThreshold: z.number().int().min(0).max(10_000_000).optional(),
  /** Percent of the synced objects a cycle may delete before it stops (0 switches the relative guard off). */
  deleteThresholdPercent: z.number().int().min(0).max(100).optional(),
  /**
   * The vetted KDF parameter set of new verifiers (docs/passwords.md: each one's cost). Agents
   * re-derive every verifier on their next password cycle; until a user's new verifier arrives the
   * old one keeps signing them in.
   */
  kdfPreset: z.enum(KDF_PRESET_NAMES as [KdfPreset, ...KdfPreset[]]).optional(),
  /** Custom scrypt parameters of new verifiers, for tests and special cases; prefer kdfPreset. */
  kdfParams: z.object({ log2N: z.number().int().min(12).max(20), r: z.number().int().min(1).max(32), p: z.number().int().min(1).max(16), keyLength: z.number().int().min(16).max(64) }).strict().optional(),
}).strict();

export interface UserView {
  anchor: string;
  userPrincipalName: string;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  enabled: boolean;
  source: 'on_premises' | 'cloud';
  dn: string | null;
  passwordSynced: boolean;
  lastSyncedAt: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  /**
   * Present (true) when more items match than were counted: `total` is then a lower bound,
   * shown as "10,000+". A search of users or groups counts its matches up to a limit.
   */
  totalIsLowerBound?: true;
  page: number;
  pageSize: number;
}

/** GET /api/v1/users?search=&page=1&pageSize=25 */
export const userListQuery = z.object({
  search: z.string().max(256).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(25),
});

export interface GroupView {
  anchor: string;
  name: string;
  description: string | null;
  mail: string | null;
  dn: string;
  memberCount: number;
}

export interface SyncErrorView {
  anchor: string;
  kind: 'user' | 'group';
  dn: string;
  attribute: string | null;
  code: string;
  /** In English, with the facts; for the CLI and for rows without params. */
  message: string;
  hint: string;
  /** The message's facts by name: the admin center renders the code's template in the admin's language with them. Null on rows from before. */
  params: ErrorParams | null;
  firstSeen: string;
  lastSeen: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  details: Record<string, unknown>;
}

export type Verdict = 'ok' | 'warning' | 'error';
export interface TroubleshooterCheck {
  id: 'agent_heartbeat' | 'last_cycle' | 'password_sync_enabled' | 'password_coverage' | 'directory_sync_stale' | 'password_sync_stale' | 'objects_in_error' | 'delete_threshold' | 'tls_verification' | 'cleartext';
  verdict: Verdict;
  /** What was found, in plain words (English; the admin center translates by id + verdict and uses `params`). */
  found: string;
  /** What to do; empty when ok. */
  action: string;
  params: Record<string, string | number | null>;
}
/** GET /api/v1/troubleshooter */
export interface TroubleshooterReport {
  ranAt: string;
  checks: TroubleshooterCheck[];
}

export interface PasswordTraceStep {
  id: 'in_scope' | 'object_synced' | 'password_sync_enabled' | 'scheme' | 'source_changed' | 'exported' | 'result';
  verdict: Verdict;
  /** What was found, in plain words (English; the admin center translates by id + verdict with `params`). */
  found: string;
  action: string;
  params: Record<string, string | number | null>;
}
export const passwordTraceQuery = z.object({ user: z.string().min(1).max(1024) });
/** GET /api/v1/troubleshooter/password-trace?user=<UPN or mail>: the last password sync of one user. Never any hash material. */
export interface PasswordTrace {
  user: string;
  anchor: string | null;
  ranAt: string;
  verdict: Verdict;
  steps: PasswordTraceStep[];
}

/** GET /api/v1/registration-tokens: the tokens, never their secret */
export interface RegistrationTokenView {
  id: string;
  createdBy: string;
  /** Null for tokens created before this was recorded. */
  createdAt?: string | null;
  expiresAt: string;
  usedAt: string | null;
  revokedAt: string | null;
}

/** POST /api/v1/registration-tokens (global admin) */
export interface RegistrationTokenCreated {
  id: string;
  /** Shown once. */
  token: string;
  expiresAt: string;
}

// ---------- end-user sign-in ----------
/** POST /api/v1/sign-in: 200 with the identity, 401 wrong, 429 locked (Retry-After) */
export const userSignInRequest = z.object({ username: z.string().min(1).max(1024), password: z.string().min(1).max(1024) });
export interface UserSignInResponse {
  anchor: string;
  userPrincipalName: string;
  displayName: string | null;
  mail: string | null;
}

export type AgentRegisterRequest = z.infer<typeof agentRegisterRequest>;
export type AgentHeartbeatRequest = z.infer<typeof agentHeartbeatRequest>;
export type ObjectBatchRequest = z.infer<typeof objectBatchRequest>;
export type PasswordBatchRequest = z.infer<typeof passwordBatchRequest>;
export type SyncRunReport = z.infer<typeof syncRunReport>;
export type SettingsPatch = z.infer<typeof settingsPatchRequest>;

/**
 * Row types of the store, shared by SQLite and PostgreSQL. The same DDL serves both:
 * times are epoch milliseconds (`bigint`; PostgreSQL hands them back as strings, so read them
 * through `toDate`/`toNumber`), booleans are 0/1 integers, JSON is text.
 */
import type { Generated } from 'kysely';

/** A bigint column: written as a number, read as number (SQLite) or string (PostgreSQL). */
type Big = number;

export interface TenantsTable {
  id: string;
  name: string;
  created_at: Big;
  /** The tenant's users and groups, kept by `applyObjectBatch` (migration 0007). */
  user_count: Generated<Big>;
  group_count: Generated<Big>;
}

export interface SettingsTable {
  tenant_id: string;
  directory_sync_enabled: number;
  password_sync_enabled: number;
  stale_after_hours: number;
  delete_threshold: number;
  /** Migration 0016. */
  delete_threshold_percent: Generated<number>;
  allowed_deletes: number;
  kdf_params: string;
  password_epoch: number;
  updated_at: Big;
  /** When an admin last asked for a password reconciliation (migration 0015). */
  password_reconcile_requested_at: Big | null;
}

export interface AdminsTable {
  tenant_id: string;
  id: string;
  username: string;
  username_lower: string;
  role: string;
  password_hash: string;
  created_at: Big;
  disabled_at: Big | null;
  must_change_password: Generated<number>;
}

export interface SessionsTable {
  tenant_id: string; id_hash: string; admin_id: string; csrf_token: string; expires_at: Big;
  created_at: Generated<Big>;
  last_seen_at: Generated<Big>;
}

export interface AgentsTable {
  tenant_id: string;
  id: string;
  host: string;
  version: string;
  credential_hash: string;
  last_heartbeat: Big | null;
  source: string | null;
  /** The kind of directory the agent reported (migration 0031): openldap, 389ds, ad or ldif. */
  source_flavor: string | null;
  sync_account: string | null;
  tls_verification_disabled: number;
  created_at: Big;
  /** The running password cycle's progress as JSON (migration 0015); null when none runs. */
  password_progress: string | null;
  /** The running directory cycle's progress as JSON (migration 0025); null when none runs. */
  directory_progress: string | null;
  revoked_at: Big | null;
  credential_expires_at: Big | null;
  previous_credential_hash: string | null;
  previous_credential_expires_at: Big | null;
  /** Comma-separated CleartextLink values the agent reported (allowCleartext), or null. */
  cleartext_links: string | null;
  /** When the agent signed off (a graceful stop; migration 0026); cleared by its next heartbeat. */
  signed_off_at: Big | null;
  /** The schedule the agent reported, as JSON (AgentSchedule). */
  schedule: string | null;
}

export interface RegistrationTokensTable {
  tenant_id: string;
  id: string;
  token_hash: string;
  created_by: string;
  expires_at: Big;
  used_at: Big | null;
  revoked_at: Big | null;
  /** The agent the token registered (0028); null before it is used and for tokens used before 0028. */
  agent_id?: string | null;
  /** Migration 0026; null for tokens created before. */
  created_at: Big | null;
}

export interface AgentLeaseTable { tenant_id: string; agent_id: string; expires_at: Big }

export interface UsersTable {
  tenant_id: string;
  anchor: string;
  dn: string | null;
  upn: string;
  upn_lower: string;
  display_name: string | null;
  display_name_lower: string | null;
  /** lower(display name, else UPN): the list order, never null so both databases sort alike. */
  sort_key: string;
  given_name: string | null;
  surname: string | null;
  mail: string | null;
  mail_lower: string | null;
  other_mails: string;
  enabled: number;
  source: string;
  created_at: Big;
  updated_at: Big;
}

export interface UserMailsTable { tenant_id: string; mail_lower: string; anchor: string }

export interface GroupsTable {
  tenant_id: string;
  anchor: string;
  dn: string;
  name: string;
  name_lower: string;
  description: string | null;
  mail: string | null;
  mail_lower: string | null;
  created_at: Big;
  updated_at: Big;
}

export interface MembershipsTable { tenant_id: string; group_anchor: string; member_anchor: string }

export interface PasswordVerifiersTable {
  tenant_id: string; anchor: string; verifiers: string; scheme: string; updated_at: Big;
  /** The agent's keyed fingerprint of the source hash (migration 0015); null for verifiers sent before. */
  fingerprint: string | null;
}

export interface PasswordStateTable {
  tenant_id: string;
  anchor: string;
  scheme: string | null;
  last_attempt_at: Big | null;
  last_success_at: Big | null;
  result_code: string | null;
  source_changed_at: Big | null;
}

export interface AppliedBatchesTable { tenant_id: string; batch_id: string; kind: string; agent_id: string; result: string; applied_at: Big }

export interface SyncRunsTable {
  tenant_id: string;
  id: string;
  agent_id: string;
  kind: string;
  mode: string | null;
  started_at: Big;
  finished_at: Big;
  outcome: string;
  counts: string;
  error_code: string | null;
  error_message: string | null;
  /** JSON `ErrorParams` of the run's error; null without an error, or on runs from before 0033. */
  error_params: string | null;
}

export interface SyncErrorsTable {
  tenant_id: string;
  origin: string;
  run_kind: string;
  anchor: string;
  code: string;
  kind: string;
  dn: string;
  attribute: string | null;
  message: string;
  hint: string;
  /** JSON object of the message's facts (`ErrorParams`); null on rows from before migration 0032. */
  params: string | null;
  first_seen: Big;
  last_seen: Big;
}

export interface AuditLogTable { tenant_id: string; id: string; at: Big; actor: string; action: string; details: string }

/** `failures` counts reserved attempts of the current series; `last_failure_at` is its last activity (a lock's end once locked). */
export interface LockoutsTable { tenant_id: string; key: string; failures: number; locked_until: Big | null; last_failure_at: Big; lock_count: Generated<number>; grant_token: string | null }

export interface SignInFamiliarTable { tenant_id: string; subject: string; kind: string; value: string; last_seen_at: Big }

export interface CyclePreviewsTable { tenant_id: string; requested_at: Big; requested_by: string; completed_at: Big | null; result: string | null }

/** "Sync now": one row per tenant, replaced by each request (migration 0026). */
export interface SyncRequestsTable {
  tenant_id: string; mode: string; requested_at: Big; requested_by: string;
  agent_id: string | null; started_at: Big | null; finished_at: Big | null; run_id: string | null; outcome: string | null;
}

/** The objects the last blocked directory cycle held back (migration 0026). */
export interface PendingDeletesTable { tenant_id: string; anchor: string; kind: string; dn: string; run_id: string }

export interface StoreDatabase {
  tenants: TenantsTable;
  settings: SettingsTable;
  admins: AdminsTable;
  sessions: SessionsTable;
  agents: AgentsTable;
  registration_tokens: RegistrationTokensTable;
  agent_lease: AgentLeaseTable;
  users: UsersTable;
  user_mails: UserMailsTable;
  groups: GroupsTable;
  memberships: MembershipsTable;
  password_verifiers: PasswordVerifiersTable;
  password_state: PasswordStateTable;
  applied_batches: AppliedBatchesTable;
  sync_runs: SyncRunsTable;
  sync_errors: SyncErrorsTable;
  audit_log: AuditLogTable;
  lockouts: LockoutsTable;
  sign_in_familiar: SignInFamiliarTable;
  cycle_previews: CyclePreviewsTable;
  sync_requests: SyncRequestsTable;
  pending_deletes: PendingDeletesTable;
  alert_channels: AlertChannelsTable;
  alert_state: AlertStateTable;
  alert_deliveries: AlertDeliveriesTable;
}

export interface AlertChannelsTable {
  tenant_id: string;
  id: string;
  kind: string;
  target: string;
  secret: string | null;
  created_by: string;
  created_at: Big;
}

export interface AlertStateTable {
  tenant_id: string;
  code: string;
  raised_at: Big;
  last_notified_at: Big;
  message: string;
}

export interface AlertDeliveriesTable {
  tenant_id: string;
  id: string;
  channel_id: string;
  event: string;
  code: string;
  message: string;
  created_at: Big;
  attempts: Generated<number>;
  next_attempt_at: Big;
  locked_until: Big | null;
  delivered_at: Big | null;
  failed_at: Big | null;
  last_error: string | null;
  last_error_code: string | null;
  /** JSON object (shared/error-params.ts); null before migration 0034 and for failures without facts. */
  last_error_params: string | null;
}

/**
 * The detail views' shapes: one user (GET /api/v1/users/{id}), one group and its members
 * (GET /api/v1/groups/{id}, /members) and the sync history (GET /api/v1/sync-runs), shared by the
 * routes and the admin center. Times are ISO strings; nothing here carries hash or verifier data.
 */
import { z } from 'zod';
import type { ErrorParams } from '../../shared/error-params.js';
import type { DirectoryProgressView, PasswordProgressView, SyncErrorView } from './contract.js';

export const pagedQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(25),
});

export interface GroupRef { anchor: string; name: string }

export interface UserDetail {
  anchor: string;
  dn: string | null;
  source: 'on_premises' | 'cloud';
  enabled: boolean;
  /** The attributes as the tenant holds them after the last sync. */
  attributes: {
    userPrincipalName: string;
    displayName: string | null;
    givenName: string | null;
    surname: string | null;
    mail: string | null;
    otherMails: string[];
  };
  /** Groups the user is a direct member of, by name. */
  groups: GroupRef[];
  password: {
    /** A verifier is stored: the user signs in with the directory password. */
    synced: boolean;
    scheme: string | null;
    lastAttemptAt: string | null;
    lastSuccessAt: string | null;
    /** The last result the agent reported: OK, or the problem's code (e.g. PASSWORD_SCHEME_UNSUPPORTED); null before any attempt. */
    resultCode: string | null;
    sourceChangedAt: string | null;
  };
  syncErrors: SyncErrorView[];
  /**
   * What the store records about this user over time (it keeps no per-object change log): when it
   * was first synced, when a change was last applied, and its password and error events, newest first.
   */
  history: HistoryEvent[];
}

export interface HistoryEvent {
  at: string;
  event: 'first_synced' | 'last_changed' | 'password_source_changed' | 'password_attempted' | 'password_synced' | 'error_first_seen' | 'error_last_seen';
  /** The error code for error events, the result code for a password attempt. */
  code: string | null;
  /** The directory or password run whose time span holds the event, when the history still keeps it. */
  run: { id: string; kind: 'directory' | 'password'; mode: string | null } | null;
}

export interface GroupDetail {
  anchor: string;
  dn: string;
  name: string;
  description: string | null;
  mail: string | null;
  memberCount: number;
  /** Groups this group is a member of (nesting upwards). */
  memberOf: GroupRef[];
  createdAt: string;
  updatedAt: string;
}

export interface GroupMemberView {
  anchor: string;
  /** `unknown`: a member the group lists that is not (or not yet) synchronized. */
  kind: 'user' | 'group' | 'unknown';
  /** Display name or UPN of a user, name of a group; null for an unknown member. */
  name: string | null;
  userPrincipalName: string | null;
  dn: string | null;
  enabled: boolean | null;
}

export interface SyncRunView {
  id: string;
  kind: 'directory' | 'password';
  mode: string | null;
  outcome: 'success' | 'partial' | 'failed' | 'blocked';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** The counts the admin reads: added, updated, deleted, derived (passwords), errors. */
  counts: { added: number; updated: number; deleted: number; derived: number; errors: number };
  errorCode: string | null;
  /** In English with the facts (CLI, logs, runs from before params). */
  errorMessage: string | null;
  /** The facts of the error by name: the admin center renders the code's template in the admin's language with them. */
  errorParams: ErrorParams | null;
  agentId: string;
}

export interface RunningSync {
  agentId: string;
  host: string;
  directory: DirectoryProgressView | null;
  password: PasswordProgressView | null;
}

/** GET /api/v1/sync-runs: the runs newest first, paged, and what runs now. */
export interface SyncHistory {
  items: SyncRunView[];
  total: number;
  page: number;
  pageSize: number;
  running: RunningSync[];
}

/**
 * What the agent exports and the tenant stores, keyed by the immutable source anchor
 * (entryUUID, objectGUID, or the normalized DN for LDIF).
 */
import type { ErrorParams } from '../shared/error-params.js';

export interface SyncedUser {
  kind: 'user';
  anchor: string;
  dn: string;
  userPrincipalName: string;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  /** Further addresses a user may sign in with (AD proxyAddresses, extra mail values). */
  otherMails: string[];
  enabled: boolean;
}

export interface SyncedGroup {
  kind: 'group';
  anchor: string;
  dn: string;
  name: string;
  description: string | null;
  mail: string | null;
  /** Anchors of direct members (users or groups: nested groups are kept as group members). */
  memberAnchors: string[];
}

export type SyncedObject = SyncedUser | SyncedGroup;
export type ObjectKind = SyncedObject['kind'];

export type ObjectChange =
  | { op: 'upsert'; object: SyncedObject }
  | { op: 'delete'; kind: ObjectKind; anchor: string; dn: string };

/** A per-object problem found by the agent or the tenant; it never aborts the cycle. */
export interface ObjectSyncError {
  anchor: string;
  kind: ObjectKind;
  dn: string;
  attribute: string | null;
  code: string;
  /** In English with the facts (CLI, logs). */
  message: string;
  hint: string;
  /** The facts of the message by name, for the code's template in the admin's language. */
  params?: ErrorParams;
}

export type SyncRunKind = 'directory' | 'password';
export type SyncRunOutcome = 'success' | 'partial' | 'failed' | 'blocked';

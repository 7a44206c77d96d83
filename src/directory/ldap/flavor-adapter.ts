/**
 * What each LDAP flavor brings on top of the shared core (ldap-core.ts): its delta cursor, how it
 * learns of deletes, how it pushes changes, and who is in memberOfGroup. One adapter per flavor:
 * openldap/openldap-adapter.ts, 389ds/389ds-adapter.ts, ad/ad-adapter.ts.
 */
import type { ChangeSet, ReadPurpose } from '../../sync/ports.js';
import type { MemberScope } from './ldap-core.js';

export interface FlavorAdapter {
  /** The change position now, read before a full cycle; null when there is no delta. */
  currentCursor(): Promise<string | null>;
  /** Changes since a (non-null) cursor; null when the cursor is no use (a full cycle follows). */
  readChanges(cursor: string, purpose: ReadPurpose): Promise<ChangeSet | null>;
  /** Who is in memberOfGroup, for a full read or an anchor listing ({} without memberOfGroup). */
  memberScope(): Promise<MemberScope>;
  /** Calls `onChange` soon after the directory changes; returns a function that stops watching. */
  watch?(onChange: () => void, onError: (error: unknown) => void): () => void;
  /** Which change watch runs and why (e.g. AD: notifications or the USN poll), null when none runs. */
  describeWatch?(): string | null;
  /** Stops what the adapter runs (watches); the core closes the connections. */
  close?(): void;
}

/**
 * The search filters of a source: users, groups, and their delta variants. Values that come from
 * configuration or the directory are escaped (RFC 4515) so they can never change a filter's shape.
 */
import { escapeFilter } from 'ldapts';

import { checkFilter, FLAVOR_DEFAULTS, type LdapSourceConfig } from './ldap-config.js';

/** Active Directory's LDAP_MATCHING_RULE_IN_CHAIN: membership through nested groups, evaluated by the DC.
 * https://learn.microsoft.com/en-us/windows/win32/adsi/search-filter-syntax */
export const AD_IN_CHAIN = '1.2.840.113556.1.4.1941';

export interface ScopeFilters {
  users: string;
  groups: string;
}

export function and(...filters: Array<string | undefined>): string {
  const parts = filters.filter((f): f is string => !!f);
  return parts.length === 1 ? (parts[0] as string) : `(&${parts.join('')})`;
}

export function scopeFilters(config: LdapSourceConfig): ScopeFilters {
  const defaults = FLAVOR_DEFAULTS[config.flavor];
  const users = checkFilter(config.userFilter ?? defaults.userFilter, 'userFilter');
  const groups = checkFilter(config.groupFilter ?? defaults.groupFilter, 'groupFilter');
  const extra = config.extraFilter ? checkFilter(config.extraFilter, 'extraFilter') : undefined;
  // memberOfGroup is applied per read, by the closure of member lists (member-of.ts); on AD a full
  // read over few groups also narrows the users' search by memberOfAny() (ad/ad-adapter.ts).
  return { users: and(users, extra), groups };
}

/**
 * How large one users' filter built from memberOfGroup may grow, in bytes of its text (longer than
 * its BER: an escaped byte is three characters). Well under the smallest search request a DC
 * takes whole: Samba refuses one above `ldap max search request size` (256,000 bytes by default,
 * smb.conf(5)), Windows above MaxReceiveBuffer (10 MB); the rest leaves room for the configured
 * filters, the attribute list and the controls.
 */
export const MEMBER_FILTER_MAX_BYTES = 100_000;

/**
 * Users that are direct members of any of these groups, as one filter or, for very long DNs, as
 * several, each at most `maxBytes` long: the reader runs one search per filter and drops the users
 * an earlier one returned. AD uses it for a few groups only (MEMBER_FILTER_MAX_GROUPS in
 * ad/ad-adapter.ts): Samba evaluates each term on every user without an index. AD's in-chain rule is kept for the few
 * groups (which groups nest in G) and not put on the users' search: Samba evaluates it per user
 * against the whole chain, which over a few thousand users overruns its own limits (ldb_wait).
 */
export function memberOfAny(groupDns: string[], maxBytes = MEMBER_FILTER_MAX_BYTES): string[] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = 3; // (|)
  for (const dn of groupDns) {
    const part = escapeFilter`(memberOf=${dn})`;
    const bytes = Buffer.byteLength(part);
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 3;
    }
    current.push(part);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks.map((parts) => (parts.length === 1 ? (parts[0] as string) : `(|${parts.join('')})`));
}

export type WatermarkAttribute = 'entryCSN' | 'modifyTimestamp' | 'uSNChanged';

/** Entries changed at or after a watermark: entryCSN (OpenLDAP), modifyTimestamp (389-DS) or uSNChanged (AD). */
export function changedSince(filter: string, attribute: WatermarkAttribute, value: string): string {
  return and(filter, `(${attribute}>=${escapeFilter`${value}`})`);
}

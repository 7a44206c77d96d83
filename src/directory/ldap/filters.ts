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
  // memberOfGroup is applied per read: on AD by memberOfAny() over the group and its nested groups
  // (ad/ad-adapter.ts), on OpenLDAP and 389-DS by the closure of member lists (member-of.ts).
  return { users: and(users, extra), groups };
}

/**
 * Users that are direct members of any of these groups. AD's in-chain rule is kept for the few
 * groups (which groups nest in G) and not put on the users' search: Samba evaluates it per user
 * against the whole chain, which over a few thousand users overruns its own limits (ldb_wait).
 */
export function memberOfAny(groupDns: string[]): string {
  const parts = groupDns.map((dn) => escapeFilter`(memberOf=${dn})`);
  return parts.length === 1 ? (parts[0] as string) : `(|${parts.join('')})`;
}

export type WatermarkAttribute = 'entryCSN' | 'modifyTimestamp' | 'uSNChanged';

/** Entries changed at or after a watermark: entryCSN (OpenLDAP), modifyTimestamp (389-DS) or uSNChanged (AD). */
export function changedSince(filter: string, attribute: WatermarkAttribute, value: string): string {
  return and(filter, `(${attribute}>=${escapeFilter`${value}`})`);
}

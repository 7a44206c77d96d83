/**
 * Settings of an LDAP directory source and the per-flavor defaults.
 */
import { FilterParser } from 'ldapts';

import { AppError } from '../../shared/errors.js';

export type LdapFlavor = 'openldap' | '389ds' | 'ad';

export interface LdapSourceConfig {
  /** ldap://host:port or ldaps://host:port */
  url: string;
  /** Upgrade an ldap:// connection with StartTLS (RFC 4511 section 4.14) before binding. */
  startTls?: boolean;
  /** PEM file with the CA(s) that signed the server certificate; without it the system CAs apply. */
  caFile?: string;
  /** Accept any server certificate. For tests only: it is logged as a warning on every connect. */
  tlsInsecureSkipVerify?: boolean;
  bindDn: string;
  /** Never logged. */
  bindPassword: string;
  /** Entries under these bases are in scope. */
  baseDns: string[];
  /** Entries at or under these DNs are out of scope, even when under a base. */
  excludeDns?: string[];
  userFilter?: string;
  groupFilter?: string;
  /** The admin's own filter, ANDed into the user filter (groups are chosen by groupFilter). */
  extraFilter?: string;
  /** Only users that are members of this group, directly or through nested groups. */
  memberOfGroup?: string;
  flavor: LdapFlavor;
  /** Entries per page (paged results control, RFC 2696). Default 1000. */
  pageSize?: number;
  timeouts?: {
    /** TCP (and TLS) connect, milliseconds. Default 10 000. */
    connectMs?: number;
    /** Silence within one search page or one RFC 4533 / contentsync refresh, milliseconds. Default 120 000. */
    operationMs?: number;
    /** A bind, StartTLS, a root DSE read, a liveness probe of the watch, milliseconds. Default 30 000. */
    requestMs?: number;
    /** Silence of the push watch after which the server is probed ("Who am I?"), milliseconds. Default 60 000. */
    watchProbeMs?: number;
  };
  /** Largest LDAP message accepted from the server, in bytes; a larger one fails the cycle (DIR_PROTOCOL_ERROR). Default 64 MiB. */
  maxMessageBytes?: number;
  /** Active Directory: how often the change watch reads highestCommittedUSN, milliseconds. Default 2 000. */
  changePollMs?: number;
  /** Attributes an objects read asks for (the agent passes what its mapping reads). Default every user attribute ('*'). */
  attributes?: string[];
}

export interface LdapLogger {
  warn(msg: string, meta?: object): void;
  /** News that is not a problem (which change watch runs); dropped when absent. */
  info?(msg: string, meta?: object): void;
}

export interface FlavorDefaults {
  userFilter: string;
  groupFilter: string;
  /** The immutable anchor attribute. */
  anchor: string;
  /** Operational attributes always read alongside. */
  operational: string[];
  /** What a passwords read asks for besides the anchor. */
  passwordAttributes: string[];
  /** The per-entry change mark the delta watermark compares (none on AD: uSNChanged is read from the root DSE). */
  changeMark?: string;
}

const LDAP_USER_FILTER = '(|(objectClass=inetOrgPerson)(objectClass=posixAccount))';
const LDAP_GROUP_FILTER = '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))';

export const FLAVOR_DEFAULTS: Record<LdapFlavor, FlavorDefaults> = {
  openldap: {
    userFilter: LDAP_USER_FILTER,
    groupFilter: LDAP_GROUP_FILTER,
    anchor: 'entryUUID',
    operational: ['entryCSN', 'modifyTimestamp'],
    passwordAttributes: ['userPassword', 'sambaNTPassword', 'modifyTimestamp', 'entryCSN'],
    changeMark: 'entryCSN',
  },
  // 389-DS and FreeIPA. The anchor is nsUniqueId, not entryUUID: every entry has it (entryUUID only
  // where the entryuuid plugin of 389-DS 2.x ran when the entry was added: entries older than the
  // plugin, or imported without it, have none), it survives renames, moves and replication, and it
  // is what the contentsync plugin names in its syncUUIDs, so deletes map to anchors directly.
  // Chosen once: changing the anchor would make every exported object look deleted and new.
  // https://github.com/389ds/389-ds-base/tree/main/src/plugins/entryuuid (fixup task for old entries)
  '389ds': {
    userFilter: LDAP_USER_FILTER,
    groupFilter: LDAP_GROUP_FILTER,
    anchor: 'nsUniqueId',
    // nsAccountLock: 389-DS's and FreeIPA's disabled flag (dsidm account lock, ipa user-disable).
    operational: ['modifyTimestamp', 'nsAccountLock'],
    passwordAttributes: ['userPassword', 'sambaNTPassword', 'modifyTimestamp'],
    changeMark: 'modifyTimestamp',
  },
  ad: {
    userFilter: '(&(objectCategory=person)(objectClass=user))',
    groupFilter: '(objectClass=group)',
    anchor: 'objectGUID',
    operational: ['uSNChanged', 'modifyTimestamp'],
    passwordAttributes: ['pwdLastSet', 'uSNChanged'],
  },
};

/** Wraps a bare filter ("uid=a*") in parentheses and checks that it parses. */
export function checkFilter(filter: string, key: string): string {
  const trimmed = filter.trim();
  const wrapped = trimmed.startsWith('(') ? trimmed : `(${trimmed})`;
  try {
    // Values carry parentheses only escaped (\28 \29, RFC 4515), so raw ones must balance; ldapts'
    // parser alone forgives a missing ")" at the end.
    let depth = 0;
    for (const [i, ch] of [...wrapped].entries()) {
      depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
      if (depth < 0 || (depth === 0 && i < wrapped.length - 1)) throw new Error('Unbalanced parentheses');
    }
    if (depth !== 0) throw new Error('Unbalanced parentheses');
    FilterParser.parseString(wrapped);
  } catch (error) {
    throw new AppError('CONFIG_INVALID', {
      message: `The LDAP filter in ${key} cannot be parsed: ${wrapped}`,
      hint: `Write ${key} as an RFC 4515 filter, for example (department=Sales).`,
      details: { key },
      cause: error,
    });
  }
  return wrapped;
}

export function checkConfig(config: LdapSourceConfig): void {
  if (!/^ldaps?:\/\//i.test(config.url)) {
    throw new AppError('CONFIG_INVALID', { message: `The directory URL must start with ldap:// or ldaps://: ${config.url}`, details: { key: 'url' } });
  }
  if (config.startTls && /^ldaps:/i.test(config.url)) {
    throw new AppError('CONFIG_INVALID', { message: 'startTls applies to ldap:// URLs; an ldaps:// URL is already encrypted.', hint: 'Use either ldaps:// or ldap:// with startTls.', details: { key: 'startTls' } });
  }
  if (config.baseDns.length === 0) {
    throw new AppError('CONFIG_INVALID', { message: 'At least one base DN is needed.', hint: 'Give the DN under which users and groups live, e.g. dc=example,dc=com.', details: { key: 'baseDns' } });
  }
  if (config.pageSize !== undefined && (!Number.isInteger(config.pageSize) || config.pageSize < 1)) {
    throw new AppError('CONFIG_INVALID', { message: `pageSize must be a positive integer, got ${config.pageSize}`, details: { key: 'pageSize' } });
  }
}

/**
 * Maps directory entries to the users and groups dirbridge exports, per source flavor.
 * Pure: a mapping problem becomes a per-object error, never an exception that stops a cycle.
 */
import { AppError, type ErrorCode } from '../shared/errors.js';
import type { ObjectSyncError, SyncedGroup, SyncedUser } from '../sync/model.js';
import type { DirectoryEntry } from './entry.js';
import { normalizeDn } from './dn.js';
import { isDisabled } from './ldap/ad/user-account-control.js';
import { isExpired } from './ldap/ad/account-expires.js';
import { smtpAddresses } from './ldap/ad/proxy-addresses.js';

export type Flavor = 'openldap' | '389ds' | 'ad' | 'ldif';

export interface AttributeMapping {
  /**
   * Templates tried in order; the first whose attributes all have a value wins. `{attr}` is an
   * attribute value, `{upnDomain}` the configured domain. Defaults per flavor below.
   */
  userPrincipalName: string[];
  displayName: string[];
  givenName: string[];
  surname: string[];
  mail: string[];
  groupName: string[];
}

export interface MappingOptions {
  flavor: Flavor;
  /** Domain for UPNs built from uid ("{uid}@{upnDomain}"); defaults to the suffix's dc parts. */
  upnDomain?: string | undefined;
  mapping?: Partial<AttributeMapping> | undefined;
}

const LDAP_DEFAULTS: AttributeMapping = {
  userPrincipalName: ['{mail}', '{uid}@{upnDomain}'],
  displayName: ['{displayName}', '{cn}'],
  givenName: ['{givenName}'],
  surname: ['{sn}'],
  mail: ['{mail}'],
  groupName: ['{cn}'],
};

export const DEFAULT_MAPPINGS: Record<Flavor, AttributeMapping> = {
  openldap: LDAP_DEFAULTS,
  // 389-DS and FreeIPA carry the same inetOrgPerson attributes.
  '389ds': LDAP_DEFAULTS,
  // An LDIF file is usually an export of an OpenLDAP-style directory.
  ldif: LDAP_DEFAULTS,
  ad: {
    userPrincipalName: ['{userPrincipalName}', '{sAMAccountName}@{upnDomain}'],
    displayName: ['{displayName}', '{cn}'],
    givenName: ['{givenName}'],
    surname: ['{sn}'],
    mail: ['{mail}'],
    groupName: ['{cn}', '{sAMAccountName}'],
  },
};

const USER_CLASSES = new Set(['inetorgperson', 'posixaccount', 'person', 'organizationalperson', 'user', 'account']);
const GROUP_CLASSES = new Set(['groupofnames', 'groupofuniquenames', 'posixgroup', 'group']);
const AD_COMPUTER = 'computer';

const MAX_TEXT = 256;
const MAX_UPN = 1024;
// Deliberately loose: the directory is the authority; this only refuses values a tenant cannot use.
const UPN_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A group as mapped from its entry: members are still references, resolved to anchors by the engine. */
export interface MappedGroup extends Omit<SyncedGroup, 'memberAnchors'> {
  memberDns: string[];
  memberUids: string[];
}

export type MappedObject =
  | { kind: 'user'; user: SyncedUser; uid: string | null }
  | { kind: 'group'; group: MappedGroup }
  | { kind: 'error'; error: ObjectSyncError }
  | { kind: 'ignored' };

/** The immutable anchor attribute of each LDAP flavor (see FLAVOR_DEFAULTS in ldap/ldap-config.ts). */
const ANCHOR_ATTRIBUTES: Record<Exclude<Flavor, 'ldif'>, string> = { openldap: 'entryUUID', '389ds': 'nsUniqueId', ad: 'objectGUID' };

export function anchorOf(entry: DirectoryEntry, flavor: Flavor): string | null {
  if (flavor === 'ldif') return normalizeDn(entry.dn);
  return first(entry, ANCHOR_ATTRIBUTES[flavor].toLowerCase());
}

export function mapEntry(entry: DirectoryEntry, options: MappingOptions): MappedObject {
  const classes = (entry.attributes.objectclass ?? []).map((c) => c.toLowerCase());
  const isGroup = classes.some((c) => GROUP_CLASSES.has(c));
  const isUser = !isGroup && classes.some((c) => USER_CLASSES.has(c)) && !classes.includes(AD_COMPUTER);
  if (!isGroup && !isUser) return { kind: 'ignored' };

  const kind = isGroup ? 'group' : 'user';
  const anchor = anchorOf(entry, options.flavor);
  const mapping = effectiveMapping(options);
  // Only a template with {upnDomain} needs it (the default UPN template only when mail is empty).
  let domain: string | undefined;
  const upnDomain = (): string => (domain ??= options.upnDomain ?? domainFromDn(entry.dn));
  // `params` holds the message's facts; the attribute and DN are always among them.
  const fail = (code: ErrorCode, attribute: string, message: string, facts: Record<string, string | number> = {}): MappedObject => {
    const error = new AppError(code, { message, params: { attribute, dn: entry.dn, ...facts } });
    return { kind: 'error', error: { anchor: anchor ?? normalizeDn(entry.dn), kind, dn: entry.dn, attribute, code, message, hint: error.hint, ...(error.params ? { params: error.params } : {}) } };
  };
  if (!anchor) {
    const attribute = options.flavor === 'ldif' ? 'dn' : ANCHOR_ATTRIBUTES[options.flavor];
    return fail('OBJECT_REQUIRED_ATTRIBUTE_MISSING', attribute, `${entry.dn} has no ${attribute}; the sync account may lack the right to read operational attributes.`, { form: 'anchor' });
  }

  if (isGroup) {
    const name = resolveTemplate(entry, mapping.groupName, upnDomain);
    if (!name) return fail('OBJECT_REQUIRED_ATTRIBUTE_MISSING', 'cn', `Group ${entry.dn} has no name (tried ${mapping.groupName.join(', ')}).`, { form: 'madeFrom', sources: mapping.groupName.join(', ') });
    if (name.length > MAX_TEXT) return fail('OBJECT_VALUE_INVALID', 'cn', `Group name of ${entry.dn} is ${name.length} characters long; at most ${MAX_TEXT} are allowed.`, { form: 'tooLong', length: name.length, max: MAX_TEXT });
    return {
      kind: 'group',
      group: {
        kind: 'group',
        anchor,
        dn: entry.dn,
        name,
        description: first(entry, 'description'),
        mail: first(entry, 'mail'),
        memberDns: [...(entry.attributes.member ?? []), ...(entry.attributes.uniquemember ?? []).map(stripUniqueMemberUid)],
        memberUids: entry.attributes.memberuid ?? [],
      },
    };
  }

  const upn = resolveTemplate(entry, mapping.userPrincipalName, upnDomain);
  if (!upn) {
    return fail('OBJECT_REQUIRED_ATTRIBUTE_MISSING', 'userPrincipalName',
      `${entry.dn} has none of the attributes its user principal name is made from (${mapping.userPrincipalName.join(' or ')}).`,
      { form: 'madeFrom', sources: mapping.userPrincipalName.join(', ') });
  }
  if (upn.length > MAX_UPN || !UPN_PATTERN.test(upn)) {
    return fail('OBJECT_VALUE_INVALID', 'userPrincipalName', `The user principal name "${upn}" of ${entry.dn} is not of the form name@domain.`, { form: 'upnSyntax', value: upn });
  }
  const displayName = resolveTemplate(entry, mapping.displayName, upnDomain);
  const givenName = resolveTemplate(entry, mapping.givenName, upnDomain);
  const surname = resolveTemplate(entry, mapping.surname, upnDomain);
  for (const [attribute, value] of [['displayName', displayName], ['givenName', givenName], ['sn', surname]] as const) {
    if (value && value.length > MAX_TEXT) {
      return fail('OBJECT_VALUE_INVALID', attribute, `${attribute} of ${entry.dn} is ${value.length} characters long; at most ${MAX_TEXT} are allowed.`, { form: 'tooLong', length: value.length, max: MAX_TEXT });
    }
  }
  const mails = options.flavor === 'ad' ? adMailAddresses(entry) : (entry.attributes.mail ?? []);
  const mail = resolveTemplate(entry, mapping.mail, upnDomain) ?? mails[0] ?? null;
  return {
    kind: 'user',
    uid: first(entry, 'uid') ?? first(entry, 'samaccountname'),
    user: {
      kind: 'user',
      anchor,
      dn: entry.dn,
      userPrincipalName: upn,
      displayName,
      givenName,
      surname,
      mail,
      otherMails: [...new Set(mails.filter((m) => m.toLowerCase() !== mail?.toLowerCase()))],
      enabled: isEnabled(entry, options.flavor),
    },
  };
}

/**
 * Every attribute mapEntry reads with these options (besides what the source adds: the anchor's
 * operational partners and change marks): what an objects read needs to ask for. Asking for these
 * rather than every user attribute ('*') leaves out what dirbridge never uses (phone numbers,
 * titles, password hashes), and names the operational ones '*' does not return
 * (pwdAccountLockedTime). Property-tested: an entry cut down to these maps exactly as the whole one.
 */
export function attributesRead(options: MappingOptions): string[] {
  const mapping = effectiveMapping(options);
  const fromTemplates = Object.values(mapping).flat().flatMap((template) => parseTemplate(template))
    .flatMap((part) => ('attribute' in part ? [part.attribute] : []));
  const byFlavor: Record<Flavor, string[]> = {
    openldap: ['pwdAccountLockedTime'],
    '389ds': ['nsAccountLock'],
    ad: ['userAccountControl', 'accountExpires', 'proxyAddresses'],
    ldif: ['pwdAccountLockedTime'],
  };
  const names = [
    'objectClass', ...(options.flavor === 'ldif' ? [] : [ANCHOR_ATTRIBUTES[options.flavor]]),
    'uid', 'sAMAccountName', 'mail', 'description', 'member', 'uniqueMember', 'memberUid',
    ...byFlavor[options.flavor], ...fromTemplates,
  ];
  // One spelling per attribute (names are case-insensitive).
  const seen = new Set<string>();
  return names.filter((name) => !seen.has(name.toLowerCase()) && seen.add(name.toLowerCase()));
}

function isEnabled(entry: DirectoryEntry, flavor: Flavor): boolean {
  // AD: the ACCOUNTDISABLE flag, or an accountExpires in the past (the DC refuses such an account too).
  if (flavor === 'ad') return !isDisabled(first(entry, 'useraccountcontrol')) && !isExpired(first(entry, 'accountexpires'));
  // 389-DS and FreeIPA: nsAccountLock TRUE (dsidm account lock, ipa user-disable).
  if (flavor === '389ds') return first(entry, 'nsaccountlock')?.toLowerCase() !== 'true';
  // OpenLDAP ppolicy: an administratively locked account carries pwdAccountLockedTime (draft-behera-ldap-password-policy).
  return first(entry, 'pwdaccountlockedtime') === null;
}

/** The AD user's mail addresses: `mail` first, then proxyAddresses' SMTP ones (primary first). */
function adMailAddresses(entry: DirectoryEntry): string[] {
  return [...new Set([...(entry.attributes.mail ?? []), ...smtpAddresses(entry.attributes.proxyaddresses ?? [])])];
}

/** A template in parts: literal text, an attribute (lower-case name) or the UPN domain. */
type TemplatePart = { text: string } | { attribute: string } | { upnDomain: true };

/** Templates come from the configuration: parsed once each, not once per entry. */
const parsedTemplates = new Map<string, TemplatePart[]>();

function parseTemplate(template: string): TemplatePart[] {
  let parts = parsedTemplates.get(template);
  if (parts) return parts;
  parts = [];
  let last = 0;
  for (const match of template.matchAll(/\{([A-Za-z0-9-]+)\}/g)) {
    if (match.index > last) parts.push({ text: template.slice(last, match.index) });
    const name = match[1] as string;
    parts.push(name === 'upnDomain' ? { upnDomain: true } : { attribute: name.toLowerCase() });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  parsedTemplates.set(template, parts);
  return parts;
}

/** The first template whose every attribute has a value, filled in and trimmed; null when none is. */
function resolveTemplate(entry: DirectoryEntry, templates: string[], upnDomain: () => string): string | null {
  next: for (const template of templates) {
    let value = '';
    for (const part of parseTemplate(template)) {
      if ('text' in part) {
        value += part.text;
        continue;
      }
      const v = 'attribute' in part ? first(entry, part.attribute) : upnDomain();
      if (!v) continue next;
      value += v;
    }
    value = value.trim();
    if (value) return value;
  }
  return null;
}

const mergedMappings = new WeakMap<MappingOptions, AttributeMapping>();

/** The flavor's default mapping with the configured templates over it, once per options object. */
function effectiveMapping(options: MappingOptions): AttributeMapping {
  let mapping = mergedMappings.get(options);
  if (!mapping) mergedMappings.set(options, (mapping = { ...DEFAULT_MAPPINGS[options.flavor], ...options.mapping }));
  return mapping;
}

function first(entry: DirectoryEntry, attribute: string): string | null {
  const value = entry.attributes[attribute]?.[0];
  return value === undefined || value === '' ? null : value;
}

/** uniqueMember may carry an optional "#'0101'B" UID suffix (RFC 4517 NameAndOptionalUID). */
function stripUniqueMemberUid(value: string): string {
  return value.replace(/#'[01]*'B$/, '');
}

export function domainFromDn(dn: string): string {
  const parts = dn.split(',').map((p) => p.trim()).filter((p) => /^dc=/i.test(p)).map((p) => p.slice(3));
  return parts.length > 0 ? parts.join('.').toLowerCase() : 'example.invalid';
}

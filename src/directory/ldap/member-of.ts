/**
 * "Only members of group X" for directories without a server-side nested-membership rule
 * (OpenLDAP): the members of X and of every group nested in it, as DNs (member, uniqueMember)
 * and as user names (posixGroup memberUid).
 */
import { normalizeDn } from './dn.js';

export interface GroupMembers {
  /** Normalized member DNs (member, uniqueMember). */
  dns: string[];
  /** memberUid values (RFC 2307 posixGroup), lower-cased. */
  uids: string[];
  /** A change marker of the group (entryCSN / uSNChanged), to notice membership changes in a delta. */
  changeMark?: string;
}

export interface MemberClosure {
  memberDns: Set<string>;
  memberUids: Set<string>;
  /** Normalized DN -> change marker of every group of the closure, X included. */
  groups: Map<string, string | undefined>;
}

/** uniqueMember is nameAndOptionalUID: "dn#'0101'B" (RFC 4519 2.40). */
export function memberValueToDn(value: string): string {
  const hash = value.lastIndexOf('#');
  return hash > 0 && /^#'[01]*'B$/.test(value.slice(hash)) ? value.slice(0, hash) : value;
}

/** Walks nested groups from `root`; a cycle (A in B in A) is visited once. */
export function memberClosure(root: string, groups: ReadonlyMap<string, GroupMembers>): MemberClosure {
  const closure: MemberClosure = { memberDns: new Set(), memberUids: new Set(), groups: new Map() };
  const queue = [normalizeDn(root)];
  while (queue.length > 0) {
    const dn = queue.shift() as string;
    if (closure.groups.has(dn)) continue;
    const group = groups.get(dn);
    closure.groups.set(dn, group?.changeMark);
    if (!group) continue;
    for (const member of group.dns) {
      closure.memberDns.add(member);
      if (groups.has(member) && !closure.groups.has(member)) queue.push(member);
    }
    for (const uid of group.uids) closure.memberUids.add(uid);
  }
  return closure;
}

export function isMemberOf(closure: MemberClosure, dn: string, uids: readonly string[] | undefined): boolean {
  return closure.memberDns.has(normalizeDn(dn)) || (uids ?? []).some((u) => closure.memberUids.has(u.toLowerCase()));
}

/**
 * Active Directory's rules (Windows Server AD and Samba AD DC), each citing its spec:
 * - Cursor: the DC's highestCommittedUSN read before the read, valid for that DC only
 *   (usn-cursor.ts); a delta reads entries with uSNChanged above it.
 *   https://learn.microsoft.com/en-us/windows/win32/ad/polling-for-changes-using-usnchanged
 * - Deletes: the tombstones in the Deleted Objects container since the cursor, read with the
 *   show-deleted control (MS-ADTS 3.1.1.5.5; control 1.2.840.113556.1.4.417), plus the entries
 *   changed anywhere in the domain that the scoped read did not return (moved out of the bases, no
 *   longer matching a filter). An account that cannot list Deleted Objects falls back to comparing
 *   every anchor, with a warning. https://learn.microsoft.com/en-us/windows/win32/ad/retrieving-deleted-objects
 * - Members: ranged retrieval (ranged-members.ts), so a group above MaxValRange keeps every member.
 * - memberOfGroup: the member lists of group X and of the groups the DC finds nested in it through
 *   LDAP_MATCHING_RULE_IN_CHAIN (filters.ts), as one set of DNs each user is checked against
 *   (member-of.ts); a change of X or a nested group changes who is in scope without touching the
 *   users (only the group's uSNChanged moves): a full cycle.
 * - Disabled: userAccountControl's ACCOUNTDISABLE (user-account-control.ts) or an accountExpires in
 *   the past (account-expires.ts); an expiry passing changes no USN, so a delta also reads the
 *   accounts that expired since the cursor's time.
 * - Change watch: change notifications pushed by the DC (LDAP_SERVER_NOTIFICATION_OID, MS-ADTS
 *   3.1.1.3.4.1.9; change-notification.ts) with highestCommittedUSN polled on the root DSE beside
 *   them, the poll alone where the DC refuses them (change-watch.ts, usn-poll.ts).
 * - Binary attributes and tombstones: ad-entry.ts.
 */
import { Control, escapeFilter } from 'ldapts';

import type { ChangeSet, Departures, ReadPurpose } from '../../../sync/ports.js';
import type { DirectoryEntry } from '../../entry.js';
import { normalizeDn } from '../dn.js';
import { toDirectoryEntry } from '../entry-conversion.js';
import type { FlavorAdapter } from '../flavor-adapter.js';
import { AD_IN_CHAIN, and, memberOfAny } from '../filters.js';
import type { FlavorQuirks, Kind, LdapCore, MemberScope, ScopeRead } from '../ldap-core.js';
import { isStalledOrMalformed, toDirectoryError } from '../ldap-errors.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../message-framer.js';
import { memberClosure, type GroupMembers, type MemberClosure } from '../member-of.js';
import { AppError } from '../../../shared/errors.js';
import { toFileTime } from './account-expires.js';
import { AD_BINARY_ATTRIBUTES } from './ad-entry.js';
import { fetchRemainingRanges, foldRanges, rangeLimits, rangeRequest } from './ranged-members.js';
import { decodeUsnCursor, encodeUsnCursor, type UsnCursor } from './usn-cursor.js';
import { startAdChangeWatch, type AdWatchState } from './change-watch.js';
import { NotificationRefused } from './change-notification.js';

/** LDAP_SERVER_SHOW_DELETED_OID: tombstones are returned (MS-ADTS 3.1.1.3.4.1.14). */
export const SHOW_DELETED_OID = '1.2.840.113556.1.4.417';
const DEFAULT_CHANGE_POLL_MS = 2_000;
/**
 * Up to this many groups (memberOfGroup and its nested groups) a full read narrows the users'
 * search by memberOf terms; above, it reads every user in the bases and keeps the members. Full
 * reads measured on Samba 4.17 over an OU of 5,000 users (medians of 3): memberOf terms 0.6 s for
 * 2 groups, 0.9 s for 51, 2.6 s for 101, 60 s for 1,301; every user read and checked 1.7-2.8 s
 * whatever the count. Deltas always check the closure (their read by uSNChanged is small).
 */
export const MEMBER_FILTER_MAX_GROUPS = 64;

export const AD_QUIRKS: FlavorQuirks = {
  binary: AD_BINARY_ATTRIBUTES,
  // Groups ask for their members by explicit range (member;range=0-1499), the same on Windows and Samba.
  objectAttributes(attributes, kind) {
    if (kind !== 'groups') return attributes;
    const wantsMembers = attributes.some((a) => a === '*' || a.toLowerCase() === 'member');
    return wantsMembers ? [...attributes.filter((a) => a.toLowerCase() !== 'member'), rangeRequest('member', 0)] : attributes;
  },
  async completePage(core, entries, kind) {
    return kind === 'groups' ? completeMembers(core, entries) : entries;
  },
};

/** The rest of each group's member list beyond the first window (ranged-members.ts). */
async function completeMembers(core: LdapCore, entries: DirectoryEntry[]): Promise<DirectoryEntry[]> {
  const limits = rangeLimits(core.config.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
  for (const entry of entries) {
    const next = foldRanges(entry, 'member');
    if (next === null) continue;
    await core.withClient((client) =>
      fetchRemainingRanges(entry, 'member', next, async (description) => {
        try {
          const result = await client.search(entry.dn, { scope: 'base', filter: '(objectClass=*)', attributes: [description], timeLimit: 0 });
          return result.searchEntries[0] ? toDirectoryEntry(result.searchEntries[0]).attributes : {};
        } catch (error) {
          throw toDirectoryError(error, 'search', { url: core.config.url, baseDn: entry.dn });
        }
      }, limits),
    );
  }
  return entries;
}

export class AdAdapter implements FlavorAdapter {
  readonly watch: FlavorAdapter['watch'];
  private readonly watchers = new Set<() => void>();
  private warnedFallback = false;
  /** Which change watch runs now (null: none started), for the source's description. */
  private watchState: AdWatchState | null = null;

  constructor(private readonly core: LdapCore) {
    this.watch = (onChange, onError) => {
      const stop = startAdChangeWatch({
        config: core.config,
        logger: core.logger,
        namingContext: () => this.namingContext(),
        changeMark: () => this.changeMark(),
        pollMs: core.config.changePollMs ?? DEFAULT_CHANGE_POLL_MS,
        onChange,
        onError,
        onState: (state) => {
          this.watchState = state;
        },
      });
      const stopAndForget = (): void => {
        this.watchers.delete(stopAndForget);
        stop();
      };
      this.watchers.add(stopAndForget);
      return stopAndForget;
    };
  }

  // Every full read and anchor listing starts here: the bases are checked and memberOfGroup resolved.
  async memberScope(): Promise<MemberScope> {
    await this.checkBases();
    const scope = await this.memberClosure();
    if (!scope) return {};
    // Few groups: the DC picks their members out (memberOf terms), and only those users cross the wire.
    const narrow = scope.groupDns.length <= MEMBER_FILTER_MAX_GROUPS;
    return { closure: scope.closure, ...(narrow ? { usersWhere: memberOfAny(scope.groupDns) } : {}) };
  }

  /**
   * memberOfGroup as a set of member DNs each user the users' read returns is checked against (as
   * on OpenLDAP, member-of.ts): the DC names the scope group and the groups nested in it by the
   * in-chain rule over groups only, with their member lists (by range, as every group read) and
   * uSNChanged. Not a users' filter of memberOf terms beyond a few groups: Samba evaluates each
   * term on every user in the bases without an index (1,300 nested groups over 5,000 users: 60-90 s;
   * this way about 4 s), and a delta's read by uSNChanged then stays as cheap as without a group.
   */
  private async memberClosure(domain?: string): Promise<{ closure: MemberClosure; groupDns: string[] } | undefined> {
    const group = this.core.config.memberOfGroup;
    if (!group) return undefined;
    const base = domain ?? (await this.defaultNamingContext());
    const filter = and('(objectClass=group)', escapeFilter`(|(distinguishedName=${group})(memberOf:${AD_IN_CHAIN}:=${group}))`);
    const groups = new Map<string, GroupMembers>();
    const groupDns: string[] = [];
    for await (const page of this.core.pages(base, filter, [rangeRequest('member', 0), 'uSNChanged'])) {
      for (const entry of await completeMembers(this.core, page)) {
        groupDns.push(entry.dn);
        groups.set(normalizeDn(entry.dn), {
          dns: (entry.attributes['member'] ?? []).map((dn) => normalizeDn(dn)),
          uids: [],
          changeMark: entry.attributes['usnchanged']?.[0],
        });
      }
    }
    if (!groups.has(normalizeDn(group))) {
      throw new AppError('DIR_SEARCH_FAILED', {
        message: `The group ${group} (memberOfGroup) does not exist in ${this.core.config.url}, or the sync account cannot read it.`,
        hint: 'Correct memberOfGroup to the DN of an existing group, or remove it to sync every user in scope.',
        details: { stage: 'search', baseDn: group },
      });
    }
    return { closure: memberClosure(group, groups), groupDns };
  }

  private async defaultNamingContext(): Promise<string> {
    return (await this.readDefaultNamingContext()) ?? this.core.config.baseDns[0] ?? '';
  }

  private async readDefaultNamingContext(): Promise<string | undefined> {
    const root = await this.core.withClient((client) => this.core.rootDse(client, ['defaultNamingContext']));
    return root['defaultnamingcontext']?.[0];
  }

  /** "change watch: ..." while a watch runs, for the source's description (shown in the agent's status). */
  describeWatch(): string | null {
    return this.watchState ? `change watch: ${this.watchState.summary}` : null;
  }

  /** The root of the domain naming context: where subtree change notifications are allowed. */
  private async namingContext(): Promise<string> {
    const context = await this.readDefaultNamingContext();
    // Not a DC (an AD-shaped schema on another server): no notifications, the USN poll alone, quietly.
    if (!context) throw new NotificationRefused(0, 'the root DSE names no defaultNamingContext, so the server is not an Active Directory domain controller');
    return context;
  }

  /** highestCommittedUSN and the DC's name: one root DSE read, what the change watch compares. */
  private async changeMark(): Promise<string | null> {
    const root = await this.core.withClient((client) => this.core.rootDse(client, ['highestCommittedUSN', 'dsServiceName']));
    return `${root['highestcommittedusn']?.[0] ?? ''}:${root['dsservicename']?.[0] ?? ''}`;
  }

  async currentCursor(): Promise<string | null> {
    const root = await this.core.withClient((client) => this.core.rootDse(client, ['highestCommittedUSN', 'dsServiceName']));
    const usn = root['highestcommittedusn']?.[0];
    // Not a DC after all (no USNs): no delta, full cycles only.
    if (!usn || !/^\d+$/.test(usn)) return null;
    return encodeUsnCursor({ usn: BigInt(usn), dsServiceName: root['dsservicename']?.[0] ?? '', at: Date.now() });
  }

  async readChanges(cursor: string, purpose: ReadPurpose): Promise<ChangeSet | null> {
    const previous = decodeUsnCursor(cursor);
    if (previous === null) return null;
    await this.checkBases();
    const client = await this.core.open();
    let next: UsnCursor;
    let domain: string;
    let closure: MemberClosure | undefined;
    try {
      const at = Date.now();
      const root = await this.core.rootDse(client, ['highestCommittedUSN', 'dsServiceName', 'defaultNamingContext']);
      const usn = root['highestcommittedusn']?.[0];
      if (!usn || !/^\d+$/.test(usn)) return null;
      const highest = BigInt(usn);
      const dsServiceName = root['dsservicename']?.[0] ?? '';
      next = { usn: highest, dsServiceName, at };
      // USNs are per DC: a cursor of another DC, or one ahead of this DC, is no use.
      if (normalizeDn(previous.dsServiceName) !== normalizeDn(dsServiceName) || previous.usn > highest) return null;
      domain = root['defaultnamingcontext']?.[0] ?? this.core.config.baseDns[0] ?? '';
      // A member added to or removed from the scope group or a nested group (a nested group added or
      // removed included) moves that group's uSNChanged, not the users': who is in scope changed
      // without their entries changing, so a full cycle reads it.
      closure = (await this.memberClosure(domain))?.closure;
      if (closure && [...closure.groups.values()].some((mark) => mark === undefined || !/^\d+$/.test(mark) || BigInt(mark) > previous.usn)) return null;
    } finally {
      await this.core.release(client);
    }
    const since = (previous.usn + 1n).toString();
    // Accounts whose accountExpires passed since the last read: no USN moved for them.
    const expired = previous.at === undefined ? undefined : and(`(accountExpires>=${toFileTime(previous.at)})`, `(accountExpires<=${toFileTime(next.at ?? Date.now())})`);
    const read: ScopeRead = { mode: purpose, closure, since: { attribute: 'uSNChanged', value: since }, ...(expired ? { extra: { kind: 'users' as Kind, condition: expired } } : {}) };
    return {
      changed: this.core.readScope(read),
      departures: () => (purpose === 'objects' ? this.departures(domain, since) : Promise.resolve({ kind: 'anchors', anchors: [] })),
      nextCursor: encodeUsnCursor(next),
    };
  }

  /**
   * What left the scope since the cursor without listing every anchor: the tombstones, and the
   * users and groups changed anywhere in the domain (the engine keeps those the read returned).
   */
  private async departures(domain: string, since: string): Promise<Departures> {
    const deleted = await this.tombstonesSince(domain, since);
    if (deleted === null) return { kind: 'compare' };
    const anchors = [...deleted];
    const changedAnywhere = and('(|(objectClass=user)(objectClass=group))', `(uSNChanged>=${since})`);
    for await (const page of this.core.pages(domain, changedAnywhere, ['objectGUID'])) anchors.push(...anchorsOf(page));
    return { kind: 'anchors', anchors };
  }

  /**
   * objectGUIDs of the objects deleted since the cursor; null when Deleted Objects cannot be read
   * (the account lacks List Contents on it: the DC then shows the container but none of its
   * tombstones, just as when nothing was ever deleted; either way, compare).
   */
  private async tombstonesSince(domain: string, since: string): Promise<string[] | null> {
    const container = `CN=Deleted Objects,${domain}`;
    const showDeleted = [new Control(SHOW_DELETED_OID, { critical: true })];
    try {
      const anchors: string[] = [];
      for await (const page of this.core.pages(container, and('(isDeleted=TRUE)', `(uSNChanged>=${since})`), ['objectGUID'], undefined, showDeleted)) {
        anchors.push(...anchorsOf(page.filter((e) => normalizeDn(e.dn) !== normalizeDn(container))));
      }
      if (anchors.length > 0) return anchors;
      for await (const page of this.core.pages(container, '(isDeleted=TRUE)', ['1.1'], undefined, showDeleted)) {
        if (page.some((e) => normalizeDn(e.dn) !== normalizeDn(container))) return anchors;
        break;
      }
      this.warnFallback(container, 'no tombstone in it is visible to the sync account');
      return null;
    } catch (error) {
      if (isStalledOrMalformed(error)) throw error;
      this.warnFallback(container, (error as Error).message);
      return null;
    }
  }

  private warnFallback(container: string, reason: string): void {
    if (this.warnedFallback) return;
    this.warnedFallback = true;
    this.core.logger.warn(
      `Deletes on ${this.core.config.url} are found by comparing every anchor: ${container} cannot be read (${reason}). ` +
        'Grant the sync account List Contents and Read Property on it (README, Active Directory) so a delta reads only the tombstones.',
      { code: 'AD_DELETED_OBJECTS_UNREADABLE' },
    );
  }

  /**
   * Fails the cycle when a base cannot be seen: an account without read rights on it sees nothing,
   * and an empty read must never be taken for "every user was deleted".
   */
  async checkBases(): Promise<void> {
    await this.core.withClient(async (client) => {
      for (const base of this.core.topBases()) {
        let visible = false;
        try {
          const result = await client.search(base, { scope: 'base', filter: '(objectClass=*)', attributes: ['objectClass'], timeLimit: 0 });
          // Without read rights the DC may still name the entry, but with none of its attributes.
          const classes = result.searchEntries[0]?.['objectClass'];
          visible = classes !== undefined && (!Array.isArray(classes) || classes.length > 0);
        } catch (error) {
          const e = toDirectoryError(error, 'search', { url: this.core.config.url, baseDn: base });
          if (e.code !== 'DIR_SEARCH_FAILED') throw e;
        }
        if (!visible) {
          throw new AppError('DIR_SEARCH_FAILED', {
            message: `The sync account cannot read the base DN ${base} on ${this.core.config.url}: it does not exist, or the account has no right to read it.`,
            hint: 'Check the base DN, and give the sync account Read on it (README, Active Directory: the rights of the sync account).',
            details: { stage: 'search', baseDn: base },
            params: { form: 'baseUnreadable', url: this.core.config.url, base },
          });
        }
      }
    });
  }

  close(): void {
    for (const stop of [...this.watchers]) stop();
    this.watchState = null;
  }
}

function anchorsOf(page: DirectoryEntry[]): string[] {
  return page.map((e) => e.attributes['objectguid']?.[0]).filter((a): a is string => !!a);
}

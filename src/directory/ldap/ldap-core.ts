/**
 * The LDAP protocol core every flavor shares: scope (base DNs, exclude DNs, filters), paged reads
 * on connections of their own, the root DSE, and the member-of closure where the server cannot
 * resolve nested groups itself. Flavor rules (cursors, deletes, push, quirks) live in the adapters:
 * openldap/, 389ds/ and ad/ (see ldap-source.ts for how they plug in).
 */
import type { Client, Control } from 'ldapts';
import { NoSuchObjectError } from 'ldapts';

import { AppError } from '../../shared/errors.js';
import type { ReadPurpose } from '../../sync/ports.js';
import type { DirectoryEntry } from '../entry.js';
import { dnParts, isDnWithin, normalizeDn } from './dn.js';
import { toDirectoryEntry, PASSWORD_ATTRIBUTES, type BinaryConverter } from './entry-conversion.js';
import { and, changedSince, scopeFilters, type ScopeFilters, type WatermarkAttribute } from './filters.js';
import { FLAVOR_DEFAULTS, type LdapFlavor, type LdapLogger, type LdapSourceConfig } from './ldap-config.js';
import { DEFAULT_OPERATION_TIMEOUT_MS, openLdapClient } from './ldap-connection.js';
import { pagedSearch } from './paged-search.js';
import { StreamConnection } from './stream-connection.js';
import { toDirectoryError } from './ldap-errors.js';
import { isMemberOf, memberClosure, memberValueToDn, type GroupMembers, type MemberClosure } from './member-of.js';

const DEFAULT_PAGE_SIZE = 1000;
// An objects read never carries password material.
const PASSWORDS: ReadonlySet<string> = new Set(PASSWORD_ATTRIBUTES);

export type ReadMode = ReadPurpose | 'anchors';
export type Kind = 'users' | 'groups';

export interface ScopeRead {
  mode: ReadMode;
  /** Extra condition ANDed into both searches (the delta watermark). */
  since?: { attribute: WatermarkAttribute; value: string };
  closure?: MemberClosure;
  /**
   * Conditions the users' search is narrowed by, one search each (a user several return is read
   * once): a server-side form of `closure` where the server evaluates it cheaply (AD: memberOf of a
   * few groups). The closure is still checked on each user.
   */
  usersWhere?: string[];
  /** Last word on each entry (strictly-newer check); also sees every entry, to track the watermark. */
  accept?: (entry: DirectoryEntry) => boolean;
  /** Anchors of changed entries that the read cut from scope (excluded subtree, not in group X): they left it. */
  cut?: string[];
  /** Further entries to read on top of users and groups, by a condition ANDed into that kind's filter (AD: accounts expired since the last delta). */
  extra?: { kind: Kind; condition: string };
}

/** Who is in memberOfGroup, as a full read applies it (FlavorAdapter.memberScope). */
export type MemberScope = Pick<ScopeRead, 'closure' | 'usersWhere'>;

/** What a flavor changes in how the core reads (kept with the flavor, e.g. ad/ad-quirks.ts). */
export interface FlavorQuirks {
  /** Lower-case attribute name -> converter of its binary values (AD: objectGUID, objectSid). */
  binary?: Readonly<Record<string, BinaryConverter>>;
  /** The attributes an objects read asks for, given the configured ones (AD: members by range). */
  objectAttributes?(attributes: string[], kind: Kind): string[];
  /** Completes a page of `kind` before it is handed on (AD: the rest of a ranged member list). */
  completePage?(core: LdapCore, entries: DirectoryEntry[], kind: Kind): Promise<DirectoryEntry[]>;
}

export class LdapCore {
  readonly flavor: LdapFlavor;
  /** The scope's filters, as configured. */
  readonly filters: ScopeFilters;
  readonly anchor: string;
  private readonly clients = new Set<Client>();
  private readonly streams = new Set<StreamConnection>();

  constructor(
    readonly config: LdapSourceConfig,
    readonly logger: LdapLogger,
    private readonly quirks: FlavorQuirks = {},
  ) {
    this.flavor = config.flavor;
    this.filters = scopeFilters(config);
    this.anchor = FLAVOR_DEFAULTS[config.flavor].anchor;
  }

  /** Users or groups, as the filter of either. */
  get inScopeFilter(): string {
    return `(|${this.filters.users}${this.filters.groups})`;
  }

  // --- reading ----------------------------------------------------------------------------------

  /** Users then groups under every base, in scope, one page at a time. */
  async *readScope(read: ScopeRead): AsyncGenerator<DirectoryEntry[]> {
    const bases = this.config.baseDns;
    const kinds: Kind[] = read.mode === 'passwords' ? ['users'] : ['users', 'groups'];
    const withSince = (filter: string): string => (read.since ? changedSince(filter, read.since.attribute, read.since.value) : filter);
    const usersWhere = read.usersWhere && read.usersWhere.length > 0 ? read.usersWhere : undefined;
    const filtersOf = (kind: Kind): string[] => (kind === 'groups' ? [this.filters.groups] : usersWhere ? usersWhere.map((c) => and(this.filters.users, c)) : [this.filters.users]);
    const searches: Array<{ kind: Kind; filter: string }> = kinds.flatMap((kind) => filtersOf(kind).map((filter) => ({ kind, filter: withSince(filter) })));
    if (read.extra && kinds.includes(read.extra.kind)) {
      const condition = read.extra.condition;
      searches.push(...filtersOf(read.extra.kind).map((filter) => ({ kind: read.extra!.kind, filter: and(filter, condition) })));
    }
    // Users several searches return (members of groups in two chunks; an expired user also changed) are read once.
    const seen = searches.length > kinds.length ? new Set<string>() : undefined;
    const anchor = this.anchor.toLowerCase();
    for (const [index, base] of bases.entries()) {
      const earlier = bases.slice(0, index);
      // A base inside an earlier one was read with it.
      if (earlier.some((b) => isDnWithin(base, b))) continue;
      for (const { kind, filter } of searches) {
        const drop = read.mode === 'objects' ? PASSWORDS : undefined;
        for await (const entries of this.pages(base, filter, this.attributesFor(read.mode, kind, read.closure), drop)) {
          let page: DirectoryEntry[] = [];
          // Every result lies under `base`; a DN needs parsing only when some subtree is cut out of it.
          const cuts = this.cutsWithin(base, earlier);
          for (const entry of entries) {
            if (seen) {
              const key = `${kind}:${normalizeDn(entry.dn)}`;
              if (seen.has(key)) continue;
              seen.add(key);
            }
            if (read.accept && !read.accept(entry)) continue;
            const outOfScope =
              (cuts.length > 0 && cuts.some((cut) => isDnWithin(dnParts(entry.dn), cut))) ||
              (kind === 'users' && read.closure !== undefined && !isMemberOf(read.closure, entry.dn, entry.attributes['uid']));
            if (outOfScope) {
              const cutAnchor = entry.attributes[anchor]?.[0];
              if (read.cut && cutAnchor) read.cut.push(cutAnchor);
              continue;
            }
            page.push(entry);
          }
          if (page.length > 0 && read.mode === 'objects' && this.quirks.completePage) page = await this.quirks.completePage(this, page, kind);
          if (page.length > 0) yield page;
        }
      }
    }
  }

  /** One search, page by page, on a connection of its own (stream-connection.ts: why not ldapts here). */
  async *pages(base: string, filter: string, attributes: string[], drop?: ReadonlySet<string>, controls?: Control[]): AsyncGenerator<DirectoryEntry[]> {
    let connection: StreamConnection | undefined;
    try {
      connection = await StreamConnection.open(this.config, this.logger);
      this.streams.add(connection);
      yield* pagedSearch(connection, {
        base,
        filter,
        attributes,
        pageSize: this.config.pageSize ?? DEFAULT_PAGE_SIZE,
        ...(drop ? { drop } : {}),
        ...(this.quirks.binary ? { binary: this.quirks.binary } : {}),
        ...(controls ? { controls } : {}),
        idleTimeoutMs: this.config.timeouts?.operationMs ?? DEFAULT_OPERATION_TIMEOUT_MS,
      });
    } catch (error) {
      throw toDirectoryError(error, 'search', { url: this.config.url, baseDn: base });
    } finally {
      if (connection) {
        this.streams.delete(connection);
        connection.close();
      }
    }
  }

  attributesFor(mode: ReadMode, kind: Kind, closure: MemberClosure | undefined): string[] {
    const defaults = FLAVOR_DEFAULTS[this.flavor];
    // memberUid holds user names: checking membership needs the uid of each user.
    const forMembership = kind === 'users' && closure ? ['uid'] : [];
    if (mode === 'anchors') return [defaults.anchor, ...(defaults.changeMark ? [defaults.changeMark] : []), ...forMembership];
    if (mode === 'passwords') return [defaults.anchor, ...defaults.passwordAttributes, ...forMembership];
    const attributes = [...(this.config.attributes ?? ['*']), defaults.anchor, ...defaults.operational];
    return this.quirks.objectAttributes ? this.quirks.objectAttributes(attributes, kind) : attributes;
  }

  /** Excluded subtrees and earlier (already read) bases that overlap `base`, as dnParts. */
  private cutsWithin(base: string, earlier: string[]): string[][] {
    const baseParts = dnParts(base);
    return [...(this.config.excludeDns ?? []), ...earlier].map((dn) => dnParts(dn)).filter((cut) => isDnWithin(cut, baseParts) || isDnWithin(baseParts, cut));
  }

  /** The base DNs that are not inside another one. */
  topBases(): string[] {
    const bases = this.config.baseDns;
    return bases.filter((base, index) => !bases.slice(0, index).some((b) => isDnWithin(base, b)));
  }

  inScope(dn: string): boolean {
    const excluded = this.config.excludeDns ?? [];
    return this.config.baseDns.some((b) => isDnWithin(dn, b)) && !excluded.some((x) => isDnWithin(dn, x));
  }

  // --- server facts -----------------------------------------------------------------------------

  async rootDse(client: Client, attributes: string[]): Promise<Record<string, string[]>> {
    try {
      const result = await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes, timeLimit: 0 });
      const entry = result.searchEntries[0];
      return entry ? toDirectoryEntry(entry, {}, []).attributes : {};
    } catch (error) {
      throw toDirectoryError(error, 'search', { url: this.config.url, baseDn: '(root DSE)' });
    }
  }

  /**
   * Who is in memberOfGroup, nested groups included, resolved here from the groups' member lists
   * (OpenLDAP and 389-DS have no server-side rule for it; AD's DC resolves it itself).
   */
  async memberOfClosure(client: Client): Promise<MemberClosure | undefined> {
    const group = this.config.memberOfGroup;
    if (!group) return undefined;
    const contexts = (await this.rootDse(client, ['namingContexts']))['namingcontexts'] ?? [];
    const context = contexts.find((c) => isDnWithin(group, c));
    const bases = context ? [context] : this.config.baseDns;
    const changeMark = FLAVOR_DEFAULTS[this.flavor].changeMark ?? 'entryCSN';
    const attributes = ['member', 'uniqueMember', 'memberUid', changeMark];
    const groups = new Map<string, GroupMembers>();
    const add = ({ dn, attributes: a }: DirectoryEntry): void => {
      groups.set(normalizeDn(dn), {
        dns: [...(a['member'] ?? []), ...(a['uniquemember'] ?? [])].map((v) => normalizeDn(memberValueToDn(v))),
        uids: (a['memberuid'] ?? []).map((u) => u.toLowerCase()),
        changeMark: a[changeMark.toLowerCase()]?.[0],
      });
    };
    for (const base of bases) {
      for await (const page of this.pages(base, this.filters.groups, attributes)) page.forEach(add);
    }
    if (!groups.has(normalizeDn(group))) {
      try {
        const result = await client.search(group, { scope: 'base', filter: '(objectClass=*)', attributes, timeLimit: 0 });
        result.searchEntries.forEach((raw) => add(toDirectoryEntry(raw)));
      } catch (error) {
        if (error instanceof NoSuchObjectError) {
          throw new AppError('DIR_SEARCH_FAILED', {
            message: `The group ${group} (memberOfGroup) does not exist in ${this.config.url}.`,
            hint: 'Correct memberOfGroup to the DN of an existing group, or remove it to sync every user in scope.',
            params: { form: 'noGroup', url: this.config.url, group },
            cause: error,
          });
        }
        throw toDirectoryError(error, 'search', { url: this.config.url, baseDn: group });
      }
    }
    return memberClosure(group, groups);
  }

  /** The member-of closure on a connection of its own (only when memberOfGroup is set). */
  async scopeClosure(): Promise<MemberClosure | undefined> {
    if (!this.config.memberOfGroup) return undefined;
    return this.withClient((client) => this.memberOfClosure(client));
  }

  // --- connections ----------------------------------------------------------------------------

  async open(): Promise<Client> {
    const client = await openLdapClient(this.config, this.logger);
    this.clients.add(client);
    return client;
  }

  async release(client: Client): Promise<void> {
    if (!this.clients.delete(client)) return;
    await client.unbind().catch(() => undefined);
  }

  async withClient<T>(use: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.open();
    try {
      return await use(client);
    } finally {
      await this.release(client);
    }
  }

  async close(): Promise<void> {
    for (const stream of [...this.streams]) stream.close();
    await Promise.all([...this.clients].map((c) => this.release(c)));
  }
}

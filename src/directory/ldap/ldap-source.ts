/**
 * The LDAP directory source (OpenLDAP, 389-DS/FreeIPA and Active Directory) behind the DirectorySource port.
 *
 * - Reads stream page by page (paged results, RFC 2696): one page in memory at a time.
 * - Scope: base DNs (include), exclude DNs, user/group filters, the admin's extra filter (users),
 *   and "members of group X" (nested), resolved by the DC on AD and by member-of.ts on OpenLDAP.
 * - Delta: entryCSN (OpenLDAP), modifyTimestamp (389-DS) or uSNChanged (AD) watermark. Deletes on
 *   OpenLDAP with syncprov from an RFC 4533 refreshOnly search (openldap/syncrepl-refresh.ts), on
 *   389-DS with contentsync from its own (389ds/contentsync.ts), costing what changed; elsewhere
 *   by anchor comparison.
 * - Push: RFC 4533 refreshAndPersist on OpenLDAP and 389-DS (openldap/syncrepl-watch.ts).
 */
import type { Client } from 'ldapts';
import { escapeFilter, NoSuchObjectError } from 'ldapts';

import { AppError } from '../../shared/errors.js';
import type { ChangeSet, Departures, DirectorySource, ReadPurpose } from '../../sync/ports.js';
import type { DirectoryEntry } from '../entry.js';
import { AD_BINARY_ATTRIBUTES } from './ad/ad-entry.js';
import { decodeUsnCursor, encodeUsnCursor } from './ad/usn-cursor.js';
import { dnParts, isDnWithin, normalizeDn } from './dn.js';
import { toDirectoryEntry, PASSWORD_ATTRIBUTES } from './entry-conversion.js';
import { and, changedSince, scopeFilters, type ScopeFilters, AD_IN_CHAIN, type WatermarkAttribute } from './filters.js';
import { checkConfig, FLAVOR_DEFAULTS, type LdapFlavor, type LdapLogger, type LdapSourceConfig } from './ldap-config.js';
import { ContentSyncDeletes } from './389ds/contentsync.js';
import { serverTime } from './389ds/server-time.js';
import { decodeDsCursor, encodeDsCursor, maxTimestamp } from './389ds/timestamp-cursor.js';
import { DEFAULT_OPERATION_TIMEOUT_MS, openLdapClient } from './ldap-connection.js';
import { pagedSearch } from './paged-search.js';
import { StreamConnection } from './stream-connection.js';
import { isStalledOrMalformed, toDirectoryError } from './ldap-errors.js';
import { isMemberOf, memberClosure, memberValueToDn, type GroupMembers, type MemberClosure } from './member-of.js';
import { csnList, csnVector, decodeCsnCursor, encodeCsnCursor, isAheadOf, isNewerThan, lowestCsn, type CsnVector } from './openldap/csn-cursor.js';
import { SYNC_REQUEST_OID } from './openldap/syncrepl-protocol.js';
import { readRefreshDeletes, type RefreshOutcome } from './openldap/syncrepl-refresh.js';
import { startSyncreplWatch } from './openldap/syncrepl-watch.js';

export type { LdapSourceConfig, LdapLogger } from './ldap-config.js';

const DEFAULT_PAGE_SIZE = 1000;
// An objects read never carries password material.
const PASSWORDS: ReadonlySet<string> = new Set(PASSWORD_ATTRIBUTES);

type ReadMode = ReadPurpose | 'anchors';
type Kind = 'users' | 'groups';

interface ScopeRead {
  mode: ReadMode;
  /** Extra condition ANDed into both searches (the delta watermark). */
  since?: { attribute: WatermarkAttribute; value: string };
  closure?: MemberClosure;
  /** Last word on each entry (strictly-newer check); also sees every entry, to track the watermark. */
  accept?: (entry: DirectoryEntry) => boolean;
  /** Anchors of changed entries that the read cut from scope (excluded subtree, not in group X): they left it. */
  cut?: string[];
}

const consoleLogger: LdapLogger = { warn: (msg, meta) => console.warn(msg, meta ?? '') };

export function createLdapSource(config: LdapSourceConfig, logger: LdapLogger = consoleLogger): DirectorySource {
  checkConfig(config);
  return new LdapSource(config, logger);
}

class LdapSource implements DirectorySource {
  readonly description: string;
  readonly flavor: LdapFlavor;
  readonly watch?: (onChange: () => void, onError: (error: unknown) => void) => () => void;

  private readonly filters: ScopeFilters;
  private readonly anchor: string;
  private readonly clients = new Set<Client>();
  private readonly streams = new Set<StreamConnection>();
  private readonly watchers = new Set<() => void>();
  /** 389-DS: the deletes of a delta from the contentsync plugin. */
  private readonly contentSync?: ContentSyncDeletes;

  constructor(
    private readonly config: LdapSourceConfig,
    private readonly logger: LdapLogger,
  ) {
    this.flavor = config.flavor;
    this.description = `${config.url.replace(/\/+$/, '')} (${config.flavor}${config.startTls ? ', StartTLS' : ''})`;
    this.filters = scopeFilters(config);
    this.anchor = FLAVOR_DEFAULTS[config.flavor].anchor;
    if (config.flavor === '389ds') this.contentSync = new ContentSyncDeletes(config, logger, `(|${this.filters.users}${this.filters.groups})`);
    // Push from RFC 4533 refreshAndPersist: OpenLDAP's syncprov and 389-DS's contentsync.
    if (config.flavor !== 'ad') {
      this.watch = (onChange, onError) => {
        const stop = startSyncreplWatch({
          config: this.config,
          logger: this.logger,
          filter: `(|${this.filters.users}${this.filters.groups})`,
          inScope: (dn) => this.inScope(dn),
          onChange,
          onError,
          initialCookies: (bases) => this.initialSyncCookies(bases),
        });
        const stopAndForget = (): void => {
          this.watchers.delete(stopAndForget);
          stop();
        };
        this.watchers.add(stopAndForget);
        return stopAndForget;
      };
    }
  }

  /**
   * Cookies that stand at "now". OpenLDAP: built from the contextCSN in the form its own consumers
   * send ("rid=NNN,csn=<CSN>", see slap_parse_sync_cookie in servers/slapd/ldapsync.c; slapd 2.5
   * ignores a cookie without rid). 389-DS: handed out by the server (389ds/contentsync.ts).
   */
  private async initialSyncCookies(bases: string[]): Promise<Record<string, Buffer> | null> {
    if (this.contentSync) {
      const cookies = await this.contentSync.cookies(bases);
      return cookies && Object.fromEntries(Object.entries(cookies).map(([base, cookie]) => [base, Buffer.from(cookie)]));
    }
    const client = await this.open();
    try {
      const csns = await this.contextCsn(client);
      return csns.size > 0 ? Object.fromEntries(bases.map((base) => [base, Buffer.from(`rid=000,csn=${csnList(csns)}`)])) : null;
    } finally {
      await this.release(client);
    }
  }

  async *readAll(purpose: ReadPurpose): AsyncIterable<DirectoryEntry[]> {
    yield* this.readScope({ mode: purpose, closure: await this.scopeClosure() });
  }

  async *listAnchors(): AsyncIterable<string[]> {
    const anchor = this.anchor.toLowerCase();
    for await (const page of this.readScope({ mode: 'anchors', closure: await this.scopeClosure() })) {
      const anchors = page.map((e) => e.attributes[anchor]?.[0]).filter((a): a is string => !!a);
      if (anchors.length) yield anchors;
    }
  }

  async readChanges(cursor: string | null, purpose: ReadPurpose): Promise<ChangeSet | null> {
    // No cursor yet: a full cycle (readAll after currentCursor) is what the engine needs.
    if (cursor === null) return null;
    if (this.flavor === 'ad') return this.readAdChanges(cursor, purpose);
    return this.flavor === '389ds' ? this.read389dsChanges(cursor, purpose) : this.readOpenLdapChanges(cursor, purpose);
  }

  async currentCursor(): Promise<string | null> {
    const client = await this.open();
    try {
      if (this.flavor === 'ad') {
        const root = await this.rootDse(client, ['highestCommittedUSN', 'dsServiceName']);
        const usn = root['highestcommittedusn']?.[0];
        // Not a DC after all (no USNs): no delta, full cycles only.
        if (!usn || !/^\d+$/.test(usn)) return null;
        return encodeUsnCursor({ usn: BigInt(usn), dsServiceName: root['dsservicename']?.[0] ?? '' });
      }
      if (this.flavor === '389ds') {
        let since = await serverTime(client);
        if (since === '') for await (const page of this.readScope({ mode: 'anchors', accept: (e) => ((since = maxTimestamp(since, e.attributes['modifytimestamp']?.[0])), false) })) void page;
        return encodeDsCursor({ since, cookies: (await this.contentSync?.cookies(this.topBases())) ?? {} });
      }
      let highest = await this.contextCsn(client);
      if (highest.size === 0) {
        // No syncprov (no contextCSN): the highest entryCSN per server id in scope is the next best watermark.
        for await (const page of this.readScope({ mode: 'anchors', accept: (e) => ((highest = csnVector(highest, e.attributes['entrycsn']?.[0])), false) })) void page;
      }
      return encodeCsnCursor(highest);
    } finally {
      await this.release(client);
    }
  }

  async close(): Promise<void> {
    for (const stop of [...this.watchers]) stop();
    for (const stream of [...this.streams]) stream.close();
    await Promise.all([...this.clients].map((c) => this.release(c)));
  }

  // --- delta ----------------------------------------------------------------------------------

  private async readOpenLdapChanges(cursor: string, purpose: ReadPurpose): Promise<ChangeSet | null> {
    // '' (from a currentCursor() of an empty directory) reads everything.
    const since = decodeCsnCursor(cursor);
    if (since === null) return null;
    const client = await this.open();
    let closure: MemberClosure | undefined;
    let watermark: CsnVector;
    try {
      // The server's contextCSN before reading: a change made while we read is then seen next time,
      // even when it lands on an entry already read (the highest CSN seen alone would skip it).
      watermark = await this.contextCsn(client);
      // A cursor ahead of the server: restored from backup, or another server. Start over.
      if (isAheadOf(since, watermark)) return null;
      closure = await this.closure(client);
      // A membership change of group X (or a nested group) changes who is in scope, but not the users'
      // own entries: only a full cycle sees it.
      if (since.size > 0 && closure && [...closure.groups.values()].some((mark) => isNewerThan(since, mark))) return null;
    } finally {
      await this.release(client);
    }
    // Without contextCSN (no syncprov) the highest entryCSN seen is the fallback; it can skip a
    // change committed during the read to an entry already passed, so contextCSN wins when known.
    let highestSeen: CsnVector = since;
    const cut: string[] = [];
    const read: ScopeRead = {
      mode: purpose,
      closure,
      // One CSN per server id: the filter reads from the lowest, accept() keeps what is newer than its own sid's.
      since: since.size === 0 ? undefined : { attribute: 'entryCSN', value: lowestCsn(since) },
      accept: (entry) => {
        const csn = entry.attributes['entrycsn']?.[0];
        highestSeen = csnVector(highestSeen, csn);
        return since.size === 0 || isNewerThan(since, csn);
      },
      cut,
    };
    // Deletes are asked for while the changes are read (a second connection); only objects need them.
    const refresh = purpose === 'objects' && since.size > 0 && watermark.size > 0 ? this.refreshDeletes(csnList(since)) : null;
    refresh?.catch(() => undefined);
    return {
      changed: this.readScope(read),
      departures: async () => departuresFrom(refresh ? await refresh : null, cut),
      get nextCursor() {
        return encodeCsnCursor(watermark.size > 0 ? csnVector(since, watermark) : highestSeen);
      },
    };
  }

  /**
   * One refreshOnly search per base DN. A base that fell back to the present phase (no session log
   * covering the cursor) needs every base's present set; a failed refresh falls back to comparison.
   */
  private async refreshDeletes(sinceCsn: string): Promise<RefreshOutcome[] | null> {
    const filter = `(|${this.filters.users}${this.filters.groups})`;
    try {
      return await Promise.all(this.topBases().map((base) => readRefreshDeletes({ config: this.config, logger: this.logger, base, filter, sinceCsn })));
    } catch (error) {
      if (isStalledOrMalformed(error)) throw error;
      this.logger.warn(`The RFC 4533 refresh for deletes on ${this.config.url} failed; this delta compares every anchor instead.`, { error: (error as Error).message });
      return null;
    }
  }

  /**
   * 389-DS: entries with modifyTimestamp at or after the watermark second (what was already exported
   * unchanged, the engine drops by fingerprint); deletes from contentsync with the stored cookies.
   */
  private async read389dsChanges(cursor: string, purpose: ReadPurpose): Promise<ChangeSet | null> {
    const previous = decodeDsCursor(cursor);
    if (previous === null) return null;
    const since = previous.since;
    const client = await this.open();
    let closure: MemberClosure | undefined;
    let now: string;
    let firstChange: number | undefined;
    try {
      // The server's clock before reading: a change made while we read has a modifyTimestamp at or
      // after it, so the next delta sees it.
      now = await serverTime(client);
      if (since !== '' && now !== '' && since > now) return null;
      closure = await this.closure(client);
      // At or after: a group change in the watermark's own second may not have been read yet.
      if (since !== '' && closure && [...closure.groups.values()].some((mark) => mark !== undefined && mark >= since)) return null;
      if (purpose === 'objects') {
        const first = (await this.rootDse(client, ['firstchangenumber']))['firstchangenumber']?.[0];
        firstChange = first && /^\d+$/.test(first) ? Number(first) : undefined;
      }
    } finally {
      await this.release(client);
    }
    let highestSeen = since;
    const cut: string[] = [];
    const read: ScopeRead = {
      mode: purpose,
      closure,
      since: since === '' ? undefined : { attribute: 'modifyTimestamp', value: since },
      // Without the server's clock, the highest modifyTimestamp seen is the fallback watermark.
      accept: (entry) => ((highestSeen = maxTimestamp(highestSeen, entry.attributes['modifytimestamp']?.[0])), true),
      cut,
    };
    // Deletes are asked for while the changes are read (another connection); only objects need them.
    let cookies = previous.cookies;
    const deletes = purpose === 'objects' && since !== '' ? this.contentSync?.deletesSince(this.topBases(), previous.cookies, firstChange) : undefined;
    deletes?.catch(() => undefined);
    return {
      changed: this.readScope(read),
      departures: async () => {
        const outcome = deletes ? await deletes : null;
        if (outcome) cookies = outcome.cookies;
        if (!outcome?.anchors) return { kind: 'compare' };
        return { kind: 'anchors', anchors: [...outcome.anchors, ...cut, ...(await this.changedOutOfFilter(since))] };
      },
      get nextCursor() {
        return encodeDsCursor({ since: now !== '' ? maxTimestamp(since, now) : highestSeen, cookies });
      },
    };
  }

  /**
   * Anchors of entries changed since the watermark that no longer match the user or group filter:
   * they left the scope, and 389-DS's contentsync does not name them (see 389ds/contentsync.ts).
   */
  private async changedOutOfFilter(since: string): Promise<string[]> {
    const anchors: string[] = [];
    const filter = and(`(!(|${this.filters.users}${this.filters.groups}))`, `(modifyTimestamp>=${escapeFilter`${since}`})`);
    const anchor = this.anchor.toLowerCase();
    for (const base of this.topBases()) {
      for await (const page of this.pages(base, filter, [this.anchor])) {
        for (const entry of page) {
          const value = entry.attributes[anchor]?.[0];
          if (value) anchors.push(value);
        }
      }
    }
    return anchors;
  }

  private async readAdChanges(cursor: string, purpose: ReadPurpose): Promise<ChangeSet | null> {
    const previous = decodeUsnCursor(cursor);
    if (previous === null) return null;
    const client = await this.open();
    let next: { usn: bigint; dsServiceName: string };
    try {
      const root = await this.rootDse(client, ['highestCommittedUSN', 'dsServiceName', 'defaultNamingContext']);
      const usn = root['highestcommittedusn']?.[0];
      if (!usn || !/^\d+$/.test(usn)) return null;
      const highest = BigInt(usn);
      const dsServiceName = root['dsservicename']?.[0] ?? '';
      next = { usn: highest, dsServiceName };
      // USNs are per DC: a cursor of another DC, or one ahead of this DC, is no use.
      if (normalizeDn(previous.dsServiceName) !== normalizeDn(dsServiceName) || previous.usn > highest) return null;
      if (this.config.memberOfGroup) {
        const group = this.config.memberOfGroup;
        const base = root['defaultnamingcontext']?.[0] ?? this.config.baseDns[0] ?? '';
        const changedGroups = and(
          '(objectClass=group)',
          escapeFilter`(|(distinguishedName=${group})(memberOf:${AD_IN_CHAIN}:=${group}))`,
          `(uSNChanged>=${(previous.usn + 1n).toString()})`,
        );
        for await (const page of this.pages(base, changedGroups, ['1.1'])) if (page.length > 0) return null;
      }
    } finally {
      await this.release(client);
    }
    const read: ScopeRead = { mode: purpose, since: { attribute: 'uSNChanged', value: (previous.usn + 1n).toString() } };
    return { changed: this.readScope(read), departures: () => Promise.resolve({ kind: 'compare' }), nextCursor: encodeUsnCursor(next) };
  }

  // --- reading ----------------------------------------------------------------------------------

  /** Users then groups under every base, in scope, one page at a time. */
  private async *readScope(read: ScopeRead): AsyncGenerator<DirectoryEntry[]> {
    const bases = this.config.baseDns;
    const kinds: Kind[] = read.mode === 'passwords' ? ['users'] : ['users', 'groups'];
    const anchor = this.anchor.toLowerCase();
    for (const [index, base] of bases.entries()) {
      const earlier = bases.slice(0, index);
      // A base inside an earlier one was read with it.
      if (earlier.some((b) => isDnWithin(base, b))) continue;
      for (const kind of kinds) {
        const scopeFilter = kind === 'users' ? this.filters.users : this.filters.groups;
        const filter = read.since ? changedSince(scopeFilter, read.since.attribute, read.since.value) : scopeFilter;
        const drop = read.mode === 'objects' ? PASSWORDS : undefined;
        for await (const entries of this.pages(base, filter, this.attributesFor(read.mode, kind, read.closure), drop)) {
          const page: DirectoryEntry[] = [];
          // Every result lies under `base`; a DN needs parsing only when some subtree is cut out of it.
          const cuts = this.cutsWithin(base, earlier);
          for (const entry of entries) {
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
          if (page.length > 0) yield page;
        }
      }
    }
  }

  /** One search, page by page, on a connection of its own (stream-connection.ts: why not ldapts here). */
  private async *pages(base: string, filter: string, attributes: string[], drop?: ReadonlySet<string>): AsyncGenerator<DirectoryEntry[]> {
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
        ...(this.flavor === 'ad' ? { binary: AD_BINARY_ATTRIBUTES } : {}),
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

  private attributesFor(mode: ReadMode, kind: Kind, closure: MemberClosure | undefined): string[] {
    const defaults = FLAVOR_DEFAULTS[this.flavor];
    // memberUid holds user names: checking membership needs the uid of each user.
    const forMembership = kind === 'users' && closure ? ['uid'] : [];
    if (mode === 'anchors') return [defaults.anchor, ...(defaults.changeMark ? [defaults.changeMark] : []), ...forMembership];
    if (mode === 'passwords') return [defaults.anchor, ...defaults.passwordAttributes, ...forMembership];
    return [...(this.config.attributes ?? ['*']), defaults.anchor, ...defaults.operational];
  }

  /** Excluded subtrees and earlier (already read) bases that overlap `base`, as dnParts. */
  private cutsWithin(base: string, earlier: string[]): string[][] {
    const baseParts = dnParts(base);
    return [...(this.config.excludeDns ?? []), ...earlier].map((dn) => dnParts(dn)).filter((cut) => isDnWithin(cut, baseParts) || isDnWithin(baseParts, cut));
  }

  /** The base DNs that are not inside another one. */
  private topBases(): string[] {
    const bases = this.config.baseDns;
    return bases.filter((base, index) => !bases.slice(0, index).some((b) => isDnWithin(base, b)));
  }

  private inScope(dn: string): boolean {
    const excluded = this.config.excludeDns ?? [];
    return this.config.baseDns.some((b) => isDnWithin(dn, b)) && !excluded.some((x) => isDnWithin(dn, x));
  }

  // --- server facts -----------------------------------------------------------------------------

  private async rootDse(client: Client, attributes: string[]): Promise<Record<string, string[]>> {
    try {
      const result = await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes, timeLimit: 0 });
      const entry = result.searchEntries[0];
      return entry ? toDirectoryEntry(entry, {}, []).attributes : {};
    } catch (error) {
      throw toDirectoryError(error, 'search', { url: this.config.url, baseDn: '(root DSE)' });
    }
  }

  /**
   * The contextCSN of the naming contexts that hold the base DNs, one CSN per server id (several
   * with multi-provider replication; see openldap/csn-cursor.ts); empty when the server keeps none. Only the syncprov overlay keeps contextCSN current (slapadd -w writes one that then
   * stays put), so it counts only where the server offers RFC 4533.
   */
  private async contextCsn(client: Client): Promise<CsnVector> {
    const root = await this.rootDse(client, ['namingContexts', 'supportedControl']);
    if (!(root['supportedcontrol'] ?? []).includes(SYNC_REQUEST_OID)) return new Map();
    const contexts = root['namingcontexts'] ?? [];
    const holding = new Set(this.config.baseDns.map((b) => contexts.find((c) => isDnWithin(b, c))).filter((c): c is string => c !== undefined));
    let highest: CsnVector = new Map();
    for (const context of holding) {
      try {
        const result = await client.search(context, { scope: 'base', filter: '(objectClass=*)', attributes: ['contextCSN'], timeLimit: 0 });
        const values = toDirectoryEntry(result.searchEntries[0] ?? { dn: context }, {}, []).attributes['contextcsn'] ?? [];
        highest = csnVector(highest, ...values);
      } catch (error) {
        throw toDirectoryError(error, 'search', { url: this.config.url, baseDn: context });
      }
    }
    return highest;
  }

  /** The memberOfGroup closure where the source resolves it itself (a connection only then). */
  private async scopeClosure(): Promise<MemberClosure | undefined> {
    if (!this.config.memberOfGroup || this.flavor === 'ad') return undefined;
    const client = await this.open();
    try {
      return await this.closure(client);
    } finally {
      await this.release(client);
    }
  }

  /** On OpenLDAP and 389-DS with memberOfGroup: who is in group X, nested groups included (AD's DC does it itself). */
  private async closure(client: Client): Promise<MemberClosure | undefined> {
    const group = this.config.memberOfGroup;
    if (!group || this.flavor === 'ad') return undefined;
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
            cause: error,
          });
        }
        throw toDirectoryError(error, 'search', { url: this.config.url, baseDn: group });
      }
    }
    return memberClosure(group, groups);
  }

  // --- connections ----------------------------------------------------------------------------

  private async open(): Promise<Client> {
    const client = await openLdapClient(this.config, this.logger);
    this.clients.add(client);
    return client;
  }

  private async release(client: Client): Promise<void> {
    if (!this.clients.delete(client)) return;
    await client.unbind().catch(() => undefined);
  }
}

/** The departures of a delta: the refresh's answer for every base, plus what the read cut from scope. */
function departuresFrom(refreshes: RefreshOutcome[] | null, cut: string[]): Departures {
  if (refreshes === null || refreshes.some((r) => r.kind === 'reload')) return { kind: 'compare' };
  if (refreshes.every((r) => r.kind === 'deleted')) return { kind: 'anchors', anchors: [...refreshes.flatMap((r) => (r.kind === 'deleted' ? r.anchors : [])), ...cut] };
  // A present phase names what is still there; a base that answered with deletes named those instead,
  // so its present entries are unknown here: compare.
  if (!refreshes.every((r) => r.kind === 'present')) return { kind: 'compare' };
  const present = new Set<string>();
  for (const r of refreshes) if (r.kind === 'present') for (const a of r.anchors) present.add(a);
  for (const a of cut) present.delete(a);
  return { kind: 'present', anchors: present };
}

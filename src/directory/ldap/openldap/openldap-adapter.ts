/**
 * OpenLDAP's rules: the delta cursor is the contextCSN (one CSN per server id, csn-cursor.ts),
 * or without syncprov the highest entryCSN seen; deletes come from an RFC 4533 refreshOnly search
 * (syncrepl-refresh.ts), costing what changed; push from refreshAndPersist (syncrepl-watch.ts);
 * memberOfGroup is resolved client-side (member-of.ts).
 */
import type { Client } from 'ldapts';

import type { ChangeSet, Departures, ReadPurpose } from '../../../sync/ports.js';
import type { FlavorAdapter } from '../flavor-adapter.js';
import type { LdapCore, MemberScope, ScopeRead } from '../ldap-core.js';
import { isDnWithin } from '../dn.js';
import { toDirectoryEntry } from '../entry-conversion.js';
import { isStalledOrMalformed, toDirectoryError } from '../ldap-errors.js';
import type { MemberClosure } from '../member-of.js';
import { csnList, csnVector, decodeCsnCursor, encodeCsnCursor, isAheadOf, isNewerThan, lowestCsn, type CsnVector } from './csn-cursor.js';
import { SYNC_REQUEST_OID } from './syncrepl-protocol.js';
import { readRefreshDeletes, type RefreshOutcome } from './syncrepl-refresh.js';
import { syncreplWatch } from './syncrepl-watch.js';

export class OpenLdapAdapter implements FlavorAdapter {
  readonly watch: FlavorAdapter['watch'];
  private readonly watchers = new Set<() => void>();

  constructor(private readonly core: LdapCore) {
    this.watch = syncreplWatch(core, this.watchers, (bases) => this.initialSyncCookies(bases));
  }

  async memberScope(): Promise<MemberScope> {
    const closure = await this.core.scopeClosure();
    return closure ? { closure } : {};
  }

  /**
   * Cookies that stand at "now", built from the contextCSN in the form OpenLDAP's own consumers
   * send ("rid=NNN,csn=<CSN>", see slap_parse_sync_cookie in servers/slapd/ldapsync.c; slapd 2.5
   * ignores a cookie without rid).
   */
  private async initialSyncCookies(bases: string[]): Promise<Record<string, Buffer> | null> {
    return this.core.withClient(async (client) => {
      const csns = await this.contextCsn(client);
      return csns.size > 0 ? Object.fromEntries(bases.map((base) => [base, Buffer.from(`rid=000,csn=${csnList(csns)}`)])) : null;
    });
  }

  async currentCursor(): Promise<string | null> {
    const client = await this.core.open();
    try {
      let highest = await this.contextCsn(client);
      if (highest.size === 0) {
        // No syncprov (no contextCSN): the highest entryCSN per server id in scope is the next best watermark.
        for await (const page of this.core.readScope({ mode: 'anchors', accept: (e) => ((highest = csnVector(highest, e.attributes['entrycsn']?.[0])), false) })) void page;
      }
      return encodeCsnCursor(highest);
    } finally {
      await this.core.release(client);
    }
  }

  async readChanges(cursor: string, purpose: ReadPurpose): Promise<ChangeSet | null> {
    // '' (from a currentCursor() of an empty directory) reads everything.
    const since = decodeCsnCursor(cursor);
    if (since === null) return null;
    const client = await this.core.open();
    let closure: MemberClosure | undefined;
    let watermark: CsnVector;
    try {
      // The server's contextCSN before reading: a change made while we read is then seen next time,
      // even when it lands on an entry already read (the highest CSN seen alone would skip it).
      watermark = await this.contextCsn(client);
      // A cursor ahead of the server: restored from backup, or another server. Start over.
      if (isAheadOf(since, watermark)) return null;
      closure = await this.core.memberOfClosure(client);
      // A membership change of group X (or a nested group) changes who is in scope, but not the users'
      // own entries: only a full cycle sees it.
      if (since.size > 0 && closure && [...closure.groups.values()].some((mark) => isNewerThan(since, mark))) return null;
    } finally {
      await this.core.release(client);
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
      changed: this.core.readScope(read),
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
    const { config, logger } = this.core;
    try {
      return await Promise.all(this.core.topBases().map((base) => readRefreshDeletes({ config, logger, base, filter: this.core.inScopeFilter, sinceCsn })));
    } catch (error) {
      if (isStalledOrMalformed(error)) throw error;
      logger.warn(`The RFC 4533 refresh for deletes on ${config.url} failed; this delta compares every anchor instead.`, { error: (error as Error).message });
      return null;
    }
  }

  /**
   * The contextCSN of the naming contexts that hold the base DNs, one CSN per server id (several
   * with multi-provider replication; see csn-cursor.ts); empty when the server keeps none. Only the
   * syncprov overlay keeps contextCSN current (slapadd -w writes one that then stays put), so it
   * counts only where the server offers RFC 4533.
   */
  private async contextCsn(client: Client): Promise<CsnVector> {
    const root = await this.core.rootDse(client, ['namingContexts', 'supportedControl']);
    if (!(root['supportedcontrol'] ?? []).includes(SYNC_REQUEST_OID)) return new Map();
    const contexts = root['namingcontexts'] ?? [];
    const holding = new Set(this.core.config.baseDns.map((b) => contexts.find((c) => isDnWithin(b, c))).filter((c): c is string => c !== undefined));
    let highest: CsnVector = new Map();
    for (const context of holding) {
      try {
        const result = await client.search(context, { scope: 'base', filter: '(objectClass=*)', attributes: ['contextCSN'], timeLimit: 0 });
        const values = toDirectoryEntry(result.searchEntries[0] ?? { dn: context }, {}, []).attributes['contextcsn'] ?? [];
        highest = csnVector(highest, ...values);
      } catch (error) {
        throw toDirectoryError(error, 'search', { url: this.core.config.url, baseDn: context });
      }
    }
    return highest;
  }

  close(): void {
    for (const stop of [...this.watchers]) stop();
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

/**
 * 389-DS's (and FreeIPA's) rules: the delta cursor is modifyTimestamp at or after the server's
 * clock before the read (timestamp-cursor.ts) plus the contentsync cookies; deletes come from the
 * contentsync plugin (contentsync.ts); push from its refreshAndPersist; memberOfGroup resolved
 * client-side (member-of.ts). The anchor is nsUniqueId (why: ldap-config.ts).
 */
import { escapeFilter } from 'ldapts';

import type { ChangeSet, ReadPurpose } from '../../../sync/ports.js';
import type { FlavorAdapter } from '../flavor-adapter.js';
import { and } from '../filters.js';
import type { LdapCore, MemberScope, ScopeRead } from '../ldap-core.js';
import type { MemberClosure } from '../member-of.js';
import { syncreplWatch } from '../openldap/syncrepl-watch.js';
import { ContentSyncDeletes } from './contentsync.js';
import { serverTime } from './server-time.js';
import { decodeDsCursor, encodeDsCursor, maxTimestamp } from './timestamp-cursor.js';

export class Ds389Adapter implements FlavorAdapter {
  readonly watch: FlavorAdapter['watch'];
  private readonly watchers = new Set<() => void>();
  /** The deletes of a delta from the contentsync plugin. */
  private readonly contentSync: ContentSyncDeletes;

  constructor(private readonly core: LdapCore) {
    this.contentSync = new ContentSyncDeletes(core.config, core.logger, core.inScopeFilter);
    // Cookies that stand at "now", handed out by the server (contentsync.ts).
    this.watch = syncreplWatch(core, this.watchers, async (bases) => {
      const cookies = await this.contentSync.cookies(bases);
      return cookies && Object.fromEntries(Object.entries(cookies).map(([base, cookie]) => [base, Buffer.from(cookie)]));
    });
  }

  async memberScope(): Promise<MemberScope> {
    const closure = await this.core.scopeClosure();
    return closure ? { closure } : {};
  }

  async currentCursor(): Promise<string | null> {
    let since = await this.core.withClient((client) => serverTime(client));
    if (since === '') for await (const page of this.core.readScope({ mode: 'anchors', accept: (e) => ((since = maxTimestamp(since, e.attributes['modifytimestamp']?.[0])), false) })) void page;
    return encodeDsCursor({ since, cookies: (await this.contentSync.cookies(this.core.topBases())) ?? {} });
  }

  /**
   * Entries with modifyTimestamp at or after the watermark second (what was already exported
   * unchanged, the engine drops by fingerprint); deletes from contentsync with the stored cookies.
   */
  async readChanges(cursor: string, purpose: ReadPurpose): Promise<ChangeSet | null> {
    const previous = decodeDsCursor(cursor);
    if (previous === null) return null;
    const since = previous.since;
    const client = await this.core.open();
    let closure: MemberClosure | undefined;
    let now: string;
    let firstChange: number | undefined;
    try {
      // The server's clock before reading: a change made while we read has a modifyTimestamp at or
      // after it, so the next delta sees it.
      now = await serverTime(client);
      if (since !== '' && now !== '' && since > now) return null;
      closure = await this.core.memberOfClosure(client);
      // At or after: a group change in the watermark's own second may not have been read yet.
      if (since !== '' && closure && [...closure.groups.values()].some((mark) => mark !== undefined && mark >= since)) return null;
      if (purpose === 'objects') {
        const first = (await this.core.rootDse(client, ['firstchangenumber']))['firstchangenumber']?.[0];
        firstChange = first && /^\d+$/.test(first) ? Number(first) : undefined;
      }
    } finally {
      await this.core.release(client);
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
    const deletes = purpose === 'objects' && since !== '' ? this.contentSync.deletesSince(this.core.topBases(), previous.cookies, firstChange) : undefined;
    deletes?.catch(() => undefined);
    return {
      changed: this.core.readScope(read),
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
   * they left the scope, and 389-DS's contentsync does not name them (see contentsync.ts).
   */
  private async changedOutOfFilter(since: string): Promise<string[]> {
    const anchors: string[] = [];
    const filter = and(`(!${this.core.inScopeFilter})`, `(modifyTimestamp>=${escapeFilter`${since}`})`);
    const anchor = this.core.anchor.toLowerCase();
    for (const base of this.core.topBases()) {
      for await (const page of this.core.pages(base, filter, [this.core.anchor])) {
        for (const entry of page) {
          const value = entry.attributes[anchor]?.[0];
          if (value) anchors.push(value);
        }
      }
    }
    return anchors;
  }

  close(): void {
    for (const stop of [...this.watchers]) stop();
  }
}

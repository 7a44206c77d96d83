/**
 * Active Directory's rules (Windows Server AD and Samba AD DC):
 * - Cursor: the DC's highestCommittedUSN read before the read, valid for that DC only
 *   (usn-cursor.ts); a delta reads entries with uSNChanged above it.
 *   https://learn.microsoft.com/en-us/windows/win32/ad/polling-for-changes-using-usnchanged
 * - memberOfGroup: resolved by the DC through LDAP_MATCHING_RULE_IN_CHAIN (filters.ts); a change of
 *   group X or a nested group changes who is in scope without touching the users: a full cycle.
 * - Binary attributes and tombstones: ad-entry.ts; the disabled flag: user-account-control.ts.
 */
import { escapeFilter } from 'ldapts';

import type { ChangeSet, ReadPurpose } from '../../../sync/ports.js';
import { normalizeDn } from '../dn.js';
import type { FlavorAdapter } from '../flavor-adapter.js';
import { AD_IN_CHAIN, and } from '../filters.js';
import type { FlavorQuirks, LdapCore, ScopeRead } from '../ldap-core.js';
import type { MemberClosure } from '../member-of.js';
import { AD_BINARY_ATTRIBUTES } from './ad-entry.js';
import { decodeUsnCursor, encodeUsnCursor } from './usn-cursor.js';

export const AD_QUIRKS: FlavorQuirks = { binary: AD_BINARY_ATTRIBUTES };

export class AdAdapter implements FlavorAdapter {
  constructor(private readonly core: LdapCore) {}

  // The DC filters by group itself (in-chain rule): nothing to resolve here.
  scopeClosure(): Promise<MemberClosure | undefined> {
    return Promise.resolve(undefined);
  }

  async currentCursor(): Promise<string | null> {
    const root = await this.core.withClient((client) => this.core.rootDse(client, ['highestCommittedUSN', 'dsServiceName']));
    const usn = root['highestcommittedusn']?.[0];
    // Not a DC after all (no USNs): no delta, full cycles only.
    if (!usn || !/^\d+$/.test(usn)) return null;
    return encodeUsnCursor({ usn: BigInt(usn), dsServiceName: root['dsservicename']?.[0] ?? '' });
  }

  async readChanges(cursor: string, purpose: ReadPurpose): Promise<ChangeSet | null> {
    const previous = decodeUsnCursor(cursor);
    if (previous === null) return null;
    const client = await this.core.open();
    let next: { usn: bigint; dsServiceName: string };
    try {
      const root = await this.core.rootDse(client, ['highestCommittedUSN', 'dsServiceName', 'defaultNamingContext']);
      const usn = root['highestcommittedusn']?.[0];
      if (!usn || !/^\d+$/.test(usn)) return null;
      const highest = BigInt(usn);
      const dsServiceName = root['dsservicename']?.[0] ?? '';
      next = { usn: highest, dsServiceName };
      // USNs are per DC: a cursor of another DC, or one ahead of this DC, is no use.
      if (normalizeDn(previous.dsServiceName) !== normalizeDn(dsServiceName) || previous.usn > highest) return null;
      const group = this.core.config.memberOfGroup;
      if (group) {
        const base = root['defaultnamingcontext']?.[0] ?? this.core.config.baseDns[0] ?? '';
        const changedGroups = and(
          '(objectClass=group)',
          escapeFilter`(|(distinguishedName=${group})(memberOf:${AD_IN_CHAIN}:=${group}))`,
          `(uSNChanged>=${(previous.usn + 1n).toString()})`,
        );
        for await (const page of this.core.pages(base, changedGroups, ['1.1'])) if (page.length > 0) return null;
      }
    } finally {
      await this.core.release(client);
    }
    const read: ScopeRead = { mode: purpose, since: { attribute: 'uSNChanged', value: (previous.usn + 1n).toString() } };
    return { changed: this.core.readScope(read), departures: () => Promise.resolve({ kind: 'compare' }), nextCursor: encodeUsnCursor(next) };
  }
}

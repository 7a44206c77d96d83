/**
 * The objects synced from the directory, by anchor, with the fingerprint of what the tenant holds
 * (the same fingerprintObject the agent computes of what it reads): an agent's full cycle plans
 * against it, so what the tenant lost or holds differently is sent again. Also the users holding a
 * synced verifier, with the fingerprint it was sent with, for the password reconciliation.
 * Paged by "anchor > after"; PostgreSQL compares in the C collation so the order is the byte
 * order SQLite uses too, whatever the database's locale.
 */
import { sql } from 'kysely';
import { fingerprintObject } from '../../sync/plan.js';
import { chunk, inList, listChunk } from './dialect.js';
import type { RepoContext } from './repo-context.js';

export interface SyncedObjectRef {
  anchor: string;
  kind: 'user' | 'group';
  dn: string;
  fingerprint: string;
}

const anchorOrder = (ctx: RepoContext, column: string) =>
  (ctx.dialect === 'postgres' ? sql<string>`${sql.ref(column)} collate "C"` : sql<string>`${sql.ref(column)}`);

export async function listSyncedObjects(ctx: RepoContext, after: string, limit: number): Promise<SyncedObjectRef[]> {
  const [users, groups] = await Promise.all([
    ctx.db.selectFrom('users as u')
      .select(['u.anchor', 'u.dn', 'u.upn', 'u.display_name', 'u.given_name', 'u.surname', 'u.mail', 'u.other_mails', 'u.enabled'])
      .where('u.tenant_id', '=', ctx.tenantId).where('u.source', '=', 'on_premises')
      .where(anchorOrder(ctx, 'u.anchor'), '>', after).orderBy(anchorOrder(ctx, 'u.anchor')).limit(limit).execute(),
    ctx.db.selectFrom('groups as g').select(['g.anchor', 'g.dn', 'g.name', 'g.description', 'g.mail'])
      .where('g.tenant_id', '=', ctx.tenantId)
      .where(anchorOrder(ctx, 'g.anchor'), '>', after).orderBy(anchorOrder(ctx, 'g.anchor')).limit(limit).execute(),
  ]);
  type Row = { kind: 'user'; row: (typeof users)[number] } | { kind: 'group'; row: (typeof groups)[number] };
  const merged: Row[] = [...users.map((row) => ({ kind: 'user' as const, row })), ...groups.map((row) => ({ kind: 'group' as const, row }))];
  merged.sort((a, b) => Buffer.compare(Buffer.from(a.row.anchor), Buffer.from(b.row.anchor)));
  const page = merged.slice(0, limit);

  const members = new Map<string, string[]>();
  const groupAnchors = page.filter((r) => r.kind === 'group').map((r) => r.row.anchor);
  for (const part of chunk(groupAnchors, listChunk(ctx.dialect))) {
    const rows = await ctx.db.selectFrom('memberships').select(['group_anchor', 'member_anchor'])
      .where('tenant_id', '=', ctx.tenantId).where(inList(ctx.dialect, 'group_anchor', part)).execute();
    for (const r of rows) {
      let list = members.get(r.group_anchor);
      if (!list) members.set(r.group_anchor, (list = []));
      list.push(r.member_anchor);
    }
  }
  return page.map((r) => {
    if (r.kind === 'user') {
      const u = r.row;
      const dn = u.dn ?? '';
      return {
        anchor: u.anchor, kind: 'user', dn,
        fingerprint: fingerprintObject({
          kind: 'user', anchor: u.anchor, dn, userPrincipalName: u.upn, displayName: u.display_name, givenName: u.given_name,
          surname: u.surname, mail: u.mail, otherMails: JSON.parse(u.other_mails) as string[], enabled: Number(u.enabled) === 1,
        }),
      };
    }
    const g = r.row;
    return {
      anchor: g.anchor, kind: 'group', dn: g.dn,
      fingerprint: fingerprintObject({ kind: 'group', anchor: g.anchor, dn: g.dn, name: g.name, description: g.description, mail: g.mail, memberAnchors: members.get(g.anchor) ?? [] }),
    };
  });
}

export async function listVerifierFingerprints(ctx: RepoContext, after: string, limit: number): Promise<Array<{ anchor: string; fingerprint: string | null }>> {
  return ctx.db.selectFrom('password_verifiers as v').select(['v.anchor', 'v.fingerprint'])
    .where('v.tenant_id', '=', ctx.tenantId)
    .where(anchorOrder(ctx, 'v.anchor'), '>', after).orderBy(anchorOrder(ctx, 'v.anchor')).limit(limit).execute();
}

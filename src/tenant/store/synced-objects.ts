/**
 * The objects synced from the directory, by anchor, for an agent's full-cycle delete detection.
 * Paged by "anchor > after"; PostgreSQL compares in the C collation so the order is the byte
 * order SQLite uses too, whatever the database's locale.
 */
import { sql } from 'kysely';
import type { RepoContext } from './repo-context.js';

export interface SyncedObjectRef {
  anchor: string;
  kind: 'user' | 'group';
  dn: string;
}

export async function listSyncedObjects(ctx: RepoContext, after: string, limit: number): Promise<SyncedObjectRef[]> {
  const anchor = (table: 'u' | 'g') => (ctx.dialect === 'postgres' ? sql<string>`${sql.ref(`${table}.anchor`)} collate "C"` : sql<string>`${sql.ref(`${table}.anchor`)}`);
  const [users, groups] = await Promise.all([
    ctx.db.selectFrom('users as u').select(['u.anchor', 'u.dn'])
      .where('u.tenant_id', '=', ctx.tenantId).where('u.source', '=', 'on_premises')
      .where(anchor('u'), '>', after).orderBy(anchor('u')).limit(limit).execute(),
    ctx.db.selectFrom('groups as g').select(['g.anchor', 'g.dn'])
      .where('g.tenant_id', '=', ctx.tenantId)
      .where(anchor('g'), '>', after).orderBy(anchor('g')).limit(limit).execute(),
  ]);
  const merged: SyncedObjectRef[] = [
    ...users.map((u) => ({ anchor: u.anchor, kind: 'user' as const, dn: u.dn ?? '' })),
    ...groups.map((g) => ({ anchor: g.anchor, kind: 'group' as const, dn: g.dn })),
  ];
  merged.sort((a, b) => (Buffer.compare(Buffer.from(a.anchor), Buffer.from(b.anchor))));
  return merged.slice(0, limit);
}

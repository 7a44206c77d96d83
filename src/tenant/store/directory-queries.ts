/**
 * Reads of synced users and groups: the admin center lists, sign-in lookup, password state.
 * Search is a case-insensitive substring match on the stored lower-case columns (a trigram
 * index serves it on PostgreSQL when pg_trgm is available); lists are always paged.
 */
import type { PasswordVerifier } from '../../passwords/verifier-model.js';
import type { GroupView, Page, UserView } from '../api/contract.js';
import { containsLower, toDate, toNumber } from './dialect.js';
import type { PasswordState, StoredUserForSignIn } from './ports.js';
import type { RepoContext } from './repo-context.js';

export async function listUsers(ctx: RepoContext, query: { search?: string | undefined; page: number; pageSize: number }): Promise<Page<UserView>> {
  let base = ctx.db.selectFrom('users as u').where('u.tenant_id', '=', ctx.tenantId);
  const search = query.search?.trim();
  if (search) {
    base = base.where((eb) => eb.or([
      containsLower(eb.ref('u.display_name_lower'), search),
      containsLower(eb.ref('u.upn_lower'), search),
      containsLower(eb.ref('u.mail_lower'), search),
    ]));
  }
  const [rows, count] = await Promise.all([
    base
      .leftJoin('password_verifiers as v', (join) => join.onRef('v.tenant_id', '=', 'u.tenant_id').onRef('v.anchor', '=', 'u.anchor'))
      .select(['u.anchor', 'u.upn', 'u.display_name', 'u.given_name', 'u.surname', 'u.mail', 'u.enabled', 'u.source', 'u.dn', 'u.updated_at', 'v.anchor as verifier_anchor'])
      .orderBy('u.sort_key').orderBy('u.upn_lower').orderBy('u.anchor')
      .limit(query.pageSize).offset((query.page - 1) * query.pageSize)
      .execute(),
    base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((r) => ({
      anchor: r.anchor,
      userPrincipalName: r.upn,
      displayName: r.display_name,
      givenName: r.given_name,
      surname: r.surname,
      mail: r.mail,
      enabled: r.enabled === 1,
      source: r.source as UserView['source'],
      dn: r.dn,
      passwordSynced: r.verifier_anchor !== null,
      lastSyncedAt: toDate(r.updated_at).toISOString(),
    })),
    total: toNumber(count.n),
    page: query.page,
    pageSize: query.pageSize,
  };
}

export async function countUsers(ctx: RepoContext): Promise<number> {
  const row = await ctx.db.selectFrom('users').select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('tenant_id', '=', ctx.tenantId).executeTakeFirstOrThrow();
  return toNumber(row.n);
}

export async function listGroups(ctx: RepoContext, query: { search?: string | undefined; page: number; pageSize: number }): Promise<Page<GroupView>> {
  let base = ctx.db.selectFrom('groups as g').where('g.tenant_id', '=', ctx.tenantId);
  const search = query.search?.trim();
  if (search) {
    base = base.where((eb) => eb.or([containsLower(eb.ref('g.name_lower'), search), containsLower(eb.ref('g.mail_lower'), search)]));
  }
  const [rows, count] = await Promise.all([
    base
      .select((eb) => [
        'g.anchor', 'g.name', 'g.description', 'g.mail', 'g.dn',
        eb.selectFrom('memberships as m').select((e) => e.fn.countAll<number | string>().as('c'))
          .whereRef('m.tenant_id', '=', 'g.tenant_id').whereRef('m.group_anchor', '=', 'g.anchor').as('member_count'),
      ])
      .orderBy('g.name_lower').orderBy('g.anchor')
      .limit(query.pageSize).offset((query.page - 1) * query.pageSize)
      .execute(),
    base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((r) => ({ anchor: r.anchor, name: r.name, description: r.description, mail: r.mail, dn: r.dn, memberCount: toNumber(r.member_count ?? 0) })),
    total: toNumber(count.n),
    page: query.page,
    pageSize: query.pageSize,
  };
}

/** By UPN first, then by any of the user's mail addresses; case-insensitive. */
export async function findUserForSignIn(ctx: RepoContext, username: string): Promise<StoredUserForSignIn | null> {
  const name = username.trim().toLowerCase();
  if (!name) return null;
  const byUpn = await ctx.db.selectFrom('users').select('anchor')
    .where('tenant_id', '=', ctx.tenantId).where('upn_lower', '=', name).orderBy('anchor').limit(1).executeTakeFirst();
  const anchor = byUpn?.anchor ?? (await ctx.db.selectFrom('user_mails').select('anchor')
    .where('tenant_id', '=', ctx.tenantId).where('mail_lower', '=', name).executeTakeFirst())?.anchor;
  if (anchor === undefined) return null;
  const row = await ctx.db.selectFrom('users as u')
    .leftJoin('password_verifiers as v', (join) => join.onRef('v.tenant_id', '=', 'u.tenant_id').onRef('v.anchor', '=', 'u.anchor'))
    .select(['u.anchor', 'u.upn', 'u.display_name', 'u.mail', 'u.enabled', 'v.verifiers'])
    .where('u.tenant_id', '=', ctx.tenantId).where('u.anchor', '=', anchor)
    .executeTakeFirst();
  if (!row) return null;
  return {
    anchor: row.anchor,
    userPrincipalName: row.upn,
    displayName: row.display_name,
    mail: row.mail,
    enabled: row.enabled === 1,
    verifiers: row.verifiers === null ? [] : (JSON.parse(row.verifiers) as PasswordVerifier[]),
  };
}

export async function getPasswordState(ctx: RepoContext, anchor: string): Promise<PasswordState | null> {
  const row = await ctx.db.selectFrom('password_state').selectAll()
    .where('tenant_id', '=', ctx.tenantId).where('anchor', '=', anchor).executeTakeFirst();
  if (!row) return null;
  return {
    anchor: row.anchor,
    scheme: row.scheme,
    lastAttemptAt: toDate(row.last_attempt_at),
    lastSuccessAt: toDate(row.last_success_at),
    resultCode: row.result_code,
    sourceChangedAt: toDate(row.source_changed_at),
  };
}

/** Names of the groups the object is a direct member of, sorted. */
export async function groupNamesOf(ctx: RepoContext, anchor: string): Promise<string[]> {
  const rows = await ctx.db.selectFrom('memberships as m')
    .innerJoin('groups as g', (join) => join.onRef('g.tenant_id', '=', 'm.tenant_id').onRef('g.anchor', '=', 'm.group_anchor'))
    .select('g.name')
    .where('m.tenant_id', '=', ctx.tenantId).where('m.member_anchor', '=', anchor)
    .orderBy('g.name_lower').orderBy('g.anchor')
    .execute();
  return rows.map((r) => r.name);
}

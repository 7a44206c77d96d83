/**
 * Reads of synced users and groups: the admin center lists, sign-in lookup, password state.
 *
 * Lists are paged in a fixed order (users by name then UPN, groups by name) along an index.
 * Without a search the total is the tenant's count kept by the writes (`tenants.user_count`).
 * A search is a case-insensitive substring match on the stored lower-case columns, found through
 * an index (pg_trgm on PostgreSQL, FTS5 trigram on SQLite: search-index.ts); its matches are
 * counted up to SEARCH_COUNT_LIMIT, so that a search matching most of a million users stays fast
 * and its total reads "10,000+" (`totalIsLowerBound`).
 */
import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely';
import type { PasswordVerifier } from '../../passwords/verifier-model.js';
import type { GroupView, Page, UserView } from '../api/contract.js';
import { containsLower, toDate, toNumber } from './dialect.js';
import type { PasswordState, StoredUserForSignIn } from './ports.js';
import type { RepoContext } from './repo-context.js';
import type { GroupsTable, StoreDatabase, UsersTable } from './schema.js';
import { ftsMatch, USERS_SEARCH_TEXT, usesSearchIndex } from './search-index.js';

interface ListQuery { search?: string | undefined; page: number; pageSize: number }

/** Matches of a search counted at most; past it the total is a lower bound. */
export const SEARCH_COUNT_LIMIT = 10_000;

type WithUsers = StoreDatabase & { u: UsersTable };
type WithGroups = StoreDatabase & { g: GroupsTable };
/** A query over users as `u`; it may join more tables, which the page's columns do not use. */
type UsersQuery = SelectQueryBuilder<WithUsers, 'u', object>;
type GroupsQuery = SelectQueryBuilder<WithGroups, 'g', object>;

export async function listUsers(ctx: RepoContext, query: ListQuery): Promise<Page<UserView>> {
  const offset = (query.page - 1) * query.pageSize;
  const term = query.search?.trim().toLowerCase() ?? '';
  if (term === '') {
    const [rows, counts] = await Promise.all([
      userPage(ctx, ctx.db.selectFrom('users as u').where('u.tenant_id', '=', ctx.tenantId), query.pageSize, offset).execute(),
      objectCounts(ctx),
    ]);
    return toPage(rows.map(toUserView), counts.users, false, query);
  }
  // Every match up to the limit in one statement, which searches the index once and gives the
  // count and, when that is all of them, the page: the matches' sort keys are sorted (a few
  // thousand at most), then the page's rows read by key.
  const found = await ctx.db
    .with((wb) => wb('m').materialized(), () => userMatches(ctx, term, true).select(['u.anchor', 'u.sort_key', 'u.upn_lower']).limit(SEARCH_COUNT_LIMIT + 1))
    .selectFrom((eb) => eb.selectFrom('m').select((e) => e.fn.countAll<number | string>().as('matched')).as('c'))
    .leftJoin(
      (eb) => {
        const keys = eb.selectFrom('m').select('m.anchor').orderBy('m.sort_key').orderBy('m.upn_lower').orderBy('m.anchor').limit(query.pageSize).offset(offset);
        // A CROSS JOIN keeps the page's keys the outer loop in SQLite, which would rather walk the
        // list index over every user to save sorting 25.
        const users = eb.selectFrom(keys.as('k')).crossJoin('users as u').where('u.tenant_id', '=', ctx.tenantId).whereRef('u.anchor', '=', 'k.anchor');
        return userColumns(ctx, users as unknown as UsersQuery).select(['u.sort_key', 'u.upn_lower']).as('p');
      },
      (join) => join.onTrue(),
    )
    .selectAll('p').select('c.matched')
    .orderBy('p.sort_key').orderBy('p.upn_lower').orderBy('p.anchor')
    .execute();
  const matched = toNumber(found[0]?.matched ?? 0);
  if (matched <= SEARCH_COUNT_LIMIT) {
    return toPage(found.flatMap((r) => (r.anchor === null ? [] : [toUserView(r as UserRow)])), matched, false, query);
  }
  // Many matches: walking the list order finds a page of them soon. Without the index on
  // SQLite, which would hand over every match before the first of the page.
  const rows = await userPage(ctx, userMatches(ctx, term, false), query.pageSize, offset).execute();
  return toPage(rows.map(toUserView), SEARCH_COUNT_LIMIT, true, query);
}

export async function countUsers(ctx: RepoContext): Promise<number> {
  return (await objectCounts(ctx)).users;
}

export async function listGroups(ctx: RepoContext, query: ListQuery): Promise<Page<GroupView>> {
  const offset = (query.page - 1) * query.pageSize;
  const term = query.search?.trim().toLowerCase() ?? '';
  if (term === '') {
    const [rows, counts] = await Promise.all([
      groupPage(ctx, ctx.db.selectFrom('groups as g').where('g.tenant_id', '=', ctx.tenantId), query.pageSize, offset).execute(),
      objectCounts(ctx),
    ]);
    return toPage(rows.map(toGroupView), counts.groups, false, query);
  }
  const found = await ctx.db
    .with((wb) => wb('m').materialized(), () => groupMatches(ctx, term, true).select(['g.anchor', 'g.name_lower']).limit(SEARCH_COUNT_LIMIT + 1))
    .selectFrom((eb) => eb.selectFrom('m').select((e) => e.fn.countAll<number | string>().as('matched')).as('c'))
    .leftJoin(
      (eb) => {
        const keys = eb.selectFrom('m').select('m.anchor').orderBy('m.name_lower').orderBy('m.anchor').limit(query.pageSize).offset(offset);
        const groups = eb.selectFrom(keys.as('k')).crossJoin('groups as g').where('g.tenant_id', '=', ctx.tenantId).whereRef('g.anchor', '=', 'k.anchor');
        return groupColumns(ctx, groups as unknown as GroupsQuery).select('g.name_lower').as('p');
      },
      (join) => join.onTrue(),
    )
    .selectAll('p').select('c.matched')
    .orderBy('p.name_lower').orderBy('p.anchor')
    .execute();
  const matched = toNumber(found[0]?.matched ?? 0);
  if (matched <= SEARCH_COUNT_LIMIT) {
    return toPage(found.flatMap((r) => (r.anchor === null ? [] : [toGroupView(r as GroupRow)])), matched, false, query);
  }
  const rows = await groupPage(ctx, groupMatches(ctx, term, false), query.pageSize, offset).execute();
  return toPage(rows.map(toGroupView), SEARCH_COUNT_LIMIT, true, query);
}

async function objectCounts(ctx: RepoContext): Promise<{ users: number; groups: number }> {
  const row = await ctx.db.selectFrom('tenants').select(['user_count', 'group_count']).where('id', '=', ctx.tenantId).executeTakeFirst();
  return { users: toNumber(row?.user_count ?? 0), groups: toNumber(row?.group_count ?? 0) };
}

/**
 * `counted`: the matches, or when `capped` the limit they were counted to. A page that ends
 * short past the limit shows where the matches end, and so the exact total.
 */
function toPage<T>(items: T[], counted: number, capped: boolean, query: ListQuery): Page<T> {
  const page = { items, page: query.page, pageSize: query.pageSize };
  if (!capped) return { ...page, total: counted };
  const seen = (query.page - 1) * query.pageSize + items.length;
  if (items.length > 0 && items.length < query.pageSize) return { ...page, total: seen };
  return { ...page, total: Math.max(counted, seen), totalIsLowerBound: true };
}

/** The tenant's users whose name, UPN or mail contains `term` (lower-case). */
function userMatches(ctx: RepoContext, term: string, withIndex: boolean): UsersQuery {
  const contains = (eb: ExpressionBuilder<WithUsers, 'u'>) => eb.or([
    containsLower(eb.ref('u.display_name_lower'), term),
    containsLower(eb.ref('u.upn_lower'), term),
    containsLower(eb.ref('u.mail_lower'), term),
  ]);
  if (withIndex && ctx.dialect === 'postgres' && [...term].length >= 3) {
    // The one trigram index over the three columns (migration 0010) finds the candidates. A
    // shorter term has no trigram to look up: the table is read either way, without the join.
    return ctx.db.selectFrom('users as u').where('u.tenant_id', '=', ctx.tenantId)
      .where(containsLower(sql.raw(`(${USERS_SEARCH_TEXT})`), term)).where(contains);
  }
  if (!withIndex || !usesSearchIndex(ctx.dialect, term)) {
    return ctx.db.selectFrom('users as u').where('u.tenant_id', '=', ctx.tenantId).where(contains);
  }
  // The index drives (a CROSS JOIN keeps it the outer loop in SQLite), so a LIMIT stops it early.
  return ctx.db.selectFrom(sql<{ rowid: number }>`users_search`.as('s'))
    .crossJoin('users as u')
    .where(sql<boolean>`u.rowid = s.rowid`)
    .where(ftsMatch('users', 's', term))
    .where('u.tenant_id', '=', ctx.tenantId)
    .where(contains) as unknown as UsersQuery;
}

/** The tenant's groups whose name or mail contains `term` (lower-case). */
function groupMatches(ctx: RepoContext, term: string, withIndex: boolean): GroupsQuery {
  const contains = (eb: ExpressionBuilder<WithGroups, 'g'>) => eb.or([
    containsLower(eb.ref('g.name_lower'), term),
    containsLower(eb.ref('g.mail_lower'), term),
  ]);
  if (!withIndex || !usesSearchIndex(ctx.dialect, term)) {
    return ctx.db.selectFrom('groups as g').where('g.tenant_id', '=', ctx.tenantId).where(contains);
  }
  return ctx.db.selectFrom(sql<{ rowid: number }>`groups_search`.as('s'))
    .crossJoin('groups as g')
    .where(sql<boolean>`g.rowid = s.rowid`)
    .where(ftsMatch('groups', 's', term))
    .where('g.tenant_id', '=', ctx.tenantId)
    .where(contains) as unknown as GroupsQuery;
}

/** The list's columns of users `u`; each user's verifier is looked up by key. */
function userColumns(ctx: RepoContext, users: UsersQuery) {
  return users
    .leftJoin('password_verifiers as v', (join) => join.on('v.tenant_id', '=', ctx.tenantId).onRef('v.anchor', '=', 'u.anchor'))
    .select(['u.anchor', 'u.upn', 'u.display_name', 'u.given_name', 'u.surname', 'u.mail', 'u.enabled', 'u.source', 'u.dn', 'u.updated_at', 'v.anchor as verifier_anchor']);
}

/** A page of users in the list order, which `users_sort_idx` serves. */
function userPage(ctx: RepoContext, users: UsersQuery, limit: number, offset: number) {
  return userColumns(ctx, users).orderBy('u.sort_key').orderBy('u.upn_lower').orderBy('u.anchor').limit(limit).offset(offset);
}

type UserRow = Awaited<ReturnType<ReturnType<typeof userColumns>['execute']>>[number];

function toUserView(r: UserRow): UserView {
  return {
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
  };
}

/** The list's columns of groups `g`; members are counted per group by its key in `memberships_pk`. */
function groupColumns(ctx: RepoContext, groups: GroupsQuery) {
  return groups.select((eb) => [
    'g.anchor', 'g.name', 'g.description', 'g.mail', 'g.dn',
    eb.selectFrom('memberships as n').select((e) => e.fn.countAll<number | string>().as('c'))
      .where('n.tenant_id', '=', ctx.tenantId).whereRef('n.group_anchor', '=', 'g.anchor').as('member_count'),
  ]);
}

/** A page of groups in the list order, which `groups_name_idx` serves; members counted for those only. */
function groupPage(ctx: RepoContext, groups: GroupsQuery, limit: number, offset: number) {
  return groupColumns(ctx, groups).orderBy('g.name_lower').orderBy('g.anchor').limit(limit).offset(offset);
}

type GroupRow = Awaited<ReturnType<ReturnType<typeof groupColumns>['execute']>>[number];

function toGroupView(r: GroupRow): GroupView {
  return { anchor: r.anchor, name: r.name, description: r.description, mail: r.mail, dn: r.dn, memberCount: toNumber(r.member_count ?? 0) };
}

/**
 * By UPN first, then by any of the user's mail addresses; case-insensitive. One statement whether
 * the name is found by UPN, by mail or not at all, so a miss costs the store what a hit costs
 * (sign-in timing must not tell which names exist).
 */
export async function findUserForSignIn(ctx: RepoContext, username: string): Promise<StoredUserForSignIn | null> {
  const name = username.trim().toLowerCase();
  if (!name) return null;
  const t = ctx.tenantId;
  const row = await ctx.db
    .with('hits', (db) => db.selectFrom('users').select(['anchor', sql<number>`0`.as('hit_order')]).where('tenant_id', '=', t).where('upn_lower', '=', name)
      .unionAll(db.selectFrom('user_mails').select(['anchor', sql<number>`1`.as('hit_order')]).where('tenant_id', '=', t).where('mail_lower', '=', name)))
    .selectFrom('hits')
    .innerJoin('users as u', (join) => join.onRef('u.anchor', '=', 'hits.anchor').on('u.tenant_id', '=', t))
    .leftJoin('password_verifiers as v', (join) => join.onRef('v.tenant_id', '=', 'u.tenant_id').onRef('v.anchor', '=', 'u.anchor'))
    .select(['u.anchor', 'u.upn', 'u.display_name', 'u.mail', 'u.enabled', 'v.verifiers'])
    .orderBy('hits.hit_order').orderBy('u.anchor').limit(1)
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

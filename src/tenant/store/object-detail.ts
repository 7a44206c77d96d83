/**
 * Reads of the detail views: one user with its groups, password state, errors and history; one
 * group with the groups it is in and its members, paged; the run history, paged. Every lookup goes
 * by key along an index (users/groups by anchor, memberships both ways, sync_errors by anchor,
 * sync_runs by finished time), so a detail costs the same in a tenant of ten users or a million.
 */
import { readStoredErrorParams } from '../../shared/error-params.js';
import type { SyncErrorView } from '../api/contract.js';
import type { GroupDetail, GroupMemberView, GroupRef, HistoryEvent, UserDetail } from '../api/detail-contract.js';
import { toDate, toNumber } from './dialect.js';
import type { SyncRunRecord } from './ports.js';
import type { RepoContext } from './repo-context.js';
import type { SyncRunsTable } from './schema.js';

const iso = (value: number | string | null | undefined): string | null => (value === null || value === undefined ? null : toDate(value).toISOString());

export async function getUserDetail(ctx: RepoContext, anchor: string): Promise<UserDetail | null> {
  const t = ctx.tenantId;
  const user = await ctx.db.selectFrom('users as u')
    .leftJoin('password_verifiers as v', (join) => join.on('v.tenant_id', '=', t).onRef('v.anchor', '=', 'u.anchor'))
    .select(['u.anchor', 'u.dn', 'u.upn', 'u.display_name', 'u.given_name', 'u.surname', 'u.mail', 'u.other_mails', 'u.enabled', 'u.source', 'u.created_at', 'u.updated_at', 'v.anchor as verifier_anchor', 'v.scheme as verifier_scheme'])
    .where('u.tenant_id', '=', t).where('u.anchor', '=', anchor).executeTakeFirst();
  if (!user) return null;
  const [groups, state, errors] = await Promise.all([
    groupsOf(ctx, anchor),
    ctx.db.selectFrom('password_state').selectAll().where('tenant_id', '=', t).where('anchor', '=', anchor).executeTakeFirst(),
    ctx.db.selectFrom('sync_errors').selectAll().where('tenant_id', '=', t).where('anchor', '=', anchor)
      .orderBy('last_seen', 'desc').orderBy('code').orderBy('origin').limit(100).execute(),
  ]);
  const syncErrors: SyncErrorView[] = errors.map((r) => ({
    anchor: r.anchor, kind: r.kind as 'user' | 'group', dn: r.dn, attribute: r.attribute, code: r.code, message: r.message, hint: r.hint,
    params: readStoredErrorParams(r.params), firstSeen: toDate(r.first_seen).toISOString(), lastSeen: toDate(r.last_seen).toISOString(),
  }));

  const events: Array<Omit<HistoryEvent, 'run'> & { runKind: 'directory' | 'password' | null }> = [];
  const push = (at: number | string | null | undefined, event: HistoryEvent['event'], code: string | null, runKind: 'directory' | 'password' | null) => {
    if (at !== null && at !== undefined) events.push({ at: toDate(at).toISOString(), event, code, runKind });
  };
  push(user.created_at, 'first_synced', null, 'directory');
  // A row written once has both times alike: only a later write is a change.
  if (toNumber(user.updated_at) !== toNumber(user.created_at)) push(user.updated_at, 'last_changed', null, 'directory');
  if (state) {
    push(state.source_changed_at, 'password_source_changed', null, null);
    const succeeded = state.last_success_at !== null && toNumber(state.last_success_at) === toNumber(state.last_attempt_at ?? -1);
    push(state.last_success_at, 'password_synced', null, 'password');
    if (!succeeded) push(state.last_attempt_at, 'password_attempted', state.result_code, 'password');
  }
  for (const e of errors) {
    push(e.first_seen, 'error_first_seen', e.code, null);
    if (toNumber(e.last_seen) !== toNumber(e.first_seen)) push(e.last_seen, 'error_last_seen', e.code, null);
  }
  const history: HistoryEvent[] = [];
  for (const e of events) history.push({ at: e.at, event: e.event, code: e.code, run: e.runKind ? await runAround(ctx, e.runKind, new Date(e.at).getTime()) : null });
  history.sort((a, b) => b.at.localeCompare(a.at));

  return {
    anchor: user.anchor,
    dn: user.dn,
    source: user.source as UserDetail['source'],
    enabled: user.enabled === 1,
    attributes: {
      userPrincipalName: user.upn,
      displayName: user.display_name,
      givenName: user.given_name,
      surname: user.surname,
      mail: user.mail,
      otherMails: JSON.parse(user.other_mails) as string[],
    },
    groups,
    password: {
      synced: user.verifier_anchor !== null,
      scheme: user.verifier_scheme ?? state?.scheme ?? null,
      lastAttemptAt: iso(state?.last_attempt_at),
      lastSuccessAt: iso(state?.last_success_at),
      resultCode: state?.result_code ?? null,
      sourceChangedAt: iso(state?.source_changed_at),
    },
    syncErrors,
    history,
  };
}

/**
 * The run of `kind` whose span holds `at`: the tenant applied the object's batch while that run
 * was going (the agent reports a run when it ends). Agent and tenant clocks may differ a little; a
 * run is named only when one holds the time.
 */
async function runAround(ctx: RepoContext, kind: 'directory' | 'password', at: number): Promise<HistoryEvent['run']> {
  const row = await ctx.db.selectFrom('sync_runs').select(['id', 'kind', 'mode', 'started_at'])
    .where('tenant_id', '=', ctx.tenantId).where('kind', '=', kind).where('finished_at', '>=', at)
    .orderBy('finished_at').orderBy('id').limit(1).executeTakeFirst();
  if (!row || toNumber(row.started_at) > at) return null;
  return { id: row.id, kind: row.kind as 'directory' | 'password', mode: row.mode };
}

async function groupsOf(ctx: RepoContext, anchor: string): Promise<GroupRef[]> {
  return ctx.db.selectFrom('memberships as m')
    .innerJoin('groups as g', (join) => join.onRef('g.tenant_id', '=', 'm.tenant_id').onRef('g.anchor', '=', 'm.group_anchor'))
    .select(['g.anchor', 'g.name'])
    .where('m.tenant_id', '=', ctx.tenantId).where('m.member_anchor', '=', anchor)
    .orderBy('g.name_lower').orderBy('g.anchor')
    .limit(1000)
    .execute();
}

export async function getGroupDetail(ctx: RepoContext, anchor: string): Promise<GroupDetail | null> {
  const t = ctx.tenantId;
  const group = await ctx.db.selectFrom('groups as g')
    .select((eb) => ['g.anchor', 'g.dn', 'g.name', 'g.description', 'g.mail', 'g.created_at', 'g.updated_at',
      eb.selectFrom('memberships as n').select((e) => e.fn.countAll<number | string>().as('c'))
        .where('n.tenant_id', '=', t).whereRef('n.group_anchor', '=', 'g.anchor').as('member_count')])
    .where('g.tenant_id', '=', t).where('g.anchor', '=', anchor).executeTakeFirst();
  if (!group) return null;
  return {
    anchor: group.anchor, dn: group.dn, name: group.name, description: group.description, mail: group.mail,
    memberCount: toNumber(group.member_count ?? 0),
    memberOf: await groupsOf(ctx, anchor),
    createdAt: toDate(group.created_at).toISOString(),
    updatedAt: toDate(group.updated_at).toISOString(),
  };
}

/**
 * A page of the group's members in anchor order (the membership key's order, so a page of a
 * 100,000-member group reads only its rows); each resolved to a user or a nested group.
 */
export async function listGroupMembers(ctx: RepoContext, anchor: string, query: { page: number; pageSize: number }): Promise<{ items: GroupMemberView[]; total: number; page: number; pageSize: number }> {
  const t = ctx.tenantId;
  const base = ctx.db.selectFrom('memberships as m').where('m.tenant_id', '=', t).where('m.group_anchor', '=', anchor);
  const [rows, count] = await Promise.all([
    base
      .leftJoin('users as u', (join) => join.on('u.tenant_id', '=', t).onRef('u.anchor', '=', 'm.member_anchor'))
      .leftJoin('groups as g', (join) => join.on('g.tenant_id', '=', t).onRef('g.anchor', '=', 'm.member_anchor'))
      .select(['m.member_anchor', 'u.anchor as user_anchor', 'u.upn', 'u.display_name', 'u.dn as user_dn', 'u.enabled', 'g.anchor as group_anchor', 'g.name', 'g.dn as group_dn'])
      .orderBy('m.member_anchor').limit(query.pageSize).offset((query.page - 1) * query.pageSize).execute(),
    base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const items = rows.map((r): GroupMemberView => {
    if (r.user_anchor !== null) return { anchor: r.member_anchor, kind: 'user', name: r.display_name ?? r.upn, userPrincipalName: r.upn, dn: r.user_dn, enabled: r.enabled === 1 };
    if (r.group_anchor !== null) return { anchor: r.member_anchor, kind: 'group', name: r.name, userPrincipalName: null, dn: r.group_dn, enabled: null };
    return { anchor: r.member_anchor, kind: 'unknown', name: null, userPrincipalName: null, dn: null, enabled: null };
  });
  return { items, total: toNumber(count.n), page: query.page, pageSize: query.pageSize };
}

/** Runs newest first (by end, as the status reads them), paged along `sync_runs_finished_idx`. */
export async function listRunsPage(ctx: RepoContext, query: { page: number; pageSize: number }, toRun: (row: SyncRunsTable) => SyncRunRecord): Promise<{ items: SyncRunRecord[]; total: number }> {
  const base = ctx.db.selectFrom('sync_runs').where('tenant_id', '=', ctx.tenantId);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('finished_at', 'desc').orderBy('id', 'desc').limit(query.pageSize).offset((query.page - 1) * query.pageSize).execute(),
    base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toRun), total: toNumber(count.n) };
}

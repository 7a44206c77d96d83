/**
 * Applies one batch of object changes in one transaction.
 *
 * The changes are first played in order against an in-memory view of the keys they touch
 * (who owns which UPN and mail, loaded with a few IN queries). A value another object holds is
 * quarantined, as Entra ID's duplicate attribute resiliency does: the object that held it keeps it,
 * the newcomer is applied without it (a stand-in UPN, or without that address) and gets a sync
 * error naming both objects, so the rest of it (above all `enabled: false`) always applies. Then the
 * outcome is written with chunked multi-row statements: the cost is a handful of statements per
 * thousand objects, not one round trip per object, on SQLite and PostgreSQL alike.
 *
 * In the same transaction it keeps the tenant's user and group counts (the lists' totals) and,
 * on SQLite, the search indexes (search-index.ts) in step with what it wrote.
 */
import { boundErrorParams, storedErrorParams } from '../../shared/error-params.js';
import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { ERRORS } from '../../shared/errors.js';
import type { ObjectChange, ObjectKind, SyncedGroup, SyncedUser } from '../../sync/model.js';
import { claimBatch, recordBatchResult } from './batch-ledger.js';
import { insertRows } from './bulk-write.js';
import { chunk, inList, listChunk, storeErrorOf, toNumber } from './dialect.js';
import type { ApplyObjectsResult } from './ports.js';
import type { RepoContext } from './repo-context.js';
import { indexRows, unindexRows } from './search-index.js';
import type { GroupsTable, StoreDatabase, SyncErrorsTable, UsersTable } from './schema.js';

type ObjectError = ApplyObjectsResult['errors'][number];

/** Upper case, so never a lower-cased UPN: the placeholder of a UPN given up within a batch. */
const MOVING_UPN_PREFIX = 'MOVING ';

export async function applyObjectBatch(
  ctx: RepoContext,
  batchId: string,
  agentId: string,
  changes: ObjectChange[],
  now: Date,
): Promise<ApplyObjectsResult & { duplicate: boolean }> {
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const earlier = await claimBatch(trx, ctx.tenantId, batchId, 'objects', agentId, now);
    if (earlier) return { ...earlier, duplicate: true };
    const result = await applyChanges(trx, ctx, changes, now.getTime());
    await recordBatchResult(trx, ctx.tenantId, batchId, result);
    return { ...result, duplicate: false };
  }).catch((error: unknown) => {
    // The unique index behind the holder rule (0030) refused a second holder: the whole batch is
    // rolled back and said so with a code, never as an internal error.
    throw storeErrorOf(error);
  });
  if (ctx.dialect === 'postgres' && !outcome.duplicate && outcome.applied >= 500) refreshStatisticsBehind(ctx);
  return outcome;
}

/** One refresh at a time per database, run behind the batch: the agent need not wait for it. */
const refreshing = new WeakSet<object>();

function refreshStatisticsBehind(ctx: RepoContext): void {
  if (refreshing.has(ctx.db)) return;
  refreshing.add(ctx.db);
  void refreshStatistics(ctx).finally(() => refreshing.delete(ctx.db));
}

/**
 * PostgreSQL plans the lists from its statistics of the tables, which autovacuum refreshes a
 * minute or more after a large load; until then it guesses, and a search of a freshly loaded
 * million users took 2 s instead of 20 ms, and a batch's mail owners were looked up by reading
 * every mail row of the tenant (12 ms per batch at 100,000 users, growing with them) because
 * user_mails still looked empty. So a table that grew fourfold since it was last analyzed (by at
 * least 10,000 rows) is analyzed now: at 10,000 rows, 40,000, 160,000... of a first full sync.
 * Each ANALYZE of 100,000 users costs PostgreSQL about 0.4 s; the row counts between them are
 * scaled from the table's size, so only the value distributions wait for the next one.
 */
async function refreshStatistics(ctx: RepoContext): Promise<void> {
  try {
    const stale = await sql<{ relname: string }>`select relname from pg_stat_user_tables
      where schemaname = current_schema() and relname in ('users', 'user_mails', 'groups', 'memberships')
        and n_mod_since_analyze >= greatest(10000, n_live_tup * 3 / 4)`.execute(ctx.db);
    for (const { relname } of stale.rows) await sql`analyze ${sql.table(relname)}`.execute(ctx.db);
  } catch {
    // Only a planning aid: a role that may not analyze leaves it to autovacuum.
  }
}

interface Owner { anchor: string; dn: string | null }

/** The keys a user holds: lower-case UPN and lower-case mail addresses. */
interface UserKeys { upn: string; mails: string[] }

export function mailsOf(user: SyncedUser): string[] {
  const all = [user.mail, ...user.otherMails].map((m) => (m ?? '').trim().toLowerCase()).filter((m) => m !== '');
  return [...new Set(all)];
}

async function applyChanges(trx: Transaction<StoreDatabase>, ctx: RepoContext, changes: ObjectChange[], now: number): Promise<ApplyObjectsResult> {
  const { tenantId: t, dialect: d } = ctx;

  if (d === 'postgres') {
    // One object batch of a tenant at a time, so what is read below stays true until the commit:
    // the counts' differences and the UPN and mail owners. NO KEY UPDATE leaves the row's key
    // share locks (the foreign keys of other tables' inserts) free.
    // Every statement below finds rows by key. With the statistics of a table in full growth the
    // planner chose to read every row, or to search the trigram index for an equal UPN (40 s for
    // a batch of 5,000 at 300,000 users); held to plain index scans (set_config(..., true) is
    // SET LOCAL), a batch costs the same at any size. One statement with the lock: a batch's
    // statements run one after another, and each round trip counts.
    await sql`select set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)
      from tenants where id = ${t} for no key update`.execute(trx);
  }

  // ---- what the batch touches ----
  const userAnchors = new Set<string>();
  const groupAnchors = new Set<string>();
  const upns = new Set<string>();
  const mails = new Set<string>();
  for (const change of changes) {
    if (change.op === 'upsert' && change.object.kind === 'user') {
      userAnchors.add(change.object.anchor);
      upns.add(change.object.userPrincipalName.trim().toLowerCase());
      for (const m of mailsOf(change.object)) mails.add(m);
    } else if (change.op === 'delete' && change.kind === 'user') {
      userAnchors.add(change.anchor);
    } else {
      groupAnchors.add(change.op === 'upsert' ? change.object.anchor : change.anchor);
    }
  }

  // ---- the current owners of those keys, and the searched text of the stored objects ----
  const keysOf = new Map<string, UserKeys>();
  const upnOwners = new Map<string, Map<string, string | null>>();
  const mailOwners = new Map<string, Owner>();
  const storedUsers = new Map<string, string>();
  /** The stored UPN (as written) of each loaded user: what it keeps when its new UPN is taken. */
  const storedUpns = new Map<string, string>();
  /** The stored `upn_lower` of each loaded user: a user whose UPN changes leaves it first (see upsertUsers). */
  const storedUpnKeys = new Map<string, string>();
  const storedGroups = new Map<string, string>();
  for (const part of chunk([...userAnchors], listChunk(d))) {
    const rows = await trx.selectFrom('users').select(['anchor', 'upn', 'upn_lower', 'display_name_lower', 'mail_lower']).where('tenant_id', '=', t).where(inList(d, 'anchor', part)).execute();
    for (const r of rows) {
      keysOf.set(r.anchor, { upn: r.upn_lower, mails: [] });
      storedUpns.set(r.anchor, r.upn);
      storedUpnKeys.set(r.anchor, r.upn_lower);
      storedUsers.set(r.anchor, searchedText(r));
    }
    // Mail rows exist only for stored users: a first sync's new users cost no lookup here.
    const stored = rows.map((r) => r.anchor);
    if (stored.length === 0) continue;
    const mailRows = await trx.selectFrom('user_mails').select(['anchor', 'mail_lower']).where('tenant_id', '=', t).where(inList(d, 'anchor', stored)).execute();
    for (const r of mailRows) keysOf.get(r.anchor)?.mails.push(r.mail_lower);
  }
  for (const part of chunk([...groupAnchors], listChunk(d))) {
    const rows = await trx.selectFrom('groups').select(['anchor', 'name_lower', 'mail_lower']).where('tenant_id', '=', t).where(inList(d, 'anchor', part)).execute();
    for (const r of rows) storedGroups.set(r.anchor, searchedText(r));
  }
  for (const part of chunk([...upns], listChunk(d))) {
    const rows = await trx.selectFrom('users').select(['anchor', 'upn_lower', 'dn']).where('tenant_id', '=', t).where(inList(d, 'upn_lower', part)).execute();
    for (const r of rows) ownersOf(upnOwners, r.upn_lower).set(r.anchor, r.dn);
  }
  for (const part of chunk([...mails], listChunk(d))) {
    const rows = await trx.selectFrom('user_mails as m')
      .leftJoin('users as u', (join) => join.onRef('u.tenant_id', '=', 'm.tenant_id').onRef('u.anchor', '=', 'm.anchor'))
      .select(['m.mail_lower', 'm.anchor', 'u.dn'])
      .where('m.tenant_id', '=', t).where(inList(d, 'm.mail_lower', part)).execute();
    for (const r of rows) mailOwners.set(r.mail_lower, { anchor: r.anchor, dn: r.dn });
  }

  // The stored mail rows of each loaded user, to leave them alone when an upsert keeps them.
  const storedMails = new Map([...keysOf].map(([anchor, keys]) => [anchor, [...keys.mails].sort().join('\n')]));

  const releaseKeys = (anchor: string): void => {
    const keys = keysOf.get(anchor);
    if (!keys) return;
    upnOwners.get(keys.upn)?.delete(anchor);
    for (const m of keys.mails) if (mailOwners.get(m)?.anchor === anchor) mailOwners.delete(m);
    keysOf.delete(anchor);
  };

  // ---- a first owner that does not hang on read order ----
  // Two objects claiming a UPN or address nobody holds yet: without this the first read would
  // win, so a fresh tenant's owner would depend on the order the directory returned them in (and
  // differ between agents). The lowest anchor wins, whatever the order. Until the tenant's first
  // directory cycle has finished, a value taken earlier in that cycle (an earlier batch) is not
  // held yet either: its holder gives it up to a lower anchor and is re-applied with a stand-in.
  const settling = (await trx.selectFrom('sync_runs').select('id').where('tenant_id', '=', t)
    .where('kind', '=', 'directory').where('outcome', 'in', ['success', 'partial']).limit(1).executeTakeFirst()) === undefined;
  const reserved = firstClaimants(changes, upnOwners, mailOwners, settling);
  const yielding = new Set([...reserved.yielding].filter((a) => !userAnchors.has(a)));
  const yieldingUsers: ObjectChange[] = [];
  for (const part of chunk([...yielding], listChunk(d))) {
    const rows = await trx.selectFrom('users').selectAll().where('tenant_id', '=', t).where(inList(d, 'anchor', part)).execute();
    for (const r of rows) {
      keysOf.set(r.anchor, { upn: r.upn_lower, mails: [] });
      storedUpns.set(r.anchor, r.upn);
      storedUpnKeys.set(r.anchor, r.upn_lower);
      storedUsers.set(r.anchor, searchedText(r));
      yieldingUsers.push({ op: 'upsert', object: {
        kind: 'user', anchor: r.anchor, dn: r.dn ?? r.anchor, userPrincipalName: r.upn, displayName: r.display_name,
        givenName: r.given_name, surname: r.surname, mail: r.mail, otherMails: JSON.parse(r.other_mails) as string[], enabled: toNumber(r.enabled) === 1,
      } });
    }
    const mailRows = await trx.selectFrom('user_mails').select(['anchor', 'mail_lower']).where('tenant_id', '=', t).where(inList(d, 'anchor', part)).execute();
    for (const r of mailRows) keysOf.get(r.anchor)?.mails.push(r.mail_lower);
  }
  for (const r of yieldingUsers) if (r.op === 'upsert') storedMails.set(r.object.anchor, [...(keysOf.get(r.object.anchor)?.mails ?? [])].sort().join('\n'));
  // The yielding holders play first, so the winner finds the value free.
  changes = [...yieldingUsers, ...changes];

  // ---- play the changes in order ----
  const finalUsers = new Map<string, SyncedUser | null>();
  /** Groups upserted in this batch, with their member set (a later delete in the batch removes a member). */
  const finalGroups = new Map<string, { group: SyncedGroup; members: Set<string> } | null>();
  const deletedUsers = new Set<string>();
  const deletedGroups = new Set<string>();
  /** Anchors upserted in this batch and their last outcome: null = applied, else the error to record. */
  const outcomes = new Map<string, { kind: ObjectKind; dn: string; errors: ObjectError[] }>();
  const errors: ObjectError[] = [];
  let applied = 0;

  for (const change of changes) {
    if (change.op === 'delete') {
      if (change.kind === 'user') {
        releaseKeys(change.anchor);
        finalUsers.set(change.anchor, null);
        deletedUsers.add(change.anchor);
      } else {
        finalGroups.set(change.anchor, null);
        deletedGroups.add(change.anchor);
      }
      // A member deleted after its group was upserted in this batch leaves that group too.
      for (const entry of finalGroups.values()) entry?.members.delete(change.anchor);
      outcomes.delete(change.anchor);
      applied++;
      continue;
    }
    const object = change.object;
    if (object.kind === 'group') {
      finalGroups.set(object.anchor, { group: object, members: new Set(object.memberAnchors) });
      outcomes.set(object.anchor, { kind: 'group', dn: object.dn, errors: [] });
      applied++;
      continue;
    }
    const { user: applies, clashes } = quarantineClashes(object, upnOwners, mailOwners, storedUpns.get(object.anchor) ?? null, reserved);
    errors.push(...clashes);
    const upn = applies.userPrincipalName.trim().toLowerCase();
    const userMails = mailsOf(applies);
    releaseKeys(object.anchor);
    ownersOf(upnOwners, upn).set(object.anchor, object.dn);
    for (const m of userMails) mailOwners.set(m, { anchor: object.anchor, dn: object.dn });
    keysOf.set(object.anchor, { upn, mails: userMails });
    finalUsers.set(object.anchor, applies);
    outcomes.set(object.anchor, { kind: 'user', dn: object.dn, errors: clashes });
    applied++;
  }

  // ---- write: deletes, then upserts, then the tenant-side errors and the counts ----
  const userRows = new Map([...finalUsers].map(([anchor, u]) => [anchor, u === null ? null : userRow(t, u, now)]));
  const groupRows = new Map([...finalGroups].map(([anchor, e]) => [anchor, e === null ? null : groupRow(t, e.group, now)]));
  const userChanges = rowChanges(storedUsers, userRows, deletedUsers);
  const groupChanges = rowChanges(storedGroups, groupRows, deletedGroups);
  await unindexRows(trx, ctx, 'users', userChanges.unindex);
  await unindexRows(trx, ctx, 'groups', groupChanges.unindex);
  await deleteUsers(trx, ctx, [...deletedUsers]);
  await deleteGroups(trx, ctx, [...deletedGroups]);
  const users = [...finalUsers.values()].filter((u): u is SyncedUser => u !== null);
  const groups = [...finalGroups.values()].flatMap((e) => (e === null ? [] : [{ ...e.group, memberAnchors: [...e.members] }]));
  const mailsChanged = users.filter((u) => deletedUsers.has(u.anchor) || storedMails.get(u.anchor) !== mailsOf(u).sort().join('\n'));
  // Rows not stored now (new, or deleted above) are plain inserts: the tenant's batches apply one
  // at a time, so no other can add them meanwhile, and an insert skips the conflict check.
  const isStored = (stored: Map<string, string>, deleted: Set<string>) => (anchor: string) => stored.has(anchor) && !deleted.has(anchor);
  await upsertUsers(trx, ctx, [...userRows.values()].filter((r): r is UsersTable => r !== null), isStored(storedUsers, deletedUsers), mailsChanged, storedUpnKeys);
  await upsertGroups(trx, ctx, groups, [...groupRows.values()].filter((r): r is GroupsTable => r !== null), isStored(storedGroups, deletedGroups));
  await indexRows(trx, ctx, 'users', userChanges.index);
  await indexRows(trx, ctx, 'groups', groupChanges.index);
  await replaceTenantErrors(trx, ctx, outcomes, now);
  if (userChanges.countChange !== 0 || groupChanges.countChange !== 0) {
    await trx.updateTable('tenants')
      .set((eb) => ({ user_count: eb('user_count', '+', userChanges.countChange), group_count: eb('group_count', '+', groupChanges.countChange) }))
      .where('id', '=', t).execute();
  }

  return { applied, errors };
}

/** The text the search looks in, to tell whether a row's index entry must change. */
function searchedText(row: { display_name_lower?: string | null; upn_lower?: string; name_lower?: string; mail_lower: string | null }): string {
  return JSON.stringify([row.display_name_lower ?? null, row.upn_lower ?? null, row.name_lower ?? null, row.mail_lower]);
}

/**
 * From the stored objects (anchor -> searched text) and the batch's outcome (anchor -> the row
 * written, or null when deleted; anchors not in it stay as they are): how the object count
 * changes, and which rows leave and enter the search index. A row deleted and written again in
 * the batch is a new row (a new rowid), so it is re-indexed even when its text is the same.
 */
function rowChanges(
  stored: Map<string, string>,
  written: Map<string, UsersTable | GroupsTable | null>,
  deleted: Set<string>,
): { countChange: number; unindex: string[]; index: string[] } {
  let countChange = 0;
  const unindex: string[] = [];
  const index: string[] = [];
  for (const [anchor, row] of written) {
    const before = stored.get(anchor);
    countChange += (row === null ? 0 : 1) - (before === undefined ? 0 : 1);
    const changed = row === null || before === undefined || deleted.has(anchor) || searchedText(row) !== before;
    if (!changed) continue;
    if (before !== undefined) unindex.push(anchor);
    if (row !== null) index.push(anchor);
  }
  return { countChange, unindex, index };
}

function ownersOf(owners: Map<string, Map<string, string | null>>, key: string): Map<string, string | null> {
  let map = owners.get(key);
  if (!map) owners.set(key, (map = new Map()));
  return map;
}

/** Another object than `anchor` holding the UPN, if any. */
function otherUpnOwner(owners: Map<string, Map<string, string | null>>, upn: string, anchor: string): { anchor: string; dn: string | null } | null {
  for (const [owner, dn] of owners.get(upn) ?? []) if (owner !== anchor) return { anchor: owner, dn };
  return null;
}

/** Keys claimed by two or more users of the batch that no one holds now, each with the claimant that gets it. */
export interface Reserved { upns: Map<string, Owner>; mails: Map<string, Owner>; yielding: Set<string> }

/**
 * For each UPN and address that no stored object holds and two or more users of the batch claim,
 * the claimant that gets it: the lowest anchor (plain code-unit order, the same on every agent and
 * store). A later batch finds the value held and leaves it with its holder, as before.
 */
export function firstClaimants(
  changes: ObjectChange[],
  upnOwners: Map<string, Map<string, string | null>>,
  mailOwners: Map<string, Owner>,
  settling: boolean,
): Reserved {
  const upnClaims = new Map<string, Owner[]>();
  const mailClaims = new Map<string, Owner[]>();
  const claim = (claims: Map<string, Owner[]>, key: string, owner: Owner) => {
    const list = claims.get(key) ?? [];
    if (!list.some((o) => o.anchor === owner.anchor)) list.push(owner);
    claims.set(key, list);
  };
  for (const change of changes) {
    if (change.op !== 'upsert' || change.object.kind !== 'user') continue;
    const u = change.object;
    const owner = { anchor: u.anchor, dn: u.dn };
    claim(upnClaims, u.userPrincipalName.trim().toLowerCase(), owner);
    for (const m of mailsOf(u)) claim(mailClaims, m, owner);
  }
  const lowest = (list: Owner[]) => list.reduce((a, b) => (b.anchor < a.anchor ? b : a));
  // A holder upserted in this batch claims again (then it is in the list) or lets the value go.
  const inBatch = new Set(changes.flatMap((c) => (c.op === 'upsert' ? [c.object.anchor] : [c.anchor])));
  const yielding = new Set<string>();
  const upns = new Map<string, Owner>();
  for (const [upn, list] of upnClaims) {
    const holders = [...(upnOwners.get(upn) ?? [])].map(([anchor, dn]) => ({ anchor, dn })).filter((h) => !inBatch.has(h.anchor));
    // Once settled, whoever holds it keeps it (this batch's upserts of the holder included).
    if ((upnOwners.get(upn)?.size ?? 0) > 0 && !settling) continue;
    const all = [...list, ...holders.filter((h) => !list.some((o) => o.anchor === h.anchor))];
    if (all.length < 2) continue;
    const winner = lowest(all);
    upns.set(upn, winner);
    for (const h of holders) if (h.anchor !== winner.anchor) yielding.add(h.anchor);
  }
  const mails = new Map<string, Owner>();
  for (const [mail, list] of mailClaims) {
    const stored = mailOwners.get(mail);
    const holder = stored && !inBatch.has(stored.anchor) ? stored : undefined;
    if (stored && !settling) continue;
    const all = holder && !list.some((o) => o.anchor === holder.anchor) ? [...list, holder] : list;
    if (all.length < 2) continue;
    const winner = lowest(all);
    mails.set(mail, winner);
    if (holder && holder.anchor !== winner.anchor) yielding.add(holder.anchor);
  }
  return { upns, mails, yielding };
}

/**
 * The user as it applies: each value another object holds is left out, and a sync error per
 * attribute names both objects. The holder keeps the value (deterministic whatever the order of
 * later batches); the newcomer keeps its stored UPN, or a new user gets a stand-in
 * `<name>+<8 hex of its anchor>@<domain>` as Entra's `<name><4 digits>@<domain>` quarantine does.
 */
export function quarantineClashes(
  user: SyncedUser,
  upnOwners: Map<string, Map<string, string | null>>,
  mailOwners: Map<string, Owner>,
  storedUpn: string | null,
  reserved: Reserved = { upns: new Map(), mails: new Map(), yielding: new Set() },
): { user: SyncedUser; clashes: ObjectError[] } {
  const clashes: ObjectError[] = [];
  let applies = user;
  const claimedUpn = user.userPrincipalName.trim().toLowerCase();
  const reservedFor = reserved.upns.get(claimedUpn);
  // A reservation goes first: a holder that yields (settling, see firstClaimants) holds it itself.
  const upnHolder = reservedFor
    ? (reservedFor.anchor !== user.anchor ? reservedFor : null)
    : otherUpnOwner(upnOwners, claimedUpn, user.anchor);
  if (upnHolder) {
    const taken = (lower: string) => otherUpnOwner(upnOwners, lower, user.anchor) !== null
      || (reserved.upns.get(lower)?.anchor ?? user.anchor) !== user.anchor;
    const keep = storedUpn !== null && !taken(storedUpn.trim().toLowerCase())
      ? storedUpn
      : standInUpn(user.userPrincipalName, user.anchor, taken);
    applies = { ...applies, userPrincipalName: keep };
    clashes.push({
      anchor: user.anchor,
      code: 'OBJECT_DUPLICATE_UPN',
      message: `The user principal name ${user.userPrincipalName} of ${user.dn} is already used by ${upnHolder.dn ?? upnHolder.anchor}, which keeps it; ${user.dn} was synchronized with ${keep} instead until one of the two changes.`,
      hint: ERRORS.OBJECT_DUPLICATE_UPN.hint,
      attribute: 'userPrincipalName',
      params: boundErrorParams({ upn: user.userPrincipalName, dn: user.dn, holder: upnHolder.dn ?? upnHolder.anchor, standIn: keep }),
      quarantined: true,
    });
  }
  const primary = user.mail?.trim().toLowerCase() ?? null;
  const taken = mailsOf(user).flatMap((mail) => {
    const owner = reserved.mails.get(mail) ?? mailOwners.get(mail);
    return owner && owner.anchor !== user.anchor ? [{ mail, owner }] : [];
  });
  if (taken.length > 0) {
    const lost = new Set(taken.map((x) => x.mail));
    applies = {
      ...applies,
      mail: primary !== null && lost.has(primary) ? null : applies.mail,
      otherMails: applies.otherMails.filter((m) => !lost.has(m.trim().toLowerCase())),
    };
    const holders = [...new Set(taken.map((x) => x.owner.dn ?? x.owner.anchor))].join(', ');
    const values = taken.map((x) => x.mail).join(', ');
    const one = taken.length === 1;
    clashes.push({
      anchor: user.anchor,
      code: 'OBJECT_DUPLICATE_MAIL',
      message: `The mail ${one ? 'address' : 'addresses'} ${values} of ${user.dn} ${one ? 'is' : 'are'} already used by ${holders}; the holder keeps ${one ? 'it' : 'them'} and ${user.dn} was synchronized without ${one ? 'it' : 'them'} until one of the two changes.`,
      hint: ERRORS.OBJECT_DUPLICATE_MAIL.hint,
      params: boundErrorParams({ mails: values, dn: user.dn, holders }),
      attribute: primary !== null && lost.has(primary) ? 'mail' : 'otherMails',
      quarantined: true,
    });
  }
  return { user: applies, clashes };
}

/** `ann@example.org` -> `ann+1a2b3c4d@example.org`, from the anchor so the same object always gets the same one. */
export function standInUpn(upn: string, anchor: string, isTaken: (lowerCaseUpn: string) => boolean): string {
  const digest = createHash('sha256').update(anchor).digest('hex');
  const at = upn.lastIndexOf('@');
  const [name, domain] = at > 0 ? [upn.slice(0, at), upn.slice(at)] : [upn, ''];
  for (const length of [8, 16, 64]) {
    const candidate = `${name}+${digest.slice(0, length)}${domain}`;
    if (!isTaken(candidate.toLowerCase())) return candidate;
  }
  return `${anchor}@quarantine.invalid`;
}

async function deleteUsers(trx: Transaction<StoreDatabase>, ctx: RepoContext, anchors: string[]): Promise<void> {
  const { tenantId: t, dialect: d } = ctx;
  for (const part of chunk(anchors, listChunk(d))) {
    await trx.deleteFrom('users').where('tenant_id', '=', t).where(inList(d, 'anchor', part)).execute();
    await trx.deleteFrom('user_mails').where('tenant_id', '=', t).where(inList(d, 'anchor', part)).execute();
    await trx.deleteFrom('memberships').where('tenant_id', '=', t).where(inList(d, 'member_anchor', part)).execute();
    await trx.deleteFrom('password_verifiers').where('tenant_id', '=', t).where(inList(d, 'anchor', part)).execute();
    await trx.deleteFrom('password_state').where('tenant_id', '=', t).where(inList(d, 'anchor', part)).execute();
    await trx.deleteFrom('sync_errors').where('tenant_id', '=', t).where(inList(d, 'anchor', part)).execute();
  }
}

async function deleteGroups(trx: Transaction<StoreDatabase>, ctx: RepoContext, anchors: string[]): Promise<void> {
  const { tenantId: t, dialect: d } = ctx;
  for (const part of chunk(anchors, listChunk(d))) {
    await trx.deleteFrom('groups').where('tenant_id', '=', t).where(inList(d, 'anchor', part)).execute();
    // Two statements, each served by one index (an OR of both would need a bitmap scan).
    await trx.deleteFrom('memberships').where('tenant_id', '=', t).where(inList(d, 'group_anchor', part)).execute();
    await trx.deleteFrom('memberships').where('tenant_id', '=', t).where(inList(d, 'member_anchor', part)).execute();
    await trx.deleteFrom('sync_errors').where('tenant_id', '=', t).where(inList(d, 'anchor', part)).execute();
  }
}

function userRow(t: string, u: SyncedUser, now: number): UsersTable {
  const displayName = u.displayName?.trim() ? u.displayName : null;
  const upnLower = u.userPrincipalName.trim().toLowerCase();
  const mailLower = u.mail?.trim() ? u.mail.trim().toLowerCase() : null;
  return {
    tenant_id: t,
    anchor: u.anchor,
    dn: u.dn,
    upn: u.userPrincipalName,
    upn_lower: upnLower,
    display_name: displayName,
    display_name_lower: displayName?.toLowerCase() ?? null,
    sort_key: displayName?.toLowerCase() ?? upnLower,
    given_name: u.givenName,
    surname: u.surname,
    mail: u.mail,
    mail_lower: mailLower,
    other_mails: JSON.stringify(u.otherMails),
    enabled: u.enabled ? 1 : 0,
    source: 'on_premises',
    created_at: now,
    updated_at: now,
  };
}

function groupRow(t: string, g: SyncedGroup, now: number): GroupsTable {
  return {
    tenant_id: t,
    anchor: g.anchor,
    dn: g.dn,
    name: g.name,
    name_lower: g.name.toLowerCase(),
    description: g.description,
    mail: g.mail,
    mail_lower: g.mail?.trim() ? g.mail.trim().toLowerCase() : null,
    created_at: now,
    updated_at: now,
  };
}

/**
 * `isStored`: whether a user's row exists now; `mailsChanged`: the users whose mail rows must be
 * rewritten (new, or addresses changed). Only a stored user has mail rows to remove first.
 */
async function upsertUsers(
  trx: Transaction<StoreDatabase>, ctx: RepoContext, rows: UsersTable[], isStored: (anchor: string) => boolean, mailsChanged: SyncedUser[],
  storedUpnKeys: Map<string, string>,
): Promise<void> {
  const { tenantId: t, dialect: d } = ctx;
  if (rows.length === 0) return;
  for (const part of chunk(mailsChanged.map((u) => u.anchor).filter(isStored), listChunk(d))) {
    await trx.deleteFrom('user_mails').where('tenant_id', '=', t).where(inList(d, 'anchor', part)).execute();
  }
  // The unique UPN index (0030) is checked row by row, while the holder rule decided on the batch
  // as a whole: two users swapping UPNs, or a new user taking the UPN a stored one gives up, would
  // collide half-way. So the stored users whose UPN changes first let go of theirs.
  const moving = rows.filter((r) => isStored(r.anchor) && storedUpnKeys.has(r.anchor) && storedUpnKeys.get(r.anchor) !== r.upn_lower).map((r) => r.anchor);
  for (const part of chunk(moving, listChunk(d))) {
    await trx.updateTable('users').set({ upn_lower: sql<string>`${MOVING_UPN_PREFIX} || anchor` })
      .where('tenant_id', '=', t).where(inList(d, 'anchor', part)).execute();
  }
  await insertRows(trx, ctx, 'users', rows.filter((r) => !isStored(r.anchor)));
  await insertRows(trx, ctx, 'users', rows.filter((r) => isStored(r.anchor)), {
    conflict: ['tenant_id', 'anchor'],
    update: ['dn', 'upn', 'upn_lower', 'display_name', 'display_name_lower', 'sort_key', 'given_name', 'surname', 'mail', 'mail_lower', 'other_mails', 'enabled', 'source', 'updated_at'],
  });
  const mailRows = mailsChanged.flatMap((u) => mailsOf(u).map((mail_lower) => ({ tenant_id: t, mail_lower, anchor: u.anchor })));
  await insertRows(trx, ctx, 'user_mails', mailRows);
}

async function upsertGroups(trx: Transaction<StoreDatabase>, ctx: RepoContext, groups: SyncedGroup[], rows: GroupsTable[], isStored: (anchor: string) => boolean): Promise<void> {
  const { tenantId: t, dialect: d } = ctx;
  if (groups.length === 0) return;
  await insertRows(trx, ctx, 'groups', rows.filter((r) => !isStored(r.anchor)));
  await insertRows(trx, ctx, 'groups', rows.filter((r) => isStored(r.anchor)), {
    conflict: ['tenant_id', 'anchor'],
    update: ['dn', 'name', 'name_lower', 'description', 'mail', 'mail_lower', 'updated_at'],
  });
  // An upserted group carries its complete member list: the stored list becomes exactly that.
  // Written as a difference, so a change to one member of a 100,000-member group costs one row.
  const stored = new Map<string, Set<string>>();
  // Only a stored group has member rows (a deleted one lost them above).
  for (const part of chunk(groups.map((g) => g.anchor).filter(isStored), listChunk(d))) {
    const rows = await trx.selectFrom('memberships').select(['group_anchor', 'member_anchor'])
      .where('tenant_id', '=', t).where(inList(d, 'group_anchor', part)).execute();
    for (const r of rows) {
      let members = stored.get(r.group_anchor);
      if (!members) stored.set(r.group_anchor, (members = new Set()));
      members.add(r.member_anchor);
    }
  }
  const added: Array<{ tenant_id: string; group_anchor: string; member_anchor: string }> = [];
  for (const g of groups) {
    const before = stored.get(g.anchor) ?? new Set<string>();
    const after = new Set(g.memberAnchors);
    for (const member of after) if (!before.has(member)) added.push({ tenant_id: t, group_anchor: g.anchor, member_anchor: member });
    const removed = [...before].filter((member) => !after.has(member));
    for (const part of chunk(removed, listChunk(d))) {
      await trx.deleteFrom('memberships').where('tenant_id', '=', t).where('group_anchor', '=', g.anchor).where(inList(d, 'member_anchor', part)).execute();
    }
  }
  await insertRows(trx, ctx, 'memberships', added);
}

/** Each upserted anchor's tenant-side errors become exactly its outcome in this batch (none when it applied). */
async function replaceTenantErrors(
  trx: Transaction<StoreDatabase>,
  ctx: RepoContext,
  outcomes: Map<string, { kind: ObjectKind; dn: string; errors: ObjectError[] }>,
  now: number,
): Promise<void> {
  const { tenantId: t, dialect: d } = ctx;
  const failed = [...outcomes].filter(([, o]) => o.errors.length > 0);
  const firstSeen = new Map<string, number>();
  for (const part of chunk(failed.map(([anchor]) => anchor), listChunk(d))) {
    const rows = await trx.selectFrom('sync_errors').select(['anchor', 'code', 'first_seen'])
      .where('tenant_id', '=', t).where('origin', '=', 'tenant').where(inList(d, 'anchor', part)).execute();
    for (const r of rows) firstSeen.set(`${r.anchor}\u0000${r.code}`, toNumber(r.first_seen));
  }
  // The tenant's errors of every upserted object go; and an object that applied was read and
  // mapped without fault, so the agent's directory errors of it are over too (a delta run
  // reports only the errors of what it read, so it cannot clear them itself). One statement.
  // An object applied with a value quarantined was still read and mapped without fault.
  const refused = failed.filter(([, o]) => o.errors.some((e) => !e.quarantined)).map(([anchor]) => anchor);
  for (const part of chunk([...outcomes.keys()], listChunk(d))) {
    await trx.deleteFrom('sync_errors').where('tenant_id', '=', t).where(inList(d, 'anchor', part))
      .where((eb) => eb.or([
        eb('origin', '=', 'tenant'),
        eb.and([eb('origin', '=', 'agent'), eb('run_kind', '=', 'directory'), ...(refused.length > 0 ? [eb.not(inList(d, 'anchor', refused))] : [])]),
      ]))
      .execute();
  }
  const rows: SyncErrorsTable[] = failed.flatMap(([anchor, o]) => o.errors.map((e) => ({
    tenant_id: t, origin: 'tenant', run_kind: 'directory', anchor, code: e.code, kind: o.kind, dn: o.dn,
    attribute: e.attribute, message: e.message, hint: e.hint, params: storedErrorParams(e.params),
    first_seen: firstSeen.get(`${anchor}\u0000${e.code}`) ?? now, last_seen: now,
  })));
  await insertRows(trx, ctx, 'sync_errors', rows);
}

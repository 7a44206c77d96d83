/**
 * The comparison behind `npm run chaos`: the directory as ldapsearch dumps it against the tenant's
 * store, object by object (users with UPN, display name, mail and enabled flag; groups with their
 * name; every membership; a verifier for every user with a password). A function of its own so a
 * test can plant a difference in a converged store and see it counted: a comparison that cannot
 * fail proves nothing.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { SQLITE_FILE_NAME } from '../tenant/store/open-store.js';
import { standInUpn } from '../tenant/store/object-batch.js';
import type { StoreLocation } from './load-floor.js';

export interface DirectoryUser { upn: string; displayName: string; mail: string; enabled: boolean; dn: string; password: string | null }

export interface DirectoryState {
  users: Map<string, DirectoryUser>;
  /** anchor -> cn */
  groups: Map<string, string>;
  /** `group anchor>member anchor` */
  memberships: Set<string>;
}

type Row = Record<string, unknown>;

export interface TenantState {
  users: Row[];
  groups: Row[];
  memberships: Row[];
  /** Anchors of the users holding at least one verifier. */
  verifierAnchors: Set<string>;
}

export interface Differences {
  objectsCompared: number;
  missing: number;
  duplicated: number;
  different: number;
  extra: number;
  /** The first few, in words (never a password or a verifier). */
  examples: string[];
}

/**
 * Parses `ldapsearch -LLL -o ldif-wrap=no` output of users (inetOrgPerson) and groups
 * (groupOfNames) with entryUUID, uid, mail, displayName, cn, member, objectClass and
 * pwdAccountLockedTime; `passwordOf` gives a user's known password by uid (null: none expected).
 */
export function parseDirectoryDump(ldif: string, passwordOf: (uid: string) => string | null): DirectoryState {
  const entries = ldif.split(/\n\n+/).map((block) => {
    const attrs = new Map<string, string[]>();
    let dn = '';
    for (const line of block.split('\n')) {
      const m = /^([A-Za-z][A-Za-z0-9-]*)(::?) (.*)$/.exec(line);
      if (!m) continue;
      const value = m[2] === '::' ? Buffer.from(m[3]!, 'base64').toString('utf8') : m[3]!;
      const name = m[1]!.toLowerCase();
      if (name === 'dn') dn = value;
      else attrs.set(name, [...(attrs.get(name) ?? []), value]);
    }
    return { dn, attrs };
  }).filter((e) => e.dn);
  const anchorOfDn = new Map(entries.map((e) => [e.dn.toLowerCase(), e.attrs.get('entryuuid')?.[0] ?? '']));
  const state: DirectoryState = { users: new Map(), groups: new Map(), memberships: new Set() };
  for (const e of entries) {
    const anchor = e.attrs.get('entryuuid')?.[0] ?? '';
    const classes = (e.attrs.get('objectclass') ?? []).map((c) => c.toLowerCase());
    if (classes.includes('inetorgperson')) {
      const mail = (e.attrs.get('mail')?.[0] ?? '').toLowerCase();
      state.users.set(anchor, {
        upn: mail, displayName: e.attrs.get('displayname')?.[0] ?? '', mail, dn: e.dn,
        // OpenLDAP ppolicy's administrative lock, as src/directory/mapping.ts reads it.
        enabled: !e.attrs.has('pwdaccountlockedtime'),
        password: passwordOf(e.attrs.get('uid')?.[0] ?? ''),
      });
    } else if (classes.includes('groupofnames')) {
      state.groups.set(anchor, e.attrs.get('cn')?.[0] ?? '');
      for (const member of e.attrs.get('member') ?? []) state.memberships.add(`${anchor}>${anchorOfDn.get(member.toLowerCase()) ?? `?${member}`}`);
    }
  }
  return state;
}

/** Reads what the comparison needs of the store (one tenant per store, as chaos runs it). */
export async function readTenantState(location: StoreLocation): Promise<TenantState> {
  const queries = {
    users: 'select anchor, dn, upn_lower, display_name, mail_lower, enabled from users',
    groups: 'select anchor, name from groups',
    memberships: 'select group_anchor, member_anchor from memberships',
    verifiers: 'select anchor, verifiers from password_verifiers',
  };
  const hasVerifier = (r: Row): boolean => {
    try {
      const list: unknown = JSON.parse(String(r['verifiers']));
      return Array.isArray(list) && list.length > 0;
    } catch {
      return false;
    }
  };
  if (location.kind === 'sqlite') {
    const db = new Database(join(location.dataDir, SQLITE_FILE_NAME), { readonly: true });
    try {
      const all = (q: string): Row[] => db.prepare(q).all() as Row[];
      return { users: all(queries.users), groups: all(queries.groups), memberships: all(queries.memberships), verifierAnchors: new Set(all(queries.verifiers).filter(hasVerifier).map((r) => String(r['anchor']))) };
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: location.databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const all = async (q: string): Promise<Row[]> => (await client.query(q)).rows as Row[];
    return { users: await all(queries.users), groups: await all(queries.groups), memberships: await all(queries.memberships), verifierAnchors: new Set((await all(queries.verifiers)).filter(hasVerifier).map((r) => String(r['anchor']))) };
  } finally {
    await client.end();
  }
}

/**
 * Both ways: every directory object must be in the tenant once and alike, and nothing else may be.
 * "Duplicated" is an object held twice: the same user (by UPN) or group (by name) under a second
 * anchor, or a group holding the same member twice through such a copy; the store's keys make a
 * second row under the same anchor impossible, so the copy is how a duplicate would show.
 */
export function compareWithDirectory(dir: DirectoryState, tenant: TenantState): Differences {
  const d: Differences = { objectsCompared: 0, missing: 0, duplicated: 0, different: 0, extra: 0, examples: [] };
  const note = (m: string) => { if (d.examples.length < 10) d.examples.push(m); };
  const usersByAnchor = new Map(tenant.users.map((u) => [String(u['anchor']), u]));
  const groupsByAnchor = new Map(tenant.groups.map((g) => [String(g['anchor']), g]));
  const dirAnchorOfUpn = new Map([...dir.users].map(([anchor, u]) => [u.upn, anchor]));
  const dirAnchorOfGroup = new Map([...dir.groups].map(([anchor, name]) => [name.toLowerCase(), anchor]));
  // A tenant anchor the directory does not have, standing for one it does: a copy.
  const copyOf = new Map<string, string>();
  for (const [anchor, u] of usersByAnchor) {
    const upn = String(u['upn_lower']);
    const original = dirAnchorOfUpn.get(upn) ?? dirAnchorOfUpn.get(withoutStandIn(upn));
    if (!dir.users.has(anchor) && original !== undefined) copyOf.set(anchor, original);
  }
  for (const [anchor, g] of groupsByAnchor) {
    const original = dirAnchorOfGroup.get(String(g['name']).toLowerCase());
    if (!dir.groups.has(anchor) && original !== undefined) copyOf.set(anchor, original);
  }

  for (const [anchor, want] of dir.users) {
    d.objectsCompared++;
    const got = usersByAnchor.get(anchor);
    if (!got) { d.missing++; note(`user ${want.upn} missing`); continue; }
    const diffs = [
      String(got['upn_lower']) !== want.upn ? 'upn' : '',
      String(got['display_name'] ?? '') !== want.displayName ? 'displayName' : '',
      String(got['mail_lower'] ?? '') !== want.mail ? 'mail' : '',
      (Number(got['enabled']) === 1) !== want.enabled ? 'enabled' : '',
    ].filter(Boolean);
    if (diffs.length > 0) { d.different++; note(`user ${want.upn} differs in ${diffs.join(', ')}`); }
    if (want.password !== null) {
      d.objectsCompared++;
      if (!tenant.verifierAnchors.has(anchor)) { d.missing++; note(`password verifier of ${want.upn} missing`); }
    }
  }
  for (const [anchor, name] of dir.groups) {
    d.objectsCompared++;
    const got = groupsByAnchor.get(anchor);
    if (!got) { d.missing++; note(`group ${name} missing`); continue; }
    if (String(got['name']) !== name) { d.different++; note(`group ${name} has name ${String(got['name'])}`); }
  }
  const stored = new Set(tenant.memberships.map((m) => `${String(m['group_anchor'])}>${String(m['member_anchor'])}`));
  for (const m of dir.memberships) {
    d.objectsCompared++;
    if (!stored.has(m)) { d.missing++; note(`membership ${m} missing`); }
  }
  for (const m of stored) {
    if (dir.memberships.has(m)) continue;
    const [group = '', member = ''] = m.split('>');
    const original = copyOf.get(member);
    if (original !== undefined && stored.has(`${group}>${original}`)) { d.duplicated++; note(`group ${group} holds member ${original} twice (also as ${member})`); }
    else { d.extra++; note(`membership ${m} not in the directory`); }
  }
  for (const anchor of usersByAnchor.keys()) {
    if (dir.users.has(anchor)) continue;
    if (copyOf.has(anchor)) { d.duplicated++; note(`user ${String(usersByAnchor.get(anchor)?.['upn_lower'])} stored twice (anchors ${copyOf.get(anchor)} and ${anchor})`); }
    else { d.extra++; note(`user ${anchor} not in the directory`); }
  }
  for (const anchor of groupsByAnchor.keys()) {
    if (dir.groups.has(anchor)) continue;
    if (copyOf.has(anchor)) { d.duplicated++; note(`group ${String(groupsByAnchor.get(anchor)?.['name'])} stored twice`); }
    else { d.extra++; note(`group ${anchor} not in the directory`); }
  }
  return d;
}

/** `ann+1a2b3c4d@example.org` -> `ann@example.org`: the UPN a quarantined copy stands in for. */
function withoutStandIn(upn: string): string {
  return upn.replace(/\+[0-9a-f]{8,64}@/, '@');
}

export function isClean(d: Pick<Differences, 'missing' | 'duplicated' | 'different' | 'extra'>): boolean {
  return d.missing === 0 && d.duplicated === 0 && d.different === 0 && d.extra === 0;
}

/** Differences a test plants in a converged store, each on a user of its own. */
export const PLANT_KINDS = ['missing-user', 'duplicated-member', 'different-attribute', 'enabled-flipped', 'verifier-removed'] as const;
export type PlantKind = (typeof PLANT_KINDS)[number];

/**
 * Plants `kinds` in the store with plain SQL, as a lost write, a replayed batch or a hand edit
 * would leave it. Each kind takes its own user (the n-th member of the first membership's group
 * by anchor order), so the counts add up. Returns what was planted, in words.
 */
export async function plantDifferences(location: StoreLocation, kinds: readonly PlantKind[]): Promise<string[]> {
  const run = await sqlRunner(location);
  try {
    const memberships = (await run.all('select tenant_id, group_anchor, member_anchor from memberships order by group_anchor, member_anchor')) as Array<{ tenant_id: string; group_anchor: string; member_anchor: string }>;
    const group = memberships[0]?.group_anchor;
    const members = memberships.filter((m) => m.group_anchor === group);
    if (members.length < kinds.length) throw new Error(`the store has too few group members to plant ${kinds.length} differences`);
    const done: string[] = [];
    for (const [k, kind] of kinds.entries()) {
      const { tenant_id: tenant, member_anchor: anchor } = members[k]!;
      if (kind === 'missing-user') {
        await run.exec('delete from user_mails where tenant_id = $1 and anchor = $2', [tenant, anchor]);
        await run.exec('delete from users where tenant_id = $1 and anchor = $2', [tenant, anchor]);
      } else if (kind === 'duplicated-member') {
        // A copy of the user under a second anchor, a member of the same group. The unique UPN index
        // refuses a second holder of the UPN, so the copy carries the stand-in UPN a clash gives it.
        const copy = `${anchor}-copy`;
        const user = (await run.all('select * from users where tenant_id = $1 and anchor = $2', [tenant, anchor]))[0];
        if (!user) throw new Error(`user ${anchor} is not in the store`);
        const standIn = standInUpn(String(user['upn']), copy, () => false);
        const planted: Row = { ...user, anchor: copy, upn: standIn, upn_lower: standIn.toLowerCase() };
        const columns = Object.keys(planted);
        await run.exec(`insert into users (${columns.join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, columns.map((c) => planted[c]));
        await run.exec('insert into memberships (tenant_id, group_anchor, member_anchor) values ($1, $2, $3)', [tenant, group, copy]);
      } else if (kind === 'different-attribute') {
        await run.exec("update users set display_name = display_name || ' (planted)' where tenant_id = $1 and anchor = $2", [tenant, anchor]);
      } else if (kind === 'enabled-flipped') {
        await run.exec('update users set enabled = 1 - enabled where tenant_id = $1 and anchor = $2', [tenant, anchor]);
      } else {
        await run.exec('delete from password_verifiers where tenant_id = $1 and anchor = $2', [tenant, anchor]);
      }
      done.push(`${kind} on ${anchor}`);
    }
    return done;
  } finally {
    await run.close();
  }
}

async function sqlRunner(location: StoreLocation): Promise<{ all(q: string, p?: unknown[]): Promise<Row[]>; exec(q: string, p?: unknown[]): Promise<void>; close(): Promise<void> }> {
  if (location.kind === 'sqlite') {
    const db = new Database(join(location.dataDir, SQLITE_FILE_NAME));
    // The queries above number their placeholders in order, as PostgreSQL wants them.
    const q = (text: string) => db.prepare(text.replace(/\$\d+/g, '?'));
    return {
      all: async (text, p = []) => q(text).all(...p) as Row[],
      exec: async (text, p = []) => { q(text).run(...p); },
      close: async () => { db.close(); },
    };
  }
  const client = new pg.Client({ connectionString: location.databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  return {
    all: async (text, p = []) => (await client.query(text, p)).rows as Row[],
    exec: async (text, p = []) => { await client.query(text, p); },
    close: () => client.end(),
  };
}

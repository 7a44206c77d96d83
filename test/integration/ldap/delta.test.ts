import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DirectoryEntry } from '../../../src/directory/entry.js';
import { createLdapSource, type LdapSourceConfig } from '../../../src/directory/ldap/ldap-source.js';
import type { ChangeSet, DirectorySource } from '../../../src/sync/ports.js';
import { startSlapd, type Slapd } from '../../support/slapd.js';
import { directoryLdif, ou, person, SUFFIX } from './directory-fixture.js';

let slapd: Slapd;
let source: DirectorySource;
const logger = { warn: () => undefined };

function config(extra: Partial<LdapSourceConfig> = {}): LdapSourceConfig {
  return { url: slapd.url, bindDn: slapd.syncDn, bindPassword: slapd.syncPw, baseDns: [SUFFIX], flavor: 'openldap', pageSize: 25, ...extra };
}

async function drain(changes: ChangeSet): Promise<DirectoryEntry[]> {
  const out: DirectoryEntry[] = [];
  for await (const page of changes.changed) out.push(...page);
  return out;
}

async function anchors(s: DirectorySource = source): Promise<Set<string>> {
  const all = new Set<string>();
  for await (const page of s.listAnchors()) page.forEach((a) => all.add(a));
  return all;
}

async function anchorOf(dn: string): Promise<string> {
  for await (const page of source.readAll('objects')) {
    const found = page.find((e) => e.dn.toLowerCase() === dn.toLowerCase());
    if (found) return found.attributes['entryuuid']?.[0] as string;
  }
  throw new Error(`${dn} not found`);
}

beforeAll(async () => {
  slapd = await startSlapd({ ldif: directoryLdif(30) });
  source = createLdapSource(config(), logger);
});
afterAll(async () => {
  await source?.close();
  await slapd?.stop();
});

describe('LDAP source: delta (entryCSN watermark)', () => {
  it('yields nothing when nothing changed, everything from an empty cursor, and asks for a full cycle without one', async () => {
    const cursor = await source.currentCursor();
    expect(cursor).toMatch(/^openldap:csn:\d{14}\.\d{6}Z#/);
    const none = await source.readChanges(cursor, 'objects');
    expect(none).not.toBeNull();
    expect(await drain(none!)).toEqual([]);
    expect(await none!.departures()).toEqual({ kind: 'anchors', anchors: [] });
    expect(none!.nextCursor).toBe(cursor);

    expect(await source.readChanges(null, 'objects')).toBeNull();
    const all = await source.readChanges('openldap:csn:', 'objects');
    expect(await drain(all!)).toHaveLength(37);
    expect(all!.nextCursor).toBe(cursor);
  });

  it('yields added, modified, renamed and moved entries with their unchanged entryUUID', async () => {
    const renamedUuid = await anchorOf(`uid=user005,ou=people,${SUFFIX}`);
    const movedUuid = await anchorOf(`uid=user006,ou=people,${SUFFIX}`);
    const modifiedUuid = await anchorOf(`uid=user007,ou=people,${SUFFIX}`);
    const cursor = await source.currentCursor();

    slapd.add(person('newbie', 'people'));
    slapd.modify(`dn: uid=user007,ou=people,${SUFFIX}\nchangetype: modify\nreplace: mail\nmail: seven@example.test\n`);
    slapd.modify(`dn: uid=user005,ou=people,${SUFFIX}\nchangetype: modrdn\nnewrdn: uid=user005b\ndeleteoldrdn: 1\n`);
    slapd.modify(`dn: uid=user006,ou=people,${SUFFIX}\nchangetype: modrdn\nnewrdn: uid=user006\ndeleteoldrdn: 1\nnewsuperior: ou=staff,${SUFFIX}\n`);

    const changes = await source.readChanges(cursor, 'objects');
    const changed = await drain(changes!);
    const byDn = Object.fromEntries(changed.map((e) => [e.dn, e]));
    expect(Object.keys(byDn).sort()).toEqual([`uid=newbie,ou=people,${SUFFIX}`, `uid=user005b,ou=people,${SUFFIX}`, `uid=user006,ou=staff,${SUFFIX}`, `uid=user007,ou=people,${SUFFIX}`].sort());
    expect(byDn[`uid=user005b,ou=people,${SUFFIX}`]?.attributes['entryuuid']).toEqual([renamedUuid]);
    expect(byDn[`uid=user006,ou=staff,${SUFFIX}`]?.attributes['entryuuid']).toEqual([movedUuid]);
    expect(byDn[`uid=user007,ou=people,${SUFFIX}`]?.attributes['entryuuid']).toEqual([modifiedUuid]);
    expect(byDn[`uid=user007,ou=people,${SUFFIX}`]?.attributes['mail']).toEqual(['seven@example.test']);

    // The next delta from the returned cursor is empty again.
    const again = await source.readChanges(changes!.nextCursor, 'objects');
    expect(await drain(again!)).toEqual([]);
  });

  it('delta for passwords reads only users, with password attributes', async () => {
    const cursor = await source.currentCursor();
    slapd.modify(`dn: uid=user008,ou=people,${SUFFIX}\nchangetype: modify\nreplace: userPassword\nuserPassword: {SSHA}another-placeholder\n`);
    slapd.modify(`dn: cn=auditors,ou=groups,${SUFFIX}\nchangetype: modify\nadd: uniqueMember\nuniqueMember: uid=user009,ou=people,${SUFFIX}\n`);
    const changed = await drain((await source.readChanges(cursor, 'passwords'))!);
    expect(changed.map((e) => e.dn)).toEqual([`uid=user008,ou=people,${SUFFIX}`]);
    expect(changed[0]?.attributes['userpassword']).toEqual(['{SSHA}another-placeholder']);
  });

  it('names what left the scope since the cursor, from the RFC 4533 refresh: delete, move out, filter, excluded subtree', async () => {
    const scoped = createLdapSource(config({ baseDns: [`ou=people,${SUFFIX}`, `ou=staff,${SUFFIX}`], excludeDns: [`ou=former,ou=people,${SUFFIX}`], extraFilter: '(!(employeeType=contractor))' }), logger);
    slapd.add(ou('former', 'ou=people,'));
    const before = await anchors(scoped);
    const [leaving, deleted, filtered, excluded, moved] = (await Promise.all(['user010', 'user011', 'user012', 'user013', 'user014'].map((u) => anchorOf(`uid=${u},ou=people,${SUFFIX}`)))) as [string, string, string, string, string];
    const cursor = await scoped.currentCursor();
    slapd.modify(`dn: uid=user010,ou=people,${SUFFIX}\nchangetype: modrdn\nnewrdn: uid=user010\ndeleteoldrdn: 1\nnewsuperior: ou=contractors,${SUFFIX}\n`);
    slapd.delete(`uid=user011,ou=people,${SUFFIX}`);
    slapd.modify(`dn: uid=user012,ou=people,${SUFFIX}\nchangetype: modify\nreplace: employeeType\nemployeeType: contractor\n`);
    slapd.modify(`dn: uid=user013,ou=people,${SUFFIX}\nchangetype: modrdn\nnewrdn: uid=user013\ndeleteoldrdn: 1\nnewsuperior: ou=former,ou=people,${SUFFIX}\n`);
    // From one base to another: still in scope, so not a departure.
    slapd.modify(`dn: uid=user014,ou=people,${SUFFIX}\nchangetype: modrdn\nnewrdn: uid=user014\ndeleteoldrdn: 1\nnewsuperior: ou=staff,${SUFFIX}\n`);

    const changes = (await scoped.readChanges(cursor, 'objects'))!;
    expect((await drain(changes)).map((e) => e.dn)).toEqual([`uid=user014,ou=staff,${SUFFIX}`]);
    const departures = await changes.departures();
    expect(departures.kind).toBe('anchors');
    const gone = new Set(departures.kind === 'anchors' ? departures.anchors : []);
    for (const anchor of [leaving, deleted, filtered, excluded]) expect(gone.has(anchor)).toBe(true);
    // The refresh of ou=people names user014 (it left that base); the engine keeps it because the read saw it.
    expect(gone.has(moved)).toBe(true);

    // The comparison the engine falls back to agrees.
    const after = await anchors(scoped);
    expect(before.size - after.size).toBe(4);
    for (const anchor of [leaving, deleted, filtered, excluded]) expect(after.has(anchor)).toBe(false);
    expect(after.has(moved)).toBe(true);
    await scoped.close();
  });

  it('asks for a full cycle when the memberOfGroup membership changed, or the cursor is not valid', async () => {
    const scoped = createLdapSource(config({ memberOfGroup: `cn=engineering,ou=groups,${SUFFIX}` }), logger);
    const cursor = await scoped.currentCursor();
    expect(await scoped.readChanges(cursor, 'objects')).not.toBeNull();
    slapd.modify(`dn: cn=platform,ou=groups,${SUFFIX}\nchangetype: modify\nadd: member\nmember: uid=user012,ou=people,${SUFFIX}\n`);
    expect(await scoped.readChanges(cursor, 'objects')).toBeNull();
    expect(await scoped.readChanges('openldap:csn:29991231000000.000000Z#000000#000#000000', 'objects')).toBeNull();
    expect(await scoped.readChanges('ad:usn:1:', 'objects')).toBeNull();
    await scoped.close();
  });
});

describe('LDAP source: delta on a syncprov without session log (RFC 4533 present phase)', () => {
  let plain: Slapd;
  afterAll(async () => {
    await plain?.stop();
  });

  it('names every entry still in scope; the deleted one is not among them', async () => {
    plain = await startSlapd({ ldif: directoryLdif(5), sessionlog: false });
    const s = createLdapSource({ url: plain.url, bindDn: plain.syncDn, bindPassword: plain.syncPw, baseDns: [SUFFIX], flavor: 'openldap' }, logger);
    const all = new Set<string>();
    for await (const page of s.listAnchors()) page.forEach((a) => all.add(a));
    const cursor = await s.currentCursor();
    plain.delete(`uid=user002,ou=people,${SUFFIX}`);
    plain.modify(`dn: uid=user003,ou=people,${SUFFIX}\nchangetype: modify\nreplace: mail\nmail: three@example.test\n`);
    const changes = (await s.readChanges(cursor, 'objects'))!;
    expect((await drain(changes)).map((e) => e.dn)).toEqual([`uid=user003,ou=people,${SUFFIX}`]);
    const departures = await changes.departures();
    expect(departures.kind).toBe('present');
    const present = departures.kind === 'present' ? departures.anchors : new Set<string>();
    expect(present.size).toBe(all.size - 1);
    expect([...all].filter((a) => !present.has(a))).toHaveLength(1);
    await s.close();
  });
});

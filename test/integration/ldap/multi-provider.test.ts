/**
 * Finding 9, against two real slapd providers replicating to each other (multi-provider, syncprov
 * + syncrepl both ways): a change made on provider 2 that reaches provider 1 only after provider 1
 * wrote a newer change of its own carries an older CSN (of sid 2). A watermark of one CSN skipped
 * it; the per-sid cursor reads it in the next delta.
 */
import { execFileSync } from 'node:child_process';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createLdapSource, type LdapSourceConfig } from '../../../src/directory/ldap/ldap-source.js';
import { decodeCsnCursor } from '../../../src/directory/ldap/openldap/csn-cursor.js';
import type { DirectorySource } from '../../../src/sync/ports.js';
import { freePort } from '../../support/local-server.js';
import { startSlapd, type Slapd } from '../../support/slapd.js';

const SUFFIX = 'dc=example,dc=test';
const people = [`dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people\n`, ...['u1', 'u2', 'u3'].map((u) => `dn: uid=${u},ou=people,${SUFFIX}\nobjectClass: inetOrgPerson\nuid: ${u}\ncn: ${u}\nsn: ${u}\nmail: ${u}@example.test\n`)].join('\n');

let one: Slapd;
let two: Slapd;
const logger = { warn: () => undefined };

function source(slapd: Slapd): DirectorySource {
  const config: LdapSourceConfig = { url: slapd.url, bindDn: slapd.syncDn, bindPassword: slapd.syncPw, baseDns: [SUFFIX], flavor: 'openldap' };
  return createLdapSource(config, logger);
}

function description(slapd: Slapd, uid: string): string {
  const out = execFileSync('ldapsearch', ['-x', '-LLL', '-H', slapd.url, '-D', slapd.rootDn, '-w', slapd.rootPw, '-b', `uid=${uid},ou=people,${SUFFIX}`, '-s', 'base', 'description'], { encoding: 'utf8' });
  return /^description: (.*)$/m.exec(out)?.[1] ?? '';
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const describeEntry = (slapd: Slapd, uid: string, text: string): void => slapd.modify(`dn: uid=${uid},ou=people,${SUFFIX}\nchangetype: modify\nreplace: description\ndescription: ${text}\n`);

/** The uids a delta from `cursor` reads, and its next cursor. */
async function delta(from: DirectorySource, cursor: string): Promise<{ uids: string[]; next: string }> {
  const changes = await from.readChanges(cursor, 'objects');
  if (!changes) throw new Error('the source asked for a full cycle');
  const uids: string[] = [];
  for await (const page of changes.changed) for (const entry of page) if (entry.attributes['uid']) uids.push(entry.attributes['uid'][0] as string);
  await changes.departures();
  return { uids: uids.sort(), next: changes.nextCursor };
}

beforeAll(async () => {
  const [portOne, portTwo] = [await freePort(), await freePort()];
  const urlOf = (port: number): string => `ldap://127.0.0.1:${port}`;
  one = await startSlapd({ suffix: SUFFIX, ldif: people, multiProvider: { serverId: 1, port: portOne, providers: [urlOf(portTwo)] } });
  two = await startSlapd({ suffix: SUFFIX, multiProvider: { serverId: 2, port: portTwo, providers: [urlOf(portOne)], empty: true } });
  await until(() => {
    try {
      return description(two, 'u3') === '';
    } catch {
      return false;
    }
  }, 'provider 2 to replicate the directory');
  // A change on provider 2, so both sids are in provider 1's contextCSN.
  describeEntry(two, 'u1', 'from two');
  await until(() => description(one, 'u1') === 'from two', 'the change of provider 2 to reach provider 1');
});

afterAll(async () => {
  await two?.stop();
  await one?.stop();
});

describe('OpenLDAP multi-provider: one CSN per server id', () => {
  it('reads in the next delta a change replicated late with an older CSN of the other provider', async () => {
    const reader = source(one);
    try {
      const start = await reader.currentCursor();
      expect([...(decodeCsnCursor(start as string) ?? new Map()).keys()].sort()).toEqual(['001', '002']);

      // Provider 2 changes u2 while cut off from provider 1; then provider 1 changes u3, later in time.
      await one.halt();
      describeEntry(two, 'u2', 'made on two while apart');
      await two.halt();
      await one.resume();
      await new Promise((r) => setTimeout(r, 50));
      describeEntry(one, 'u3', 'made on one, later');
      const first = await delta(reader, start as string);
      expect(first.uids).toEqual(['u3']);

      // Provider 2 comes back: its older change reaches provider 1 now.
      await two.resume();
      await until(() => description(one, 'u2') === 'made on two while apart', 'the late change to replicate');
      const second = await delta(reader, first.next);
      expect(second.uids).toContain('u2');

      // And it is not read again after that.
      expect((await delta(reader, second.next)).uids).toEqual([]);
    } finally {
      await reader.close();
    }
  });
});

/**
 * A deterministic owner when two entries claim one UPN and mail (issue 15, harm 8): on a fresh
 * tenant the lowest anchor gets it whichever order the directory returns the two in; the one
 * that holds it keeps it across re-syncs and full re-syncs in either order; the other is
 * quarantined with a sync error naming both; the holder's sign-in works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { startSlapd, type Slapd } from '../support/slapd.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';
import { userSignIn } from '../support/admin-api.js';

const SUFFIX = 'dc=example,dc=test';
const ssha = (password: string) => execFileSync('slappasswd', ['-h', '{SSHA}', '-s', password], { encoding: 'utf8' }).trim();
const SHARED = 'emma@example.test';
const person = (uid: string, ou: string) => `dn: uid=${uid},ou=${ou},${SUFFIX}\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${uid}\nsn: Person\nmail: ${SHARED}\nuserPassword: ${ssha(`Pw-${uid}-1`)}\n`;
const JANSEN = `uid=emma.jansen,ou=a,${SUFFIX}`;
const JANSSEN = `uid=emma.janssen,ou=b,${SUFFIX}`;
/** Set from the anchors (entryUUIDs, random per directory): the lower one gets the shared values. */
let HOLDER = '';
let OTHER = '';
const passwordOf = (dn: string) => (dn === JANSEN ? 'Pw-emma.jansen-1' : 'Pw-emma.janssen-1');
const A = `ou=a,${SUFFIX}`;
const B = `ou=b,${SUFFIX}`;

describe('one UPN claimed by two entries', () => {
  let slapd: Slapd;
  let harness: SyncHarness;
  const mapping = { userPrincipalName: ['{mail}'] };
  const fresh: SyncHarness[] = [];

  beforeAll(async () => {
    slapd = await startSlapd({ suffix: SUFFIX, ldif: [
      `dn: ou=a,${SUFFIX}\nobjectClass: organizationalUnit\nou: a\n`,
      `dn: ou=b,${SUFFIX}\nobjectClass: organizationalUnit\nou: b\n`,
      person('emma.jansen', 'a'),
      person('emma.janssen', 'b'),
    ].join('\n') });
    harness = await startSyncHarness('sqlite', slapd);
  });
  afterAll(async () => {
    for (const h of fresh) await h.close();
    await harness?.close();
    await slapd?.stop();
  });

  /** The one user holding the UPN (two holding it is a failure too), after checking the other was given a stand-in. */
  const ownerOf = async (upn: string) => {
    const users = (await harness.repo.listUsers({ page: 1, pageSize: 50 })).items;
    const holders = users.filter((u) => u.userPrincipalName.toLowerCase() === upn).map((u) => u.dn);
    expect(holders).toHaveLength(1);
    expect(users.find((u) => u.dn === OTHER)?.userPrincipalName).toMatch(/^emma\+[0-9a-f]{8}@example\.test$/);
    return holders[0];
  };

  it('on fresh tenants the owner does not hang on read order: the lowest anchor gets it', async () => {
    const owners: string[] = [];
    for (const baseDns of [[A, B], [B, A]]) {
      const h = await startSyncHarness('sqlite', slapd);
      fresh.push(h);
      const running = await h.agent({ baseDns }, { mapping });
      await running.agent.connect();
      await running.agent.syncDirectory('full');
      await running.stop();
      const users = (await h.repo.listUsers({ page: 1, pageSize: 50 })).items;
      const byAnchor = [...users].filter((u) => u.dn === JANSEN || u.dn === JANSSEN).sort((x, y) => (x.anchor < y.anchor ? -1 : 1));
      expect(byAnchor).toHaveLength(2);
      HOLDER = byAnchor[0]!.dn ?? '';
      OTHER = byAnchor[1]!.dn ?? '';
      owners.push(users.filter((u) => u.userPrincipalName.toLowerCase() === SHARED).map((u) => u.dn).join());
      // The loser's error names both objects.
      const errors = (await h.repo.listSyncErrors({ page: 1, pageSize: 50, code: 'OBJECT_DUPLICATE_UPN' })).items;
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toContain(OTHER);
      expect(errors[0]!.message).toContain(HOLDER);
    }
    expect(owners).toEqual([HOLDER, HOLDER]);
  });
  const clash = async () => (await harness.repo.listSyncErrors({ page: 1, pageSize: 50, code: 'OBJECT_DUPLICATE_UPN' })).items;

  it('the first holder keeps it through full re-syncs in either order, and signs in', async () => {
    // The holder is read first.
    const first = await harness.agent({ baseDns: HOLDER === JANSEN ? [A, B] : [B, A] }, { mapping });
    await first.agent.connect();
    await first.agent.syncDirectory('full');
    await first.agent.syncPasswords('full');
    expect(await ownerOf(SHARED)).toBe(HOLDER);
    expect((await userSignIn(harness.url, SHARED, passwordOf(HOLDER))).status).toBe(200);

    // The same agent, full again; then a new agent (fresh state) reading the other one first.
    await first.agent.syncDirectory('full');
    expect(await ownerOf(SHARED)).toBe(HOLDER);
    await first.stop();
    const reversed = await harness.agent({ baseDns: HOLDER === JANSEN ? [B, A] : [A, B] }, { mapping });
    await reversed.agent.connect();
    for (const mode of ['full', 'delta', 'full'] as const) {
      await reversed.agent.syncDirectory(mode);
      expect(await ownerOf(SHARED)).toBe(HOLDER);
    }
    await reversed.agent.syncPasswords('full');
    expect((await userSignIn(harness.url, SHARED, passwordOf(HOLDER))).status).toBe(200);

    // The other is synchronized without it, and the error names both entries.
    const errors = await clash();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(OTHER);
    expect(errors[0]!.message).toContain(HOLDER);
  });
});

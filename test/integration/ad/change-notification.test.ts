/**
 * AD change notifications (LDAP_SERVER_NOTIFICATION_OID) against a real Samba AD DC: the watch
 * announces a change pushed by the DC, and an agent brings a disable and a password change to the
 * tenant with the USN polls set to 10 minutes, so only the push can deliver within the test's time.
 * Samba re-runs a notification search 0.1 s after a write through its LDAP server and every 5 s
 * otherwise (a local samba-tool): both paths are measured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSambaDc, NETBIOS_DOMAIN, type SambaDc, type SyncAccount } from '../../support/samba-dc.js';
import { startSyncHarness, type SyncHarness } from '../../support/sync-harness.js';
import { eventually } from '../../support/all-in-one.js';
import { userSignIn } from '../../support/admin-api.js';
import type { RunningAgent } from '../../../src/cli/agent-wiring.js';
import { createLdapSource, type LdapSourceConfig } from '../../../src/directory/ldap/ldap-source.js';

const NO_POLL_SECONDS = 600;

let dc: SambaDc;
let account: SyncAccount;
/** A plain domain user with no right beyond the defaults: what notifications need. */
let plain: SyncAccount;
let ou: string;

beforeAll(async () => {
  dc = await startSambaDc();
  ou = dc.createOu('Notified');
  account = dc.createSyncAccount('dirbridge-sync');
  await dc.grantReplicationRights(account.dn, { all: true });
  await dc.grantDeletedObjectsRead(account.dn);
  plain = dc.createSyncAccount('plain-notify');
}, 120_000);

afterAll(async () => {
  await dc?.stop();
});

function ldapConfig(overrides: Partial<LdapSourceConfig> = {}): LdapSourceConfig {
  return { url: dc.ldapsUrl, caFile: dc.caFile, flavor: 'ad', bindDn: account.userPrincipalName, bindPassword: account.password, baseDns: [ou], changePollMs: NO_POLL_SECONDS * 1000, ...overrides };
}

describe('the AD change watch on a Samba DC', () => {
  /** Starts a watch with the USN poll at 10 minutes; `latency` times a change until its notification. */
  async function watching(bind: SyncAccount, use: (latency: (what: string, change: () => Promise<unknown> | unknown, withinMs: number) => Promise<number>) => Promise<void>) {
    const infos: string[] = [];
    const source = createLdapSource(ldapConfig({ bindDn: bind.userPrincipalName, bindPassword: bind.password }), { warn: (m) => infos.push(m), info: (m) => infos.push(m) });
    const changes: number[] = [];
    const errors: unknown[] = [];
    const stop = source.watch!(() => changes.push(Date.now()), (e) => errors.push(e));
    try {
      await eventually(async () => source.description.includes('change notifications,'), 10_000, 'notifications accepted');
      expect(source.description).toMatch(/; change watch: change notifications, USN poll every 10 min as a safety net\)$/);
      expect(infos.join('\n')).toMatch(/change notifications from the domain controller \(push\)/);
      await use(async (what, change, withinMs) => {
        await new Promise((r) => setTimeout(r, 300));
        const seen = changes.length;
        const started = Date.now();
        await change();
        await eventually(async () => changes.length > seen, withinMs, `a notification of ${what}`);
        return (changes[seen] as number) - started;
      });
      expect(errors).toEqual([]);
    } finally {
      stop();
      await source.close();
    }
  }

  it('is pushed a disable, a delete and a local samba-tool change, with the USN poll at 10 minutes', async () => {
    const [carol = '', dan = ''] = dc.createUsers([{ name: 'carol', parentDn: ou, password: 'Carol-pass-1' }, { name: 'dan', parentDn: ou }]);
    await watching(account, async (latency) => {
      const disable = await latency('a disable over LDAP', () => dc.disable(carol), 2_000);
      // Samba sends a tombstone only to an account that may read Deleted Objects (README's right 2).
      const remove = await latency('a delete over LDAP', () => dc.deleteEntry(dan), 2_000);
      // A write outside Samba's LDAP server is found by its 5-second re-run of the search.
      const local = await latency('a samba-tool setpassword', () => dc.sambaTool(['user', 'setpassword', 'carol', '--newpassword=Carol-pass-2']), 7_000);
      console.info(`[ad-notify] change → notification: disable over LDAP ${disable} ms, delete over LDAP ${remove} ms, local samba-tool ${local} ms`);
    });
  }, 60_000);

  it('notifies a plain domain user too (no right beyond the defaults)', async () => {
    const [erin = ''] = dc.createUsers([{ name: 'erin', parentDn: ou }]);
    await watching(plain, async (latency) => {
      await latency('a disable over LDAP', () => dc.disable(erin), 2_000);
    });
  }, 60_000);
});

describe.each(['sqlite', 'postgres'] as const)('an agent on AD change notifications (%s)', (kind) => {
  let harness: SyncHarness;
  let agent: RunningAgent;
  const alice = `alice-n-${kind}`;
  const upn = `${alice}@ad.test`;
  let aliceDn = '';
  const user = async () => (await harness.repo.listUsers({ search: alice, page: 1, pageSize: 5 })).items.find((u) => u.dn?.startsWith(`CN=${alice},`));
  const verifiedAt = async () => {
    const anchor = (await harness.repo.findUserForSignIn(upn))!.anchor;
    return (await harness.repo.getPasswordState(anchor))?.lastSuccessAt?.getTime() ?? 0;
  };

  beforeAll(async () => {
    [aliceDn = ''] = dc.createUsers([{ name: alice, parentDn: ou, password: 'Alice-pass-1', givenName: 'Alice', sn: 'Adams' }]);
    harness = await startSyncHarness(kind, { url: dc.ldapsUrl, syncDn: account.dn, syncPw: account.password, suffix: dc.baseDn });
    agent = await harness.agent({
      url: dc.ldapsUrl, flavor: 'ad', caFile: dc.caFile, baseDns: [ou], changePollSeconds: NO_POLL_SECONDS,
      passwordReplication: { user: account.name, domain: NETBIOS_DOMAIN, pollSeconds: NO_POLL_SECONDS },
    });
    await eventually(async () => (await agent.agent.connect())?.active, 15_000, 'the lease');
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await harness?.close();
  });

  it('brings a disable and a samba-tool password change to the tenant without waiting for a poll', async () => {
    await agent.agent.start();
    // Let the cycles start() runs at once finish: only the change watch may deliver what follows.
    await agent.agent.syncDirectory('delta');
    await agent.agent.syncPasswords('delta');
    expect((await userSignIn(harness.url, upn, 'Alice-pass-1')).status).toBe(200);
    await eventually(async () => harness.logs.join('\n').includes('change notifications from the domain controller'), 10_000, 'the watch announced');

    let started = Date.now();
    await dc.disable(aliceDn);
    await eventually(async () => (await user())?.enabled === false, 5_000, 'alice disabled in the tenant');
    const disabledMs = Date.now() - started;
    await dc.enable(aliceDn);
    await eventually(async () => (await user())?.enabled === true, 5_000, 'alice enabled again');

    const before = await verifiedAt();
    started = Date.now();
    dc.sambaTool(['user', 'setpassword', alice, '--newpassword=Alice-pass-2']);
    // Watch the password state, not sign-in: failed attempts while waiting would trip the lockout.
    await eventually(async () => (await verifiedAt()) > before, 12_000, 'the new verifier');
    const passwordMs = Date.now() - started;
    expect((await userSignIn(harness.url, upn, 'Alice-pass-2')).status).toBe(200);
    console.info(`[ad-notify ${kind}] disable → tenant ${disabledMs} ms; samba-tool setpassword → verifier ${passwordMs} ms`);
  }, 60_000);
});

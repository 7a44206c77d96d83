/**
 * AD password hash sync, the paths around it, against one real Samba AD DC (SQLite tenant):
 * - impacket (Debian's python3-impacket, an independent MS-DRSR client) replicates the same user
 *   and gets the same NT hash as dirbridge's replication (compared as SHA-256 fingerprints);
 * - the per-user password trace shows the AD path (MS-DRSR, scheme NT, when);
 * - "remove all synced password hashes" has every hash replicated from the DC and sent again.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSambaDc, NETBIOS_DOMAIN, type SambaDc, type SyncAccount } from '../../support/samba-dc.js';
import { startSyncHarness, type SyncHarness } from '../../support/sync-harness.js';
import { AdminApi, userSignIn } from '../../support/admin-api.js';
import { eventually } from '../../support/all-in-one.js';
import type { RunningAgent } from '../../../src/cli/agent-wiring.js';
import type { PasswordTrace } from '../../../src/tenant/api/contract.js';
import { DrsrSession, type Watermark } from '../../../src/directory/ldap/ad/replication/drsr-session.js';
import { ATTRIBUTE_OIDS, ridOf } from '../../../src/directory/ldap/ad/replication/drsuapi.js';
import { ntHash } from '../../../src/directory/ldap/ad/replication/ntlm.js';
import { ntHashFromUnicodePwd } from '../../../src/directory/ldap/ad/replication/secrets.js';
import { objectGuidToString } from '../../../src/directory/ldap/ad/object-guid.js';

const IMPACKET = fileURLToPath(new URL('../../support/impacket-nt-hash.py', import.meta.url));
const fingerprint = (hash: Buffer) => createHash('sha256').update(hash).digest('hex');
const USERS = [
  { name: 'carol', password: 'Carol-AD-pass-1' },
  { name: 'dan', password: 'Dan-AD-pass-1' },
  { name: 'eve', password: 'Eve-AD-pass-1' },
];
const upn = (name: string) => `${name}@ad.test`;

let dc: SambaDc;
let account: SyncAccount;
let harness: SyncHarness;
let agent: RunningAgent;
let admin: AdminApi;

beforeAll(async () => {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import impacket.dcerpc.v5.drsuapi']);
  if (probe.status !== 0) throw new Error('python3-impacket is not installed: run `DEBIAN_FRONTEND=noninteractive apt-get install -y python3-impacket`');
  dc = await startSambaDc();
  account = dc.createSyncAccount('dirbridge-sync');
  await dc.grantReplicationRights(account.dn, { all: true });
  dc.createUsers(USERS.map((u) => ({ name: u.name, password: 'Initial-pass-1', givenName: u.name })));
  // The passwords users sign in with are set the way an admin sets them on a DC.
  for (const u of USERS) dc.sambaTool(['user', 'setpassword', u.name, `--newpassword=${u.password}`]);
  harness = await startSyncHarness('sqlite', { url: dc.ldapsUrl, syncDn: account.dn, syncPw: account.password, suffix: dc.baseDn });
  agent = await harness.agent({ url: dc.ldapsUrl, flavor: 'ad', caFile: dc.caFile, passwordReplication: { user: account.name, domain: NETBIOS_DOMAIN, pollSeconds: 0.5 } });
  await agent.agent.connect();
  expect((await agent.agent.syncDirectory('full'))?.outcome).toBe('success');
  expect((await agent.agent.syncPasswords('delta'))?.failure).toBeNull();
  admin = await AdminApi.signIn(harness.url, 'admin', 'Harness-admin-password-1');
}, 180_000);

afterAll(async () => {
  await harness?.close();
  await dc?.stop();
});

describe('AD password hash sync paths', () => {
  it('gets the same NT hash as impacket replicating the same user', async () => {
    const session = await DrsrSession.open({ host: dc.address, user: account.name, domain: NETBIOS_DOMAIN, ntHash: await ntHash(account.password) });
    const ours = new Map<string, { guid: string; hash: string }>();
    try {
      let from: Watermark | null = null;
      for (;;) {
        const reply = await session.getChanges(dc.baseDn, from, ['unicodePwd'], 100);
        for (const o of reply.objects) {
          const value = o.attributes.get(ATTRIBUTE_OIDS.unicodePwd)?.[0];
          const rid = ridOf(o.name.sid);
          const name = /^CN=([^,]+),/.exec(o.name.dn)?.[1];
          if (value && rid !== null && name) ours.set(name, { guid: objectGuidToString(o.name.guid), hash: fingerprint(ntHashFromUnicodePwd(session.sessionKey, value, rid)) });
        }
        from = { invocationId: reply.invocationId.toString('hex'), ...reply.usnvecTo };
        if (!reply.moreData) break;
      }
    } finally {
      await session.close();
    }
    for (const u of USERS.slice(0, 2)) {
      const mine = ours.get(u.name);
      expect(mine, `${u.name} replicated by dirbridge`).toBeDefined();
      const out = spawnSync('/usr/bin/python3', [IMPACKET, dc.address, NETBIOS_DOMAIN, account.name, mine!.guid], { input: account.password, encoding: 'utf8', timeout: 60_000 });
      expect(out.status, out.stderr.split('\n').slice(-3).join('\n')).toBe(0);
      expect(out.stdout.trim()).toBe(mine!.hash);
      // And both are MD4 of the UTF-16LE password (hash-wasm, the third opinion).
      expect(mine!.hash).toBe(fingerprint(await ntHash(u.password)));
    }
  }, 120_000);

  it('shows the AD path in the per-user password trace', async () => {
    const trace = await admin.get<PasswordTrace>(`/api/v1/troubleshooter/password-trace?user=${encodeURIComponent(upn('carol'))}`);
    expect(trace.verdict).toBe('ok');
    const scheme = trace.steps.find((s) => s.id === 'scheme')!;
    expect(scheme.params).toMatchObject({ scheme: 'NT', path: 'ms-drsr' });
    expect(scheme.found).toMatch(/MS-DRSR/);
    const exported = trace.steps.find((s) => s.id === 'exported')!;
    expect(exported.params['path']).toBe('ms-drsr');
    expect(Date.parse(String(exported.params['at']))).toBeGreaterThan(Date.now() - 5 * 60_000);
    // Never any hash material.
    expect(JSON.stringify(trace)).not.toContain((await ntHash('Carol-AD-pass-1')).toString('hex'));
  });

  it('sends every hash again from the DC after "remove all synced password hashes"', async () => {
    const verified = async () => {
      const states = await Promise.all(USERS.map(async (u) => {
        const user = await harness.repo.findUserForSignIn(upn(u.name));
        return user ? (await harness.repo.getPasswordState(user.anchor))?.lastSuccessAt ?? null : null;
      }));
      return states.every((s) => s !== null);
    };
    expect(await verified()).toBe(true);
    const cleared = await admin.request<{ cleared: number }>('POST', '/api/v1/dirsync/clear-verifiers', { confirm: 'REMOVE ALL PASSWORD HASHES' });
    expect(cleared.status).toBe(200);
    expect(cleared.body.cleared).toBeGreaterThanOrEqual(USERS.length);
    expect(await verified()).toBe(false);
    // Nothing changed on the DC: only a replication from the start brings the hashes back. The
    // agent sees the new epoch at its next heartbeat. Watch the state, not sign-in (lockout).
    await agent.agent.connect();
    await eventually(verified, 60_000, 'every user verified again');
    for (const u of USERS) expect((await userSignIn(harness.url, upn(u.name), u.password)).status).toBe(200);
  }, 120_000);
});

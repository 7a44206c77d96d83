/**
 * AD password hash sync figures against a real Samba AD DC (test/support/samba-dc.ts):
 * - first replication of N users over MS-DRSR (users/s, secrets decrypted), beside the LDAP read
 *   floor of the same DC (a paged LDAPS search of the same users, objectGUID only);
 * - password change on the DC (LDAPS unicodePwd replace) → successful sign-in at the tenant,
 *   p50/p95 over `SAMPLES` changes, with the agent's loops running (SQLite tenant).
 * Run: npx tsx scripts/bench-ad-passwords.ts [users=2000] [samples=10]
 */
import { readFileSync } from 'node:fs';
import { Client } from 'ldapts';

import { startSambaDc, NETBIOS_DOMAIN } from '../test/support/samba-dc.js';
import { startSyncHarness } from '../test/support/sync-harness.js';
import { userSignIn } from '../test/support/admin-api.js';
import { eventually } from '../test/support/all-in-one.js';
import { DrsrSession } from '../src/directory/ldap/ad/replication/drsr-session.js';
import { ATTRIBUTE_OIDS, ridOf } from '../src/directory/ldap/ad/replication/drsuapi.js';
import { ntHash } from '../src/directory/ldap/ad/replication/ntlm.js';
import { ntHashFromUnicodePwd } from '../src/directory/ldap/ad/replication/secrets.js';

const users = Number(process.argv[2] ?? 2000);
const samples = Number(process.argv[3] ?? 10);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

const dc = await startSambaDc();
try {
  let t = Date.now();
  for (let i = 0; i < users; i += 500) {
    dc.createUsers(Array.from({ length: Math.min(500, users - i) }, (_, k) => ({ name: `bench${i + k}`, password: `Bench-${i + k}-Pw!` })));
  }
  console.log(`created ${users} users with passwords in ${Date.now() - t} ms`);
  const account = dc.createSyncAccount('bench-sync');
  await dc.grantReplicationRights(account.dn, { all: true });

  t = Date.now();
  const ldap = new Client({ url: dc.ldapsUrl, tlsOptions: { ca: readFileSync(dc.caFile) } });
  await ldap.bind(account.dn, account.password);
  const { searchEntries } = await ldap.search(dc.baseDn, { filter: '(objectClass=user)', attributes: ['objectGUID'], paged: { pageSize: 1000 } });
  await ldap.unbind();
  const ldapMs = Date.now() - t;

  t = Date.now();
  const session = await DrsrSession.open({ host: dc.address, user: account.name, domain: NETBIOS_DOMAIN, ntHash: await ntHash(account.password) });
  let hashes = 0;
  for await (const { reply } of session.replicate(dc.baseDn, null, ['unicodePwd', 'pwdLastSet', 'userAccountControl'], 1000)) {
    for (const o of reply.objects) {
      const v = o.attributes.get(ATTRIBUTE_OIDS.unicodePwd)?.[0];
      const rid = ridOf(o.name.sid);
      if (v && rid !== null) { ntHashFromUnicodePwd(session.sessionKey, v, rid); hashes++; }
    }
  }
  await session.close();
  const drsrMs = Date.now() - t;
  console.log(`LDAP read floor: ${searchEntries.length} users in ${ldapMs} ms (${Math.round(searchEntries.length / (ldapMs / 1000))} users/s)`);
  console.log(`DRSR first replication: ${hashes} NT hashes in ${drsrMs} ms (${Math.round(hashes / (drsrMs / 1000))} users/s), session set-up included`);

  const harness = await startSyncHarness('sqlite', { url: dc.ldapsUrl, syncDn: account.dn, syncPw: account.password, suffix: dc.baseDn });
  try {
    const running = await harness.agent({ url: dc.ldapsUrl, flavor: 'ad', caFile: dc.caFile, passwordReplication: { user: account.name, domain: NETBIOS_DOMAIN, pollSeconds: 0.5 } });
    await running.agent.connect();
    await running.agent.syncDirectory('full');
    await running.agent.syncPasswords('delta');
    await running.agent.start();
    await running.agent.syncDirectory('delta');
    await running.agent.syncPasswords('delta');
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const password = `Changed-${i}-Pw!`;
      const anchor = (await harness.repo.findUserForSignIn(`bench${i}@ad.test`))!.anchor;
      const before = (await harness.repo.getPasswordState(anchor))?.lastSuccessAt?.getTime() ?? 0;
      const started = Date.now();
      await dc.setPassword(`CN=bench${i},${dc.usersDn}`, password);
      await eventually(async () => ((await harness.repo.getPasswordState(anchor))?.lastSuccessAt?.getTime() ?? 0) > before, 30_000, 'the new verifier');
      if ((await userSignIn(harness.url, `bench${i}@ad.test`, password)).status !== 200) throw new Error('sign-in failed');
      latencies.push(Date.now() - started);
    }
    console.log(`password change on the DC → sign-in: p50 ${pct(latencies, 50)} ms, p95 ${pct(latencies, 95)} ms (${samples} changes, poll 0.5 s)`);
  } finally {
    await harness.close();
  }
} finally {
  await dc.stop();
}

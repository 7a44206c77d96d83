/**
 * The Active Directory part of `npm run bench -- --ad` (docs/benchmark.md, "Active Directory"):
 * a private Samba AD DC (test/support/samba-dc.ts) loaded with N users and G groups, then
 * - full and delta directory sync beside the `ldapsearch` read floor of the same DC;
 * - first password replication over MS-DRSR (users/s) beside the LDAP read floor of the users;
 * - a password change on the DC (LDAPS unicodePwd modify) → sign-in at the tenant, p50/p95;
 * - a disable on the DC → the user disabled at the tenant and refused, p50/p95: through the AD
 *   directory source's own change watch (n/a while it has none), and through the replication's
 *   highestCommittedUSN poll, which also triggers a directory delta;
 * - the change watch at full scope: a disable on the DC → the tenant showing it, p50/p95, with the
 *   agent syncing every loaded user (no sample filter), as README configures it;
 * - a password change → sign-in with change notifications as the only watch (USN polls at 10
 *   minutes), over LDAP and by samba-tool on the DC's database.
 * The tenant and the agent run in this process (test/support/sync-harness.ts), unlike the slapd
 * part's forked children: these figures are about latency and the DC, not the processes' RSS.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { startSambaDc, NETBIOS_DOMAIN, type SambaDc, type SyncAccount } from '../test/support/samba-dc.js';
import { startSyncHarness, type SyncHarness } from '../test/support/sync-harness.js';
import { userSignIn } from '../test/support/admin-api.js';
import { DrsrSession } from '../src/directory/ldap/ad/replication/drsr-session.js';
import { ATTRIBUTE_OIDS, ridOf } from '../src/directory/ldap/ad/replication/drsuapi.js';
import { ntHash } from '../src/directory/ldap/ad/replication/ntlm.js';
import { ntHashFromUnicodePwd } from '../src/directory/ldap/ad/replication/secrets.js';
import type { FigureInput } from '../src/bench/report.js';
import { describeRepeated, repeated, summarize } from '../src/bench/stats.js';

export interface AdBenchOptions {
  users: number;
  groups: number;
  repeat: number;
  stores: Array<'sqlite' | 'postgres'>;
  /** Password changes and disables timed for the latency figures (at least 20 for a p95). */
  samples: number;
  /** `--skip ad-replication`: leave out the MS-DRSR steps (first replication, password latency). */
  skipReplication?: boolean;
}

export interface AdBenchIo {
  add(figure: FigureInput): void;
  say(message: string): void;
  problems: string[];
  info: Record<string, unknown>;
}

// The AD flavor's default scope (src/directory/ldap/ldap-config.ts), so the floor reads what the sync reads.
const USER_FILTER = '(&(objectCategory=person)(objectClass=user))';
const GROUP_FILTER = '(objectClass=group)';
const SAMPLE = 'password-sample';
const LOAD_CHUNK = 2000;
const POLL_SECONDS = 0.5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const userName = (i: number) => `bench${i}`;
const upn = (i: number) => `${userName(i)}@ad.test`;
const benchPassword = (i: number, round = 0) => `Bench-${i}-r${round}-Pw!`;

function timeToDevNull(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const devNull = openSync('/dev/null', 'w');
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', devNull, 'pipe'], env });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      closeSync(devNull);
      if (code === 0) resolve((performance.now() - started) / 1000);
      else reject(new Error(`${command} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

export async function adFigures(options: AdBenchOptions, io: AdBenchIo): Promise<void> {
  const { add, say, problems } = io;
  const n = options.users;
  const g = options.groups;
  const samples = Math.min(n, Math.max(20, options.samples));
  const work = mkdtempSync(join(tmpdir(), 'dirbridge-bench-ad-'));
  let dc: SambaDc | undefined;
  const harnesses: SyncHarness[] = [];
  try {
    dc = await startSambaDc();
    const dcRef = dc;
    // Load: one Python process (samba.samdb) per chunk, one transaction each, NT hashes given
    // (measured against parallel LDAPS adds and samdb with clear-text passwords: docs/benchmark.md).
    let t = performance.now();
    for (let from = 0; from < n; from += LOAD_CHUNK) {
      await dc.loadUsers(Array.from({ length: Math.min(LOAD_CHUNK, n - from) }, (_, k) => {
        const i = from + k;
        return {
          name: userName(i), password: benchPassword(i), givenName: `Given${i}`, sn: `Sur${i}`, mail: `${userName(i)}@mail.ad.test`,
          attributes: { displayName: [`Bench User ${i}`], title: [`Title ${i % 37}`], department: [`Dept ${i % 11}`], ...(i < samples ? { employeeType: [SAMPLE] } : {}) },
        };
      }));
    }
    const userLoadSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    dc.createGroups(Array.from({ length: g }, (_, k) => ({
      name: `bench-group-${k}`,
      members: Array.from({ length: Math.ceil((n - k) / g) }, (_, m) => `CN=${userName(k + m * g)},${dcRef.usersDn}`),
    })));
    const groupLoadSeconds = (performance.now() - t) / 1000;
    say(`AD: ${n} users loaded in ${userLoadSeconds.toFixed(1)} s, ${g} groups with their members in ${groupLoadSeconds.toFixed(1)} s`);
    io.info['ad'] = { users: n, groups: g, userLoadSeconds, groupLoadSeconds, samba: execFileSync('/usr/sbin/samba', ['-V'], { encoding: 'utf8' }).trim() };

    const account: SyncAccount = dc.createSyncAccount('bench-sync');
    await dc.grantReplicationRights(account.dn, { all: true });
    const pwFile = join(work, 'sync-password');
    writeFileSync(pwFile, account.password, { mode: 0o600 });
    const ldapEnv = { ...process.env, LDAPTLS_CACERT: dc.caFile, LDAPTLS_REQCERT: 'demand' };
    const ldapsearch = (filter: string, attributes: string[]) =>
      ['-x', '-LLL', '-H', dcRef.ldapsUrl, '-D', account.dn, '-y', pwFile, '-b', dcRef.baseDn, '-E', 'pr=1000/noprompt', filter, ...attributes];
    const countOf = (filter: string): number =>
      execFileSync('ldapsearch', ldapsearch(filter, ['1.1']), { encoding: 'utf8', env: ldapEnv, maxBuffer: 1 << 30 }).split('\n').filter((l) => l.startsWith('dn: ')).length;
    const floorOf = async (filter: string, attributes: string[]) => {
      await timeToDevNull('ldapsearch', ldapsearch(filter, attributes), ldapEnv); // warms the DC's cache, as the sync's read finds it
      const runs: number[] = [];
      for (let r = 0; r < Math.max(3, options.repeat); r++) runs.push(await timeToDevNull('ldapsearch', ldapsearch(filter, attributes), ldapEnv));
      return repeated(runs);
    };
    const scope = `(|${USER_FILTER}${GROUP_FILTER})`;

    // A. Read floor of the objects the sync reads.
    const floor = await floorOf(scope, ['*']);
    let expected = { users: countOf(USER_FILTER), groups: countOf(GROUP_FILTER) };
    add({ id: 'ad_read_floor', label: 'AD. read floor (ldapsearch over LDAPS, paged, *)', value: floor.median, unit: 's', detail: `${expected.users} users and ${expected.groups} groups to /dev/null, ${describeRepeated(floor, 's')} (after one warming dump)` });
    say(`AD read floor ${floor.median.toFixed(2)} s`);

    // B. Full directory sync per store (objects only), R times on a fresh tenant; the last stays for the delta.
    const directory = { url: dc.ldapsUrl, syncDn: account.dn, syncPw: account.password, suffix: dc.baseDn };
    const adSource = { url: dc.ldapsUrl, flavor: 'ad', caFile: dc.caFile };
    const counts = async (h: SyncHarness) => ({ users: await h.repo.countUsers(), groups: (await h.repo.listGroups({ page: 1, pageSize: 1 })).total });
    const check = (what: string, actual: unknown, wanted: unknown) => {
      if (JSON.stringify(actual) !== JSON.stringify(wanted)) problems.push(`${what}: expected ${JSON.stringify(wanted)}, got ${JSON.stringify(actual)}`);
    };
    const kept: Array<{ kind: string; harness: SyncHarness; agent: Awaited<ReturnType<SyncHarness['agent']>> }> = [];
    for (const kind of options.stores) {
      const runs: number[] = [];
      for (let r = 0; r < options.repeat; r++) {
        const harness = await startSyncHarness(kind, directory);
        harnesses.push(harness);
        await harness.repo.updateSettings({ passwordSyncEnabled: false });
        const agent = await harness.agent(adSource);
        await agent.agent.connect();
        const started = performance.now();
        const cycle = await agent.agent.syncDirectory('full');
        runs.push((performance.now() - started) / 1000);
        check(`AD full sync on ${kind} (run ${r + 1}): outcome`, cycle?.outcome, 'success');
        check(`AD full sync on ${kind} (run ${r + 1}): users and groups in the tenant`, await counts(harness), expected);
        say(`AD full sync on ${kind}, run ${r + 1}: ${runs[r]!.toFixed(2)} s`);
        if (r === options.repeat - 1) kept.push({ kind, harness, agent });
        else {
          await agent.stop();
          await harness.close();
          harnesses.splice(harnesses.indexOf(harness), 1);
        }
      }
      const full = repeated(runs);
      add({
        id: `ad_full_sync_${kind}`, label: `AD. full sync, ${kind}`, value: full.median, unit: 's',
        references: [{ name: 'AD read floor', value: floor.median, unit: 's', target: { max: 10 } }],
        detail: `${expected.users + expected.groups} objects; ${describeRepeated(full, 's')}`,
      });
    }

    // C. Delta: 1% get a new displayName, 0.1% added, 0.1% deleted, over LDAPS as an admin would.
    const changes = { modify: Math.max(1, Math.round(n / 100)), add: Math.max(1, Math.round(n / 1000)), del: Math.max(1, Math.round(n / 1000)) };
    const usnBefore = await dc.highestCommittedUsn();
    t = performance.now();
    // Changed users lie above the latency samples, so those stay as loaded.
    const modified = Array.from({ length: changes.modify }, (_, k) => samples + k);
    for (const i of modified) await dc.modify(`CN=${userName(i)},${dc.usersDn}`, [{ operation: 'replace', type: 'displayName', values: [`Renamed ${i}`] }]);
    dc.createUsers(Array.from({ length: changes.add }, (_, k) => ({ name: `bench-new-${k}`, givenName: 'New', sn: `User ${k}` })));
    for (let k = 0; k < changes.del; k++) await dc.deleteEntry(`CN=${userName(n - 1 - k)},${dc.usersDn}`);
    const applySeconds = (performance.now() - t) / 1000;
    const deltaFloor = await floorOf(`(&${scope}(uSNChanged>=${(usnBefore + 1n).toString()}))`, ['*']);
    expected = { users: countOf(USER_FILTER), groups: countOf(GROUP_FILTER) };
    for (const { kind, harness, agent } of kept) {
      const started = performance.now();
      const cycle = await agent.agent.syncDirectory('delta');
      const seconds = (performance.now() - started) / 1000;
      check(`AD delta on ${kind}: outcome`, cycle?.outcome, 'success');
      check(`AD delta on ${kind}: mode`, cycle?.mode, 'delta');
      check(`AD delta on ${kind}: users and groups in the tenant`, await counts(harness), expected);
      check(`AD delta on ${kind}: a modified user's name`, (await harness.repo.findUserForSignIn(upn(modified[0]!)))?.displayName, `Renamed ${modified[0]}`);
      add({
        id: `ad_delta_${kind}`, label: `AD. delta, ${kind}`, value: seconds, unit: 's', target: { max: 3 },
        references: [{ name: 'AD delta query (uSNChanged)', value: deltaFloor.median, unit: 's' }, { name: 'AD read floor', value: floor.median, unit: 's' }],
        detail: `${changes.modify} modified, ${changes.add} added, ${changes.del} deleted (applied on the DC in ${applySeconds.toFixed(1)} s); cycle read ${cycle?.counts['read'] ?? '?'}`,
      });
      say(`AD delta on ${kind}: ${seconds.toFixed(2)} s`);
      await agent.stop();
    }
    for (const { harness } of kept) {
      await harness.close();
      harnesses.splice(harnesses.indexOf(harness), 1);
    }

    // C2. The change watch at full scope (every loaded user in the agent's scope, README's rights).
    await changeWatchAtFullScope(dc, account, options, io, { first: Math.floor(n / 2), directory, adSource });
    if (options.skipReplication) return;

    // D. First password replication of the whole domain over MS-DRSR (secrets decrypted), R times,
    // beside the LDAP read of the same users and the attributes replication asks for.
    const usersFloor = await floorOf(USER_FILTER, ['objectGUID', 'pwdLastSet', 'userAccountControl']);
    const replicationRuns: number[] = [];
    let hashes = 0;
    let pages = { objects: 0, links: 0, count: 0 };
    for (let r = 0; r < options.repeat; r++) {
      const started = performance.now();
      const session = await DrsrSession.open({ host: dc.address, user: account.name, domain: NETBIOS_DOMAIN, ntHash: await ntHash(account.password) });
      hashes = 0;
      pages = { objects: 0, links: 0, count: 0 };
      try {
        for await (const { reply } of session.replicate(dc.baseDn, null, ['unicodePwd', 'pwdLastSet', 'userAccountControl'], 1000)) {
          pages.count++;
          pages.objects += reply.objects.length;
          pages.links += reply.linkCount;
          for (const o of reply.objects) {
            const value = o.attributes.get(ATTRIBUTE_OIDS.unicodePwd)?.[0];
            const rid = ridOf(o.name.sid);
            if (value && rid !== null) {
              ntHashFromUnicodePwd(session.sessionKey, value, rid);
              hashes++;
            }
          }
        }
      } finally {
        await session.close();
      }
      replicationRuns.push((performance.now() - started) / 1000);
    }
    const replication = repeated(replicationRuns);
    // The loaded users the delta left (it deleted some; the users it added have no password), the
    // sync account, Administrator and krbtgt have an NT hash.
    if (hashes < n - changes.del + 3) problems.push(`AD password replication: ${hashes} NT hashes for ${n - changes.del} loaded users left, the sync account, Administrator and krbtgt`);
    add({
      id: 'ad_password_replication', label: 'AD. first password replication (MS-DRSR)', value: hashes / replication.median, unit: 'users/s',
      references: [{ name: 'AD LDAP read floor of the users', value: expected.users / usersFloor.median, unit: 'users/s' }],
      detail: `${hashes} NT hashes decrypted in ${replication.median.toFixed(2)} s, session set-up included, ${describeRepeated(replication, 's')}; ${pages.count} pages carried ${pages.objects} objects and ${pages.links} linked values; the floor reads objectGUID, pwdLastSet and userAccountControl of ${expected.users} users (${describeRepeated(usersFloor, 's')})`,
    });
    say(`AD password replication: ${Math.round(hashes / replication.median)} users/s (LDAP floor ${Math.round(expected.users / usersFloor.median)} users/s)`);

    // E. Latency, with the agent's loops running, on the first store, scoped to the sample users
    // (so the first derivation of verifiers does not take the run).
    const kind = options.stores[0]!;
    const harness = await startSyncHarness(kind, directory);
    harnesses.push(harness);
    const sampleFilter = `(&${USER_FILTER}(employeeType=${SAMPLE}))`;
    const withReplication = await harness.agent({ ...adSource, userFilter: sampleFilter, passwordReplication: { user: account.name, domain: NETBIOS_DOMAIN, pollSeconds: POLL_SECONDS } });
    await withReplication.agent.connect();
    check('AD latency agent: full sync', (await withReplication.agent.syncDirectory('full'))?.outcome, 'success');
    const first = await withReplication.agent.syncPasswords('delta');
    check('AD latency agent: first password replication', first?.failure ?? null, null);
    await withReplication.agent.start();
    await withReplication.agent.syncDirectory('delta');
    await withReplication.agent.syncPasswords('delta');
    const verifiedAt = async (i: number) => {
      const user = await harness.repo.findUserForSignIn(upn(i));
      return user ? ((await harness.repo.getPasswordState(user.anchor))?.lastSuccessAt?.getTime() ?? 0) : 0;
    };
    const passwordLatencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const before = await verifiedAt(i);
      const started = performance.now();
      await dc.setPassword(`CN=${userName(i)},${dc.usersDn}`, benchPassword(i, 1));
      // The tenant is polled, not the sign-in: failed sign-ins would trip the smart lockout.
      await waitFor(async () => (await verifiedAt(i)) > before, 30_000, `the new verifier of ${userName(i)}`);
      const status = (await userSignIn(harness.url, upn(i), benchPassword(i, 1))).status;
      if (status !== 200) problems.push(`AD password latency: sign-in of ${userName(i)} with the new password answered ${status}`);
      passwordLatencies.push(performance.now() - started);
    }
    const pw = summarize(passwordLatencies);
    const pwDetail = `${pw.samples} changes (LDAPS unicodePwd replace) to a successful sign-in, replication poll every ${POLL_SECONDS} s, ${kind}`;
    add({ id: 'ad_password_latency_p50', label: 'AD. password change on the DC → sign-in, p50', value: pw.p50, unit: 'ms', detail: pwDetail });
    add({ id: 'ad_password_latency_p95', label: 'AD. password change on the DC → sign-in, p95', value: pw.p95, unit: 'ms', target: { max: 2000 }, detail: pwDetail });
    say(`AD password change → sign-in: p50 ${pw.p50.toFixed(0)} ms, p95 ${pw.p95.toFixed(0)} ms`);

    const disableLatencies = async (agentHarness: SyncHarness, users: number[]): Promise<number[]> => {
      const latencies: number[] = [];
      for (const i of users) {
        const started = performance.now();
        await dcRef.disable(`CN=${userName(i)},${dcRef.usersDn}`);
        await waitFor(async () => (await agentHarness.repo.findUserForSignIn(upn(i)))?.enabled === false, 60_000, `${userName(i)} disabled at the tenant`);
        const status = (await userSignIn(agentHarness.url, upn(i), benchPassword(i, 1))).status;
        if (status === 200) problems.push(`AD disable latency: ${userName(i)} still signs in after the disable reached the tenant`);
        latencies.push(performance.now() - started);
      }
      return latencies;
    };
    const disableFigure = (id: string, label: string, latencies: number[] | null, detail: string) => {
      const s = latencies ? summarize(latencies) : null;
      add({ id: `${id}_p50`, label: `${label}, p50${s ? '' : ' n/a (no change watch)'}`, value: s?.p50 ?? Number.NaN, unit: 'ms', detail });
      add({ id: `${id}_p95`, label: `${label}, p95${s ? '' : ' n/a (no change watch)'}`, value: s?.p95 ?? Number.NaN, unit: 'ms', target: { max: 5000 }, detail });
      say(`${label}: ${s ? `p50 ${s.p50.toFixed(0)} ms, p95 ${s.p95.toFixed(0)} ms` : 'n/a (no change watch)'}`);
    };
    // Through the replication's highestCommittedUSN poll, which also asks for a directory delta.
    const half = Math.floor(samples / 2);
    const viaPoll = await disableLatencies(harness, Array.from({ length: half }, (_, k) => k));
    await withReplication.stop();
    disableFigure('ad_disable_latency_replication_poll', 'AD. disable on the DC → refused at tenant, via the replication poll', viaPoll, `${viaPoll.length} disables (LDAPS userAccountControl), agent with password replication (poll every ${POLL_SECONDS} s), ${kind}`);

    // Through the directory source's own change watch (no password replication configured).
    const directoryOnly = await harness.agent({ ...adSource, userFilter: sampleFilter });
    if (directoryOnly.source.watch) {
      await waitFor(async () => (await directoryOnly.agent.connect())?.active === true, 15_000, 'the lease of the directory-only agent');
      await directoryOnly.agent.syncDirectory('full');
      await directoryOnly.agent.start();
      await directoryOnly.agent.syncDirectory('delta');
      const viaWatch = await disableLatencies(harness, Array.from({ length: samples - half }, (_, k) => half + k));
      disableFigure('ad_disable_latency_watch', 'AD. disable on the DC → refused at tenant, via the AD change watch', viaWatch, `${viaWatch.length} disables (LDAPS userAccountControl), directory-only agent (${directoryOnly.source.description}), ${kind}`);
    } else {
      disableFigure('ad_disable_latency_watch', 'AD. disable on the DC → refused at tenant, via the AD change watch', null, 'the AD directory source has no change watch on this branch: a disable waits for the delta interval');
    }
    await directoryOnly.stop();

    // F. Change notifications alone: both USN polls at 10 minutes, so only the DC's push
    // (LDAP_SERVER_NOTIFICATION_OID) can bring a change within the wait.
    await pushOnlyLatency(harness, account, options, io, { adSource, sampleFilter, samples, kind, dc: dcRef });
  } finally {
    for (const h of harnesses) await h.close().catch((e: unknown) => say(`closing: ${String(e)}`));
    await dc?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Password change on the DC → sign-in at the tenant with change notifications as the only watch
 * (changePollSeconds and passwordReplication.pollSeconds at 600): an LDAPS unicodePwd replace (an
 * admin's tool: Samba re-runs notification searches 0.1 s after a write through its LDAP server),
 * and `samba-tool user setpassword` on the DC's own database (no LDAP write: Samba's 5-second
 * re-run), timed from samba-tool's exit (its 0.7-1.5 s Python start is not the DC's latency).
 */
async function pushOnlyLatency(
  harness: SyncHarness,
  account: SyncAccount,
  options: AdBenchOptions,
  io: AdBenchIo,
  at: { adSource: Record<string, unknown>; sampleFilter: string; samples: number; kind: string; dc: SambaDc },
): Promise<void> {
  const { add, say, problems } = io;
  const { dc, samples, kind } = at;
  if (options.skipReplication) return;
  const NO_POLL = 600;
  // The disables above left the sample users disabled.
  for (let i = 0; i < samples; i++) await dc.enable(`CN=${userName(i)},${dc.usersDn}`);
  const agent = await harness.agent({ ...at.adSource, userFilter: at.sampleFilter, changePollSeconds: NO_POLL, passwordReplication: { user: account.name, domain: NETBIOS_DOMAIN, pollSeconds: NO_POLL } });
  try {
    await waitFor(async () => (await agent.agent.connect())?.active === true, 15_000, 'the lease of the notification-only agent');
    const full = await agent.agent.syncDirectory('full');
    if (full?.outcome !== 'success') problems.push(`AD notification-only agent: the full sync answered ${full?.outcome ?? 'nothing'}`);
    await agent.agent.syncPasswords('delta');
    await agent.agent.start();
    await agent.agent.syncDirectory('delta');
    await agent.agent.syncPasswords('delta');
    await waitFor(async () => agent.source.description.includes('change notifications,'), 15_000, 'change notifications accepted by the DC');
    const verifiedAt = async (i: number) => {
      const user = await harness.repo.findUserForSignIn(upn(i));
      return user ? ((await harness.repo.getPasswordState(user.anchor))?.lastSuccessAt?.getTime() ?? 0) : 0;
    };
    const timeChange = async (i: number, round: number, change: () => Promise<unknown> | unknown, startAfter: boolean): Promise<number> => {
      const before = await verifiedAt(i);
      // Spread over Samba's 5-second re-run, so the figure is not locked to one phase of it.
      await sleep(Math.random() * 1_000);
      let started = performance.now();
      await change();
      if (startAfter) started = performance.now();
      await waitFor(async () => (await verifiedAt(i)) > before, 30_000, `the new verifier of ${userName(i)}`);
      const status = (await userSignIn(harness.url, upn(i), benchPassword(i, round))).status;
      if (status !== 200) problems.push(`AD notification latency: sign-in of ${userName(i)} with the new password answered ${status}`);
      return performance.now() - started;
    };
    const viaLdap: number[] = [];
    for (let i = 0; i < samples; i++) viaLdap.push(await timeChange(i, 2, () => dc.setPassword(`CN=${userName(i)},${dc.usersDn}`, benchPassword(i, 2)), false));
    const localSamples = Math.min(samples, 20);
    const viaSambaTool: number[] = [];
    for (let i = 0; i < localSamples; i++) viaSambaTool.push(await timeChange(i, 3, () => dc.sambaTool(['user', 'setpassword', userName(i), `--newpassword=${benchPassword(i, 3)}`]), true));
    const load = loadavg()[0]!.toFixed(1);
    const ldap = summarize(viaLdap);
    const local = summarize(viaSambaTool);
    const ldapDetail = `${ldap.samples} changes (LDAPS unicodePwd replace) to a successful sign-in, change notifications only (both USN polls at ${NO_POLL} s), ${kind}; load average ${load}`;
    add({ id: 'ad_password_latency_notify_p50', label: 'AD. password change on the DC (LDAP) → sign-in, change notifications, p50', value: ldap.p50, unit: 'ms', detail: ldapDetail });
    add({ id: 'ad_password_latency_notify_p95', label: 'AD. password change on the DC (LDAP) → sign-in, change notifications, p95', value: ldap.p95, unit: 'ms', target: { max: 2000 }, detail: ldapDetail });
    const localDetail = `${local.samples} changes (samba-tool user setpassword on the DC's database, timed from its exit) to a successful sign-in, change notifications only, ${kind}; Samba re-runs notification searches every 5 s for writes outside its LDAP server; load average ${load}`;
    add({ id: 'ad_password_latency_notify_local_p50', label: 'AD. password change by samba-tool → sign-in, change notifications only, p50', value: local.p50, unit: 'ms', detail: localDetail });
    add({ id: 'ad_password_latency_notify_local_p95', label: 'AD. password change by samba-tool → sign-in, change notifications only, p95', value: local.p95, unit: 'ms', detail: localDetail });
    say(`AD password change → sign-in, change notifications only: over LDAP p50 ${ldap.p50.toFixed(0)} ms, p95 ${ldap.p95.toFixed(0)} ms; by samba-tool p50 ${local.p50.toFixed(0)} ms, p95 ${local.p95.toFixed(0)} ms (load average ${load})`);
  } finally {
    await agent.stop();
  }
}

/**
 * A disable on the DC (LDAPS userAccountControl, as an admin's tool does it) until the tenant holds
 * the user as disabled, with the agent's loops running over the whole loaded directory: the AD
 * change watch reads highestCommittedUSN every changePollSeconds (the default, 2 s), then a delta
 * reads what changed and the tombstones (the sync account has README's Deleted Objects right).
 * The disables are spread over the poll interval by a random pause, so the figure is not locked
 * to one phase of the poll.
 */
async function changeWatchAtFullScope(
  dc: SambaDc,
  account: SyncAccount,
  options: AdBenchOptions,
  io: AdBenchIo,
  at: { first: number; directory: Parameters<typeof startSyncHarness>[1]; adSource: Record<string, unknown> },
): Promise<void> {
  const { add, say, problems } = io;
  const kind = options.stores[0]!;
  const samples = Math.max(20, options.samples);
  await dc.grantDeletedObjectsRead(account.dn);
  const harness = await startSyncHarness(kind, at.directory);
  try {
    await harness.repo.updateSettings({ passwordSyncEnabled: false });
    const agent = await harness.agent(at.adSource);
    await agent.agent.connect();
    const full = await agent.agent.syncDirectory('full');
    if (full?.outcome !== 'success') problems.push(`AD change watch: the full sync answered ${full?.outcome ?? 'nothing'}`);
    const inScope = await harness.repo.countUsers();
    await agent.agent.start();
    await agent.agent.syncDirectory('delta');
    const latencies: number[] = [];
    for (let k = 0; k < samples; k++) {
      const i = at.first + k;
      await sleep(Math.random() * 2_000);
      const started = performance.now();
      await dc.disable(`CN=${userName(i)},${dc.usersDn}`);
      await waitFor(async () => (await harness.repo.findUserForSignIn(upn(i)))?.enabled === false, 60_000, `${userName(i)} disabled at the tenant`);
      latencies.push(performance.now() - started);
    }
    await agent.stop();
    const s = summarize(latencies);
    const load = loadavg()[0]!.toFixed(1);
    const detail = `${s.samples} disables (LDAPS userAccountControl) to the tenant showing the user disabled; agent over all ${inScope} users, change poll every 2 s (default), deletes from Deleted Objects, ${kind}; load average ${load} at the end`;
    add({ id: 'ad_watch_full_scope_p50', label: 'AD. disable on the DC → tenant, change watch, all users in scope, p50', value: s.p50, unit: 'ms', detail });
    add({ id: 'ad_watch_full_scope_p95', label: 'AD. disable on the DC → tenant, change watch, all users in scope, p95', value: s.p95, unit: 'ms', target: { max: 5000 }, detail });
    say(`AD change watch at full scope (${inScope} users): p50 ${s.p50.toFixed(0)} ms, p95 ${s.p95.toFixed(0)} ms, max ${s.max.toFixed(0)} ms`);
  } finally {
    await harness.close();
  }
}

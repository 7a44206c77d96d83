/**
 * Independent pipelines (issue 10, finding 3), against a real slapd and a tenant on SQLite: during
 * a long first password sync (a KDF slow enough that it takes many seconds), a user disabled in
 * the directory is disabled in the tenant within seconds, and a deleted user is gone, while the
 * password sync still runs; its progress (processed, of how many, derived, ETA) reaches the tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { startSlapd, type Slapd } from '../support/slapd.js';
import { startSyncHarness, untilWatching, type SyncHarness } from '../support/sync-harness.js';
import { eventually } from '../support/all-in-one.js';
import { userSignIn } from '../support/admin-api.js';
import type { RunningAgent } from '../../src/cli/agent-wiring.js';

const SUFFIX = 'dc=example,dc=test';
const USERS = 60;
// {SSHA} as slapd writes it, made here: one slappasswd process per user would cost seconds.
const ssha = (password: string) => {
  const salt = randomBytes(8);
  return `{SSHA}${Buffer.concat([createHash('sha1').update(password).update(salt).digest(), salt]).toString('base64')}`;
};
const uid = (i: number) => `u${String(i).padStart(3, '0')}`;
const ldif = [
  `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people\n`,
  ...Array.from({ length: USERS }, (_, i) => `dn: uid=${uid(i)},ou=people,${SUFFIX}\nobjectClass: inetOrgPerson\nuid: ${uid(i)}\ncn: ${uid(i)}\nsn: Person\nmail: ${uid(i)}@example.test\nuserPassword: ${ssha(`Pw-${uid(i)}`)}\n`),
].join('\n');

describe('directory work during a long password sync (slapd, SQLite)', () => {
  let slapd: Slapd;
  let harness: SyncHarness;
  let agent: RunningAgent;

  beforeAll(async () => {
    slapd = await startSlapd({ suffix: SUFFIX, ldif, ppolicy: true });
    harness = await startSyncHarness('sqlite', slapd);
    // Everyone signs in first, with verifiers made at a cheap KDF cost.
    await harness.repo.updateSettings({ kdfParams: { log2N: 10, r: 8, p: 1, keyLength: 32 } });
    agent = await harness.agent({}, { intervals: { deltaMinutes: 60, passwordMinutes: 60 } });
    await agent.agent.connect();
    await agent.agent.syncDirectory('full');
    expect((await agent.agent.syncPasswords('delta'))?.counts.derived).toBe(USERS);
    // Then scrypt at N=2^16 (0.1-0.5 s per verifier here): re-deriving everyone takes many seconds.
    await harness.repo.updateSettings({ kdfParams: { log2N: 16, r: 8, p: 1, keyLength: 32 } });
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
    await slapd?.stop();
  });

  it('disables and deletes in the tenant while the password sync still runs, and shows its progress', async () => {
    const victim = uid(0);
    const gone = uid(1);
    expect((await userSignIn(harness.url, `${victim}@example.test`, `Pw-${victim}`)).status).toBe(200);
    await agent.agent.start();
    await untilWatching(agent, (n) => slapd.modify(`dn: uid=${uid(USERS - 1)},ou=people,${SUFFIX}\nchangetype: modify\nreplace: description\ndescription: watched ${n}\n`));
    // A password reconciliation re-derives every verifier at the new cost, in the background.
    const reconciliation = agent.agent.syncPasswords('full');
    const running = await eventually(async () => {
      const progress = (await harness.repo.listAgents())[0]?.passwordProgress;
      return progress && progress.derived > 0 ? progress : undefined;
    }, 60_000, 'password progress in the tenant');
    expect(running).toMatchObject({ mode: 'full', total: USERS });
    expect(running.processed).toBeLessThan(USERS);

    const started = Date.now();
    slapd.modify(`dn: uid=${victim},ou=people,${SUFFIX}\nchangetype: modify\nadd: pwdAccountLockedTime\npwdAccountLockedTime: 000001010000Z\n`);
    slapd.delete(`uid=${gone},ou=people,${SUFFIX}`);
    // The agent polls every 60 minutes: a change that arrives before this ceiling was pushed. And it
    // arrived while the password sync still ran: the directory change did not wait for it. Both
    // proven by what was seen when it arrived, not by a clock (the latency is only logged).
    const arrival = await eventually(async () => {
      const user = (await harness.repo.listUsers({ search: `${victim}@`, page: 1, pageSize: 5 })).items[0];
      const deleted = (await harness.repo.listUsers({ search: `${gone}@`, page: 1, pageSize: 5 })).total === 0;
      return user?.enabled === false && deleted ? { passwordProgress: agent.agent.currentPasswordProgress } : undefined;
    }, 120_000, 'the disable and the delete in the tenant');
    const latency = Date.now() - started;
    expect(arrival.passwordProgress).not.toBeNull();
    // Refused at once, though the user still holds a verifier that signed in a moment ago.
    expect((await userSignIn(harness.url, `${victim}@example.test`, `Pw-${victim}`)).status).not.toBe(200);
    process.stdout.write(`disable and delete reached the tenant ${latency} ms after the change, during a password sync\n`);
    // Stopping cancels the derivations still queued; what was committed stays.
    await agent.stop();
    expect(await reconciliation).toBeNull();
  }, 180_000);
});

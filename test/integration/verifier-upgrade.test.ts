/**
 * Verifier strength changed without a flag day (issue 11): a tenant whose users signed in with
 * verifiers of one KDF parameter set switches its kdfPreset in the admin API; the agent (against a
 * real slapd) derives every verifier again at the next password cycle, users sign in throughout
 * (an old verifier keeps working until its replacement is stored), every verifier ends with the
 * new parameters, and the tenant refuses verifiers made with any other parameters.
 * SQLite and PostgreSQL.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeSourceDigest, deriveVerifier, KDF_PRESETS, sameKdfParams, type KdfParams, type PasswordVerifier } from '../../src/passwords/index.js';
import { createRegistrationToken } from '../../src/cli/all-in-one.js';
import { AdminApi, userSignIn } from '../support/admin-api.js';
import { eventually } from '../support/all-in-one.js';
import { startSlapd, type Slapd } from '../support/slapd.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';
import { openDatabase } from './store/test-stores.js';

const SUFFIX = 'dc=example,dc=test';
const USERS = 8;
const OLD: KdfParams = { log2N: 10, r: 8, p: 1, keyLength: 32 };
const NEW_PRESET = 'argon2id-m19-t2' as const;
const uid = (i: number) => `v${String(i).padStart(2, '0')}`;
const password = (i: number) => `Pw-${uid(i)}-2026`;
const ssha = (pw: string) => {
  const salt = randomBytes(8);
  return `{SSHA}${Buffer.concat([createHash('sha1').update(pw).update(salt).digest(), salt]).toString('base64')}`;
};
const ldif = [
  `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people\n`,
  ...Array.from({ length: USERS }, (_, i) => `dn: uid=${uid(i)},ou=people,${SUFFIX}\nobjectClass: inetOrgPerson\nuid: ${uid(i)}\ncn: ${uid(i)}\nsn: Person\nmail: ${uid(i)}@example.test\nuserPassword: ${ssha(password(i))}\n`),
].join('\n');

describe.each(['sqlite', 'postgres'] as const)('KDF preset change upgrades every verifier (slapd, %s)', (kind) => {
  let slapd: Slapd;
  let harness: SyncHarness;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let db: Kysely<any>;

  beforeAll(async () => {
    slapd = await startSlapd({ suffix: SUFFIX, ldif });
    harness = await startSyncHarness(kind, slapd);
    db = openDatabase(harness.store.options);
  }, 60_000);
  afterAll(async () => {
    await db?.destroy();
    await harness?.close();
    await slapd?.stop();
  });

  async function storedParams(): Promise<KdfParams[]> {
    const rows = await db.selectFrom('password_verifiers').select(['verifiers']).where('tenant_id', '=', 'default').execute();
    return rows.flatMap((r) => (JSON.parse(String(r.verifiers)) as PasswordVerifier[]).map((v) => v.kdfParams));
  }

  it('re-derives at the new parameters while users keep signing in, then refuses the old ones', async () => {
    await harness.repo.updateSettings({ kdfParams: OLD });
    const agent = await harness.agent({}, { intervals: { deltaMinutes: 60, passwordMinutes: 60 } });
    await agent.agent.connect();
    await agent.agent.syncDirectory('full');
    expect((await agent.agent.syncPasswords('delta'))?.counts.derived).toBe(USERS);
    const before = await storedParams();
    expect(before).toHaveLength(USERS);
    expect(before.every((p) => sameKdfParams(p, OLD))).toBe(true);

    const admin = await AdminApi.signIn(harness.url, 'admin', 'Harness-admin-password-1');
    await agent.agent.start();
    const changed = await admin.request('PATCH', '/api/v1/dirsync/settings', { kdfPreset: NEW_PRESET });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ kdfPreset: NEW_PRESET });

    // Users sign in throughout the upgrade, whichever verifier they hold at that moment.
    let signIns = 0;
    let mixedSeen = 0;
    const failures: string[] = [];
    const upgraded = await eventually(async () => {
      const i = signIns % USERS;
      const answer = await userSignIn(harness.url, `${uid(i)}@example.test`, password(i));
      signIns++;
      if (answer.status !== 200) failures.push(`${uid(i)}: ${answer.status} ${JSON.stringify(answer.body)}`);
      const params = await storedParams();
      const fresh = params.filter((p) => sameKdfParams(p, KDF_PRESETS[NEW_PRESET])).length;
      if (fresh > 0 && fresh < params.length) mixedSeen++;
      return fresh === USERS && params.length === USERS ? params : undefined;
    }, 120_000, 'every verifier at the new parameters');
    expect(failures).toEqual([]);
    expect(upgraded.every((p) => sameKdfParams(p, KDF_PRESETS[NEW_PRESET]))).toBe(true);
    process.stdout.write(`verifier upgrade (${kind}): ${USERS} verifiers re-derived at ${NEW_PRESET}; ${signIns} sign-ins during the upgrade (${mixedSeen} while old and new verifiers coexisted), all succeeded\n`);

    for (let i = 0; i < USERS; i++) expect((await userSignIn(harness.url, `${uid(i)}@example.test`, password(i))).status).toBe(200);
    expect((await userSignIn(harness.url, `${uid(0)}@example.test`, 'not-the-password')).status).toBe(401);

    // An agent sending a verifier at the old parameters (or any but the preset's) is refused whole:
    // another agent, which takes over the active lease once the first one stopped.
    await agent.stop();
    const token = await createRegistrationToken(harness.store.store, 'default', 'test');
    const registered = await fetch(`${harness.url}/api/v1/agent/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ registrationToken: token, host: 'rogue', version: '1' }) });
    const { credential } = await registered.json() as { credential: string };
    const salt = Buffer.from('salt1234').toString('base64');
    const digest = await computeSourceDigest('SSHA', { salt }, 'Attacker-pw-1');
    for (const params of [OLD, KDF_PRESETS['scrypt-n14'], { ...KDF_PRESETS[NEW_PRESET], passes: 1 }] as KdfParams[]) {
      const verifier = await deriveVerifier({ scheme: 'SSHA', params: { salt }, digest }, params);
      const anchor = (await harness.repo.listUsers({ search: `${uid(0)}@`, page: 1, pageSize: 1 })).items[0]!.anchor;
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${credential}` };
      const refused = await eventually(async () => {
        await fetch(`${harness.url}/api/v1/agent/heartbeat`, { method: 'POST', headers, body: JSON.stringify({ host: 'rogue', version: '1' }) });
        const answer = await fetch(`${harness.url}/api/v1/agent/batches/passwords`, {
          method: 'POST', headers, body: JSON.stringify({ batchId: `rogue-${randomBytes(6).toString('hex')}`, items: [{ op: 'set', anchor, verifiers: [verifier] }] }),
        });
        return answer.status === 409 ? undefined : answer;
      }, 20_000, 'the active lease for the second agent');
      expect(refused.status).toBe(422);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('PASSWORD_VERIFIER_REJECTED');
    }
    expect((await userSignIn(harness.url, `${uid(0)}@example.test`, 'Attacker-pw-1')).status).toBe(401);
    expect((await userSignIn(harness.url, `${uid(0)}@example.test`, password(0))).status).toBe(200);
  }, 240_000);
});

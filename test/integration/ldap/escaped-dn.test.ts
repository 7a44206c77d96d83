/**
 * Finding 8: DNs with escapes. slapd returns an entry named `cn=Smith\, John` as
 * `cn=Smith\2C John`, but keeps a member value as it was written (`cn=Smith\, John`,
 * `cn="Doe, Jane"`). Every spelling must resolve to the same user, in group memberships exported
 * to the tenant and in the memberOfGroup scope alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunningAgent } from '../../../src/cli/agent-wiring.js';
import { createLdapSource } from '../../../src/directory/ldap/ldap-source.js';
import { startSlapd, type Slapd } from '../../support/slapd.js';
import { startSyncHarness, type SyncHarness } from '../../support/sync-harness.js';

const SUFFIX = 'dc=example,dc=test';
const user = (rdn: string, uid: string, cn: string) => `dn: ${rdn},ou=people,${SUFFIX}\nobjectClass: inetOrgPerson\ncn: ${cn}\nsn: ${uid}\nuid: ${uid}\nmail: ${uid}@example.test\n`;
const ldif = [
  `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people\n`,
  `dn: ou=Sales\\, EMEA,${SUFFIX}\nobjectClass: organizationalUnit\nou: Sales, EMEA\n`,
  user('cn=Smith\\, John', 'jsmith', 'Smith, John'),
  user('cn=Doe\\2C Jane', 'jdoe', 'Doe, Jane'),
  user('cn=Plain', 'plain', 'Plain'),
  `dn: uid=emea,ou=Sales\\2C EMEA,${SUFFIX}\nobjectClass: inetOrgPerson\ncn: Emea\nsn: emea\nuid: emea\nmail: emea@example.test\n`,
  // Member values spelled otherwise than the entries' DNs: a backslash escape, a quoted value, a hex escape.
  `dn: cn=escaped,ou=people,${SUFFIX}\nobjectClass: groupOfNames\ncn: escaped\nmember: cn=Smith\\, John,ou=people,${SUFFIX}\nmember: cn="Doe, Jane",ou=people,${SUFFIX}\nmember: uid=emea,ou=Sales\\2c EMEA,${SUFFIX}\n`,
].join('\n');

let slapd: Slapd;
let harness: SyncHarness;
let agent: RunningAgent;

beforeAll(async () => {
  slapd = await startSlapd({ suffix: SUFFIX, ldif });
  harness = await startSyncHarness('sqlite', slapd);
  agent = await harness.agent();
  await agent.agent.connect();
});
afterAll(async () => {
  await harness?.close();
  await slapd?.stop();
});

describe('DNs written with escapes (real slapd)', () => {
  it('exports every member of a group whose member values spell the DNs differently', async () => {
    const result = await agent.agent.syncDirectory('full');
    expect(result?.outcome).toBe('success');
    const group = (await harness.repo.listGroups({ search: 'escaped', page: 1, pageSize: 10 })).items.find((g) => g.name === 'escaped');
    expect(group).toMatchObject({ memberCount: 3 });
  });

  it('keeps the members in the memberOfGroup scope, and leaves out the subtree excluded under another spelling', async () => {
    const source = createLdapSource(
      { url: slapd.url, bindDn: slapd.syncDn, bindPassword: slapd.syncPw, baseDns: [SUFFIX], excludeDns: [`ou=Sales\\2c EMEA,${SUFFIX}`], flavor: 'openldap', memberOfGroup: `cn=escaped,ou=people,${SUFFIX}` },
      { warn: () => undefined },
    );
    const uids: string[] = [];
    try {
      for await (const page of source.readAll('objects')) for (const entry of page) if (entry.attributes['uid']) uids.push(entry.attributes['uid'][0] as string);
    } finally {
      await source.close();
    }
    expect(uids.sort()).toEqual(['jdoe', 'jsmith']);
  });
});

/**
 * Records LDAP answers of a real Samba AD DC (test/support/samba-dc.ts) into
 * test/fixtures/ad/entries.json, for the unit tests that decode AD entries without a DC
 * (src/directory/ldap/ad/ad-entry.test.ts):
 * - users carrying every attribute the AD mapping reads (UPN, names, mail, proxyAddresses, UAC),
 *   a disabled user, a disabled service account whose password never expires, an expired account;
 * - a group, and a group read with ranged retrieval (`member;range=0-9`, then `member;range=10-*`);
 * - a deleted object (a tombstone read with the Show Deleted control) and the rootDSE.
 * Each entry's `expected` block comes from outside dirbridge's decoders: GUIDs and SIDs as the DC's
 * own code renders them (Samba's Python NDR), the rest from what this script set on the DC.
 * No password is ever read (LDAP would not return one anyway); a check refuses to write any
 * attribute that names a secret.
 *
 *   npx tsx scripts/record-ad-fixtures.ts
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

import { Control, type Entry } from 'ldapts';

import { fileTime, startSambaDc, type SambaDc } from '../test/support/samba-dc.js';

const OUT = new URL('../test/fixtures/ad/entries.json', import.meta.url);
const BINARY = ['objectGUID', 'objectSid'];
const ATTRIBUTES = [
  'objectClass', 'objectCategory', 'cn', 'sAMAccountName', 'userPrincipalName', 'givenName', 'sn', 'displayName', 'mail', 'description',
  'proxyAddresses', 'userAccountControl', 'accountExpires', 'memberOf', 'member', 'groupType', 'uSNChanged', 'uSNCreated', 'whenChanged',
  'pwdLastSet', 'isDeleted', 'lastKnownParent', ...BINARY,
];
const ROOT_DSE = ['namingContexts', 'defaultNamingContext', 'dsServiceName', 'highestCommittedUSN', 'supportedControl', 'supportedLDAPVersion', 'supportedCapabilities', 'domainFunctionality', 'isSynchronized', 'vendorName'];
/** LDAP_SERVER_SHOW_DELETED_OID (MS-ADTS 3.1.1.3.4.1.14). */
const SHOW_DELETED = '1.2.840.113556.1.4.417';
// Nothing that names a secret may reach a fixture (pwdLastSet is a date).
const SECRET = /^(?!pwdlastset$).*(pwd|password|credential|secret|hash|key)/i;

type Recorded = Record<string, string[] | { base64: string }>;
interface Expected { guid: string; sid: string; disabled: boolean; smtp: string[]; primarySmtp: string | null; deleted: boolean; expired?: boolean }

function record(raw: Entry): Recorded {
  const attributes: Recorded = {};
  for (const [name, value] of Object.entries(raw)) {
    if (name === 'dn') continue;
    if (SECRET.test(name)) throw new Error(`refusing to record ${name}`);
    if (Array.isArray(value) && value.length === 0) continue; // ldapts lists every requested attribute, present or not
    if (Buffer.isBuffer(value)) attributes[name] = { base64: value.toString('base64') };
    else attributes[name] = (Array.isArray(value) ? value : [value]).map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : String(v)));
  }
  return attributes;
}

// objectGUID and objectSid as Samba's own NDR code prints them: the oracle for dirbridge's decoders.
const IDENTITIES = String.raw`
import json, sys
from samba.samdb import SamDB
from samba.auth import system_session
from samba.param import LoadParm
from samba.ndr import ndr_unpack
from samba.dcerpc import misc, security
lp = LoadParm(); lp.load(sys.argv[1])
db = SamDB(url=sys.argv[2], session_info=system_session(), lp=lp)
out = {}
for dn in json.load(sys.stdin):
    m = db.search(base=dn, scope=0, attrs=['objectGUID', 'objectSid'], controls=['show_deleted:1'])[0]
    out[dn] = {'guid': str(ndr_unpack(misc.GUID, m['objectGUID'][0])), 'sid': str(ndr_unpack(security.dom_sid, m['objectSid'][0]))}
print(json.dumps(out))
`;

function identities(dc: SambaDc, dns: string[]): Record<string, { guid: string; sid: string }> {
  const out = spawnSync('/usr/bin/python3', ['-c', IDENTITIES, dc.confFile, dc.samLdb], { input: JSON.stringify(dns), encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`reading identities with samba's python failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as Record<string, { guid: string; sid: string }>;
}

async function main(): Promise<void> {
  const dc = await startSambaDc();
  try {
    const staff = dc.createOu('Staff');
    const services = dc.createOu('Service Accounts');
    const groupsOu = dc.createOu('Groups');
    const pw = () => `Rec-${Math.random().toString(36).slice(2, 10)}-Pw1!`;
    const [alice = '', bob = '', carol = '', erin = '', dave = ''] = dc.createUsers([
      {
        name: 'alice', password: pw(), parentDn: staff, givenName: 'Alice', sn: 'Example', mail: 'alice@ad.test',
        proxyAddresses: ['smtp:a.example@ad.test', 'SMTP:alice@ad.test', 'X500:/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=alice', 'SIP:alice@ad.test'],
        attributes: { displayName: ['Alice Example'], description: ['Engineer, Zürich office'] },
      },
      { name: 'bob', password: pw(), parentDn: staff, givenName: 'Bob', sn: 'Disabled', disabled: true },
      // 66050: NORMAL_ACCOUNT | ACCOUNTDISABLE | DONT_EXPIRE_PASSWORD.
      { name: 'svc-carol', password: pw(), parentDn: services, proxyAddresses: ['smtp:svc-carol@ad.test'], attributes: { userAccountControl: ['66050'] } },
      { name: 'erin', password: pw(), parentDn: staff, givenName: 'Erin', sn: 'Expired', mail: 'erin@ad.test', accountExpires: fileTime(new Date('2024-01-01T00:00:00Z')) },
      { name: 'dave', password: pw(), parentDn: staff, givenName: 'Dave', sn: 'Gone' },
    ]);
    const crowd = dc.createUsers(Array.from({ length: 24 }, (_, i) => ({ name: `member${String(i).padStart(2, '0')}`, parentDn: staff })));
    const [engineering = '', big = ''] = dc.createGroups([
      { name: 'Engineering', parentDn: groupsOu, members: [alice, bob], mail: 'engineering@ad.test' },
      { name: 'Big Group', parentDn: groupsOu, members: [alice, ...crowd] },
    ]);
    await dc.modify(engineering, [{ operation: 'add', type: 'proxyAddresses', values: ['SMTP:engineering@ad.test', 'smtp:eng@ad.test'] }]);
    const live = identities(dc, [alice, bob, carol, erin, dave, engineering, big]);
    await dc.deleteEntry(dave);

    const client = await dc.admin();
    const read = async (dn: string, attributes = ATTRIBUTES) =>
      (await client.search(dn, { scope: 'base', attributes, explicitBufferAttributes: BINARY })).searchEntries[0]!;
    const none = { smtp: [], primarySmtp: null, deleted: false };
    const entries: Array<{ dn: string; attributes: Recorded; expected: Expected }> = [];
    const add = async (dn: string, expected: Omit<Expected, 'guid' | 'sid'>, attributes?: string[]) => {
      const raw = await read(dn, attributes);
      entries.push({ dn: raw.dn, attributes: record(raw), expected: { ...live[dn]!, ...expected } });
    };
    await add(alice, { disabled: false, smtp: ['alice@ad.test', 'a.example@ad.test'], primarySmtp: 'alice@ad.test', deleted: false });
    await add(bob, { disabled: true, ...none });
    await add(carol, { disabled: true, smtp: ['svc-carol@ad.test'], primarySmtp: null, deleted: false });
    await add(erin, { disabled: false, ...none, expired: true });
    await add(engineering, { disabled: false, smtp: ['engineering@ad.test', 'eng@ad.test'], primarySmtp: 'engineering@ad.test', deleted: false });
    // Ranged retrieval (MS-ADTS 3.1.1.3.1.3.3): the first page asked for explicitly, as Windows cuts at 1,500.
    await add(big, { disabled: false, ...none }, [...ATTRIBUTES.filter((a) => a !== 'member'), 'member;range=0-9']);
    const rangedMembers = [];
    for (const range of ['member;range=0-9', 'member;range=10-*']) {
      const raw = await read(big, [range]);
      rangedMembers.push({ request: range, dn: raw.dn, attributes: record(raw) });
    }
    // The tombstone, under CN=Deleted Objects, read with the Show Deleted control.
    const { searchEntries: tombstones } = await client.search(`CN=Deleted Objects,${dc.baseDn}`, {
      scope: 'one', filter: '(&(isDeleted=TRUE)(sAMAccountName=dave))', attributes: ATTRIBUTES, explicitBufferAttributes: BINARY,
    }, new Control(SHOW_DELETED, { critical: true }));
    if (tombstones.length !== 1) throw new Error(`expected one tombstone of dave, found ${tombstones.length}`);
    entries.push({ dn: tombstones[0]!.dn, attributes: record(tombstones[0]!), expected: { ...live[dave]!, disabled: false, ...none, deleted: true } });
    const rootDse = record((await client.search('', { scope: 'base', attributes: ROOT_DSE })).searchEntries[0]!);

    const text = `${JSON.stringify({ domain: dc.baseDn, recordedFrom: `Samba ${spawnSync('/usr/sbin/samba', ['-V'], { encoding: 'utf8' }).stdout.trim()} AD DC (test/support/samba-dc.ts)`, entries, rangedMembers, rootDse }, null, 2)}\n`;
    if (text.includes(dc.adminPassword)) throw new Error('a password reached the fixture');
    writeFileSync(OUT, text);
    process.stdout.write(`wrote ${entries.length} entries, ${rangedMembers.length} ranged pages and the rootDSE to ${OUT.pathname}\n`);
  } finally {
    await dc.stop();
  }
}

await main();

/**
 * The AD flavor against slapd with an AD-shaped schema subset (objectGUID as binary, objectCategory,
 * userAccountControl, classes `user` and `group`): no domain controller runs on the build machines.
 * What this proves is the reader's side of AD: default filters, binary objectGUID requested and
 * converted (also when its bytes happen to be valid UTF-8, or start with a UTF-8 BOM), anchors.
 * The DC-only parts (in-chain membership rule, highestCommittedUSN) are not covered here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DirectoryEntry } from '../../../src/directory/entry.js';
import { isDisabled } from '../../../src/directory/ldap/ad/user-account-control.js';
import { createLdapSource, type LdapSourceConfig } from '../../../src/directory/ldap/ldap-source.js';
import { startSlapd, type Slapd } from '../../support/slapd.js';

const SUFFIX = 'dc=example,dc=test';

// OIDs of the AD schema (MS-ADA1..3); syntaxes mapped to their LDAP equivalents.
const AD_SHAPED_SCHEMA = `attributetype ( 1.2.840.113556.1.4.2 NAME 'objectGUID' EQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl' EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.782 NAME 'objectCategory' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.210 NAME 'proxyAddresses' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 1.2.840.113556.1.4.96 NAME 'pwdLastSet' EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.2.840.113556.1.5.9 NAME 'user' SUP inetOrgPerson STRUCTURAL MAY ( objectGUID $ userAccountControl $ sAMAccountName $ objectCategory $ proxyAddresses $ pwdLastSet ) )
objectclass ( 1.2.840.113556.1.5.8 NAME 'group' SUP groupOfNames STRUCTURAL MAY ( objectGUID $ sAMAccountName $ objectCategory $ proxyAddresses ) )
`;

function user(cn: string, guid: Buffer, uac: number, extra = ''): string {
  return `dn: CN=${cn},OU=Staff,${SUFFIX}
objectClass: user
cn: ${cn}
sn: ${cn}
sAMAccountName: ${cn.toLowerCase()}
objectCategory: person
userAccountControl: ${uac}
objectGUID:: ${guid.toString('base64')}
pwdLastSet: 134077824000000000
${extra}`;
}

const LDIF = [
  `dn: OU=Staff,${SUFFIX}\nobjectClass: organizationalUnit\nou: Staff\n`,
  user('Alice', Buffer.from('E004253F894FD3119A0C0305E82C3301', 'hex'), 512, 'proxyAddresses: smtp:a@example.test\nproxyAddresses: SMTP:alice@example.test\n'),
  // 16 bytes that are valid UTF-8: ldapts would hand them over as a string unless asked for a Buffer.
  user('Bob', Buffer.from('0123456789abcdef', 'latin1'), 514),
  // A UTF-8 byte order mark first: a string decoding would silently drop it.
  user('Bom', Buffer.from('efbbbf4142434445464748494a4b4c4d', 'hex'), 66048),
  `dn: CN=Engineers,OU=Staff,${SUFFIX}\nobjectClass: group\ncn: Engineers\nobjectCategory: group\nobjectGUID:: ${Buffer.from('a1b2c3d4e5f60718293a4b5c6d7e8f90', 'hex').toString('base64')}\nmember: CN=Alice,OU=Staff,${SUFFIX}\n`,
  `dn: CN=Printer,OU=Staff,${SUFFIX}\nobjectClass: inetOrgPerson\ncn: Printer\nsn: Printer\n`,
].join('\n');

let slapd: Slapd;

function config(extra: Partial<LdapSourceConfig> = {}): LdapSourceConfig {
  return { url: slapd.url, bindDn: slapd.syncDn, bindPassword: slapd.syncPw, baseDns: [SUFFIX], flavor: 'ad', ...extra };
}

async function readAll(purpose: 'objects' | 'passwords' = 'objects'): Promise<DirectoryEntry[]> {
  const source = createLdapSource(config(), { warn: () => undefined });
  const out: DirectoryEntry[] = [];
  for await (const page of source.readAll(purpose)) out.push(...page);
  await source.close();
  return out;
}

beforeAll(async () => {
  slapd = await startSlapd({ extraSchema: AD_SHAPED_SCHEMA, ldif: LDIF });
});
afterAll(async () => {
  await slapd?.stop();
});

describe('LDAP source, AD flavor (AD-shaped schema on slapd)', () => {
  it('reads users and groups with the AD default filters and objectGUID in its canonical form', async () => {
    const entries = await readAll();
    const byCn = Object.fromEntries(entries.map((e) => [e.attributes['cn']?.[0], e]));
    expect(Object.keys(byCn).sort()).toEqual(['Alice', 'Bob', 'Bom', 'Engineers']);
    expect(byCn['Alice']?.attributes['objectguid']).toEqual(['3f2504e0-4f89-11d3-9a0c-0305e82c3301']);
    expect(byCn['Bob']?.attributes['objectguid']).toEqual(['33323130-3534-3736-3839-616263646566']);
    expect(byCn['Bom']?.attributes['objectguid']).toEqual(['41bfbbef-4342-4544-4647-48494a4b4c4d']);
    expect(byCn['Engineers']?.attributes['objectguid']).toEqual(['d4c3b2a1-f6e5-1807-293a-4b5c6d7e8f90']);
    expect(isDisabled(byCn['Bob']?.attributes['useraccountcontrol']?.[0])).toBe(true);
    expect(isDisabled(byCn['Bom']?.attributes['useraccountcontrol']?.[0])).toBe(false);
    expect(byCn['Alice']?.attributes['proxyaddresses']).toEqual(['smtp:a@example.test', 'SMTP:alice@example.test']);
  });

  it('passwords reads ask only for the anchor and pwdLastSet', async () => {
    const entries = await readAll('passwords');
    expect(entries).toHaveLength(3);
    expect(Object.keys(entries[0]?.attributes ?? {}).sort()).toEqual(['objectguid', 'pwdlastset']);
  });

  it('lists objectGUID anchors', async () => {
    const source = createLdapSource(config(), { warn: () => undefined });
    const anchors: string[] = [];
    for await (const page of source.listAnchors()) anchors.push(...page);
    await source.close();
    expect(anchors.sort()).toEqual(['33323130-3534-3736-3839-616263646566', '3f2504e0-4f89-11d3-9a0c-0305e82c3301', '41bfbbef-4342-4544-4647-48494a4b4c4d', 'd4c3b2a1-f6e5-1807-293a-4b5c6d7e8f90']);
  });

  it('has no delta against a server without highestCommittedUSN (not a DC): full cycles only', async () => {
    const source = createLdapSource(config(), { warn: () => undefined });
    expect(await source.currentCursor()).toBeNull();
    expect(await source.readChanges('ad:usn:5:', 'objects')).toBeNull();
    await source.close();
  });

  it('watches by polling highestCommittedUSN (AD offers no RFC 4533), quietly against a server without one', async () => {
    const source = createLdapSource({ ...config(), changePollMs: 200 });
    const changes: number[] = [];
    const errors: unknown[] = [];
    const stop = source.watch!(() => changes.push(Date.now()), (e) => errors.push(e));
    await new Promise((r) => setTimeout(r, 1_000));
    stop();
    await source.close();
    expect(errors).toEqual([]);
    expect(changes).toEqual([]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attributesRead, mapEntry, type MappingOptions } from './mapping.js';
import type { DirectoryEntry } from './entry.js';

const entry = (attributes: Record<string, string[]>, dn = 'uid=jan,ou=People,dc=example,dc=org'): DirectoryEntry => ({
  dn, attributes: { objectclass: ['inetOrgPerson'], entryuuid: ['1111'], ...attributes },
});
const openldap: MappingOptions = { flavor: 'openldap' };

describe('mapEntry', () => {
  it.each([
    ['mail when present', { mail: ['Jan@Example.org'], uid: ['jan'] }, 'Jan@Example.org'],
    ['uid@domain of the DN otherwise', { uid: ['jan'] }, 'jan@example.org'],
  ])('makes the UPN from %s', (_name, attributes, upn) => {
    const mapped = mapEntry(entry(attributes), openldap);
    expect(mapped.kind === 'user' && mapped.user.userPrincipalName).toBe(upn);
  });

  it.each([
    [{ cn: ['Nobody'] }, 'OBJECT_REQUIRED_ATTRIBUTE_MISSING', 'userPrincipalName', { form: 'madeFrom', sources: expect.any(String) }],
    [{ uid: ['has space'], mail: ['not an address'] }, 'OBJECT_VALUE_INVALID', 'userPrincipalName', { form: 'upnSyntax', value: 'not an address' }],
    [{ uid: ['jan'], displayname: ['x'.repeat(300)] }, 'OBJECT_VALUE_INVALID', 'displayName', { form: 'tooLong', length: 300, max: 256 }],
  ])('turns %j into a per-object error %s on %s, its facts in params', (attributes, code, attribute, facts) => {
    const mapped = mapEntry(entry(attributes), openldap);
    const dn = 'uid=jan,ou=People,dc=example,dc=org';
    expect(mapped).toMatchObject({ kind: 'error', error: { code, attribute, anchor: '1111', dn, params: { attribute, dn, ...facts } } });
  });

  it('cuts a huge value in params (they cross to the tenant, which refuses more than its bound)', () => {
    const mapped = mapEntry(entry({ uid: ['jan'], mail: [`${'a'.repeat(5000)} no address`] }), openldap);
    const value = mapped.kind === 'error' ? mapped.error.params?.['value'] : undefined;
    expect(typeof value === 'string' && value.length).toBe(1024);
  });

  it('reports a missing anchor instead of inventing one', () => {
    const mapped = mapEntry({ dn: 'uid=x,dc=example,dc=org', attributes: { objectclass: ['inetOrgPerson'], uid: ['x'] } }, openldap);
    expect(mapped).toMatchObject({ kind: 'error', error: { code: 'OBJECT_REQUIRED_ATTRIBUTE_MISSING', attribute: 'entryUUID' } });
  });

  it('follows configured templates in order', () => {
    const mapped = mapEntry(entry({ uid: ['jan'], givenname: ['Jan'], sn: ['Smit'], mail: ['jan@example.org'] }), {
      flavor: 'openldap', upnDomain: 'corp.example', mapping: { userPrincipalName: ['{employeeNumber}@{upnDomain}', '{uid}@{upnDomain}'], displayName: ['{givenName} {sn}'] },
    });
    expect(mapped).toMatchObject({ kind: 'user', user: { userPrincipalName: 'jan@corp.example', displayName: 'Jan Smit' } });
  });

  it('maps groups with member DNs, uniqueMember UIDs stripped, and memberUid', () => {
    const mapped = mapEntry({ dn: 'cn=g,dc=example,dc=org', attributes: { objectclass: ['groupOfUniqueNames', 'posixGroup'], entryuuid: ['g1'], cn: ['g'], uniquemember: ["uid=a,dc=example,dc=org#'0101'B"], memberuid: ['b'] } }, openldap);
    expect(mapped).toMatchObject({ kind: 'group', group: { name: 'g', memberDns: ['uid=a,dc=example,dc=org'], memberUids: ['b'] } });
  });

  it('reads the AD disabled flag and proxyAddresses', () => {
    const ad = mapEntry({ dn: 'CN=Jan,OU=Staff,DC=corp,DC=example', attributes: {
      objectclass: ['top', 'person', 'organizationalPerson', 'user'], objectguid: ['b4b2f1c4-0000-4000-8000-000000000001'],
      userprincipalname: ['jan@corp.example'], useraccountcontrol: ['514'], proxyaddresses: ['SMTP:jan@corp.example', 'smtp:j.smit@corp.example', 'X500:/o=x'],
    } }, { flavor: 'ad' });
    expect(ad).toMatchObject({ kind: 'user', user: { enabled: false, mail: 'jan@corp.example', otherMails: ['j.smit@corp.example'] } });
  });

  it('anchors 389-DS entries by nsUniqueId and reads nsAccountLock as disabled', () => {
    const ds: MappingOptions = { flavor: '389ds' };
    const attributes = { objectclass: ['inetOrgPerson'], uid: ['jan'], nsuniqueid: ['8c1f2c01-1dd211b2-8b2ad9a6-7c3e1a01'], entryuuid: ['1111'] };
    expect(mapEntry({ dn: 'uid=jan,ou=People,dc=example,dc=org', attributes }, ds)).toMatchObject({ kind: 'user', user: { anchor: '8c1f2c01-1dd211b2-8b2ad9a6-7c3e1a01', enabled: true } });
    expect(mapEntry({ dn: 'uid=jan,ou=People,dc=example,dc=org', attributes: { ...attributes, nsaccountlock: ['TRUE'] } }, ds)).toMatchObject({ kind: 'user', user: { enabled: false } });
    expect(mapEntry({ dn: 'uid=jan,ou=People,dc=example,dc=org', attributes: { ...attributes, nsaccountlock: ['false'] } }, ds)).toMatchObject({ kind: 'user', user: { enabled: true } });
    expect(mapEntry(entry({ uid: ['jan'] }), ds)).toMatchObject({ kind: 'error', error: { code: 'OBJECT_REQUIRED_ATTRIBUTE_MISSING', attribute: 'nsUniqueId' } });
  });

  it('treats an OpenLDAP ppolicy-locked account as disabled and ignores non-person entries', () => {
    expect(mapEntry(entry({ uid: ['jan'], pwdaccountlockedtime: ['000001010000Z'] }), openldap)).toMatchObject({ kind: 'user', user: { enabled: false } });
    expect(mapEntry({ dn: 'ou=People,dc=example,dc=org', attributes: { objectclass: ['organizationalUnit'] } }, openldap).kind).toBe('ignored');
  });

  it('fills templates exactly as a plain substitution would, for generated templates and entries', () => {
    // The reference: substitute every {name} (the UPN domain or the attribute's first non-empty
    // value); a template with any name left empty is skipped, as is one that trims to nothing.
    const reference = (attributes: Record<string, string[]>, templates: string[], domain: string): string | null => {
      for (const template of templates) {
        let complete = true;
        const value = template.replace(/\{([A-Za-z0-9-]+)\}/g, (_, name: string) => {
          const v = name === 'upnDomain' ? domain : attributes[name.toLowerCase()]?.[0];
          if (!v) complete = false;
          return v ?? '';
        }).trim();
        if (complete && value) return value;
      }
      return null;
    };
    const name = fc.constantFrom('givenName', 'SN', 'cn', 'title', 'upnDomain', 'missing', 'x-1');
    const piece = fc.oneof(name.map((n) => `{${n}}`), fc.constantFrom(' ', '.', '-', '{', '}', '{}', 'a b', ''));
    const template = fc.array(piece, { maxLength: 5 }).map((parts) => parts.join(''));
    const value = fc.constantFrom('', ' ', 'Jan', ' Smit ', 'é');
    const attributes = fc.record({ givenname: fc.array(value, { maxLength: 2 }), sn: fc.array(value, { maxLength: 2 }), cn: fc.array(value, { maxLength: 2 }) });
    fc.assert(
      fc.property(attributes, fc.array(template, { minLength: 1, maxLength: 3 }), fc.constantFrom('corp.example', ''), (attrs, templates, domain) => {
        const mapped = mapEntry(entry({ ...attrs, mail: ['jan@example.org'] }), { flavor: 'openldap', upnDomain: domain, mapping: { displayName: templates } });
        expect(mapped.kind === 'user' && mapped.user.displayName).toBe(reference({ ...attrs, mail: ['jan@example.org'] }, templates, domain));
      }),
    );
  });

  it('maps an entry cut down to attributesRead exactly as the whole entry, for every flavor and generated templates', () => {
    const names = ['objectclass', 'entryuuid', 'nsuniqueid', 'objectguid', 'uid', 'samaccountname', 'userprincipalname', 'mail', 'displayname', 'cn', 'givenname', 'sn',
      'description', 'member', 'uniquemember', 'memberuid', 'useraccountcontrol', 'nsaccountlock', 'pwdaccountlockedtime', 'proxyaddresses', 'title', 'employeenumber', 'l'];
    const value = fc.constantFrom('jan', 'jan@example.org', 'SMTP:jan@corp.example', '514', 'true', '20260101000000Z', 'uid=a,dc=example,dc=org', '');
    const classes = fc.oneof(
      { arbitrary: fc.constantFrom(['inetOrgPerson'], ['user'], ['groupOfNames'], ['posixGroup']), weight: 8 },
      { arbitrary: fc.constantFrom(['user', 'computer'], ['organizationalUnit']), weight: 1 },
    );
    // Each attribute present or not; mostly entries that map (an anchor, a usable mail), so that
    // every branch is reached.
    const usual = { entryuuid: ['a-1'], nsuniqueid: ['a-2'], objectguid: ['a-3'], mail: ['jan@example.org'], uid: ['jan'] };
    const some = fc.record(Object.fromEntries(names.slice(1).map((n) => [n, fc.array(value, { minLength: 1, maxLength: 2 })])), { requiredKeys: [] });
    const entryOf = fc.tuple(classes, some, fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }))
      .map(([objectclass, attributes, mapsWell]): DirectoryEntry => ({ dn: 'uid=jan,ou=People,dc=example,dc=org', attributes: { ...(mapsWell ? usual : {}), ...attributes, objectclass: [...objectclass] } }));
    const template = fc.array(fc.oneof(fc.constantFrom(...names, 'upnDomain', 'employeeNumber', 'Title').map((n) => `{${n}}`), fc.constantFrom('@', ' ', '.')), { minLength: 1, maxLength: 3 }).map((p) => p.join(''));
    const options = fc.record({
      flavor: fc.constantFrom('openldap', '389ds', 'ad', 'ldif'),
      upnDomain: fc.constantFrom(undefined, 'corp.example'),
      // Generated UPN templates seldom make an address: a fallback to {mail} lets most users map.
      mapping: fc.option(fc.record({
        userPrincipalName: fc.tuple(template, fc.boolean()).map(([t, fallback]) => (fallback ? [t, '{mail}'] : [t])),
        displayName: fc.array(template, { maxLength: 2 }),
        groupName: fc.array(template, { minLength: 1, maxLength: 2 }),
      }, { requiredKeys: [] }), { nil: undefined, freq: 2 }),
    }) as fc.Arbitrary<MappingOptions>;
    fc.assert(
      fc.property(entryOf, options, (whole, opts) => {
        const wanted = new Set(attributesRead(opts).map((n) => n.toLowerCase()));
        const cut: DirectoryEntry = { dn: whole.dn, attributes: Object.fromEntries(Object.entries(whole.attributes).filter(([name]) => wanted.has(name))) };
        expect(mapEntry(cut, opts)).toEqual(mapEntry(whole, opts));
      }),
      { numRuns: 3000 },
    );
    // 3,000 runs take about a second alone; a loaded CI machine has taken over five.
  }, 30_000);
});

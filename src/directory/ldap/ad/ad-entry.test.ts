import { readFileSync } from 'node:fs';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { decodeEntryMessage, searchEntryMessage } from '../ber-fixtures.js';
import { AD_BINARY_ATTRIBUTES, isDeletedObject } from './ad-entry.js';
import { objectGuidFromString, objectGuidToString, objectSidToString } from './object-guid.js';
import { primarySmtpAddress, smtpAddresses } from './proxy-addresses.js';
import { isDisabled } from './user-account-control.js';

interface FixtureEntry {
  dn: string;
  attributes: Record<string, string[] | { base64: string }>;
  expected: { guid: string; sid: string; disabled: boolean; smtp: string[]; primarySmtp: string | null; deleted: boolean };
}

const fixture = JSON.parse(readFileSync(new URL('../../../../test/fixtures/ad/entries.json', import.meta.url), 'utf8')) as { entries: FixtureEntry[] };

/** The fixture entry as the DC sends it (one SearchResultEntry), read the way the LDAP source reads it. */
function readAsSource(entry: FixtureEntry) {
  const attributes = Object.entries(entry.attributes).map(([name, value]): [string, Buffer[]] => [
    name,
    Array.isArray(value) ? value.map((v) => Buffer.from(v, 'utf8')) : [Buffer.from(value.base64, 'base64')],
  ]);
  return adEntry(entry.dn, attributes, new Set(['unicodepwd']));
}

function adEntry(dn: string, attributes: Array<[string, Buffer[]]>, drop: ReadonlySet<string> = new Set()) {
  return decodeEntryMessage(searchEntryMessage(dn, attributes), { drop, binary: AD_BINARY_ATTRIBUTES });
}

describe('AD entries (fixture recorded from a Samba AD DC by scripts/record-ad-fixtures.ts)', () => {
  it.each(fixture.entries.map((e) => [e.dn, e] as const))('%s', (_dn, entry) => {
    const converted = readAsSource(entry);
    expect(converted.dn).toBe(entry.dn);
    expect(Object.keys(converted.attributes).every((k) => k === k.toLowerCase())).toBe(true);
    expect(converted.attributes['objectguid']).toEqual([entry.expected.guid]);
    expect(converted.attributes['objectsid']).toEqual([entry.expected.sid]);
    expect(isDisabled(converted.attributes['useraccountcontrol']?.[0])).toBe(entry.expected.disabled);
    expect(smtpAddresses(converted.attributes['proxyaddresses'] ?? [])).toEqual(entry.expected.smtp);
    expect(primarySmtpAddress(converted.attributes['proxyaddresses'] ?? []) ?? null).toBe(entry.expected.primarySmtp);
    expect(isDeletedObject(converted)).toBe(entry.expected.deleted);
  });

  it('leaves out a malformed GUID instead of failing the page', () => {
    const converted = adEntry('CN=x', [['objectGUID', [Buffer.alloc(15)]], ['cn', [Buffer.from('x')]]]);
    expect(converted.attributes['objectguid']).toBeUndefined();
    expect(converted.attributes['cn']).toEqual(['x']);
  });

  it('converts a GUID whose bytes happen to be valid UTF-8', () => {
    expect(adEntry('CN=x', [['objectGUID', [Buffer.from('0123456789abcdef', 'latin1')]]]).attributes['objectguid']).toEqual(['33323130-3534-3736-3839-616263646566']);
  });
});

describe('objectGuidToString', () => {
  it('uses the mixed-endian layout of MS-DTYP', () => {
    expect(objectGuidToString(Buffer.from('E004253F894FD3119A0C0305E82C3301', 'hex'))).toBe('3f2504e0-4f89-11d3-9a0c-0305e82c3301');
  });
  it('round-trips with objectGuidFromString', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => objectGuidFromString(objectGuidToString(bytes)).equals(Buffer.from(bytes))));
  });
  it('rejects anything but 16 bytes', () => {
    expect(() => objectGuidToString(Buffer.alloc(15))).toThrow(RangeError);
  });
});

describe('objectSidToString', () => {
  it('decodes the well-known Everyone SID', () => {
    expect(objectSidToString(Buffer.from('010100000000000100000000', 'hex'))).toBe('S-1-1-0');
  });
  it('rejects a length that does not match the sub-authority count', () => {
    expect(() => objectSidToString(Buffer.from('0102000000000005150000', 'hex'))).toThrow(RangeError);
  });
});

describe('isDisabled', () => {
  it.each([
    ['512', false],
    ['514', true],
    ['66048', false],
    ['66050', true],
    [2, true],
    ['-2147483646', true],
    ['', false],
    [undefined, false],
    ['garbage', false],
  ] as const)('%s -> %s', (uac, expected) => {
    expect(isDisabled(uac)).toBe(expected);
  });
});

describe('smtpAddresses', () => {
  it('puts the primary first and ignores other address types', () => {
    expect(smtpAddresses(['smtp:b@x.test', 'x500:/o=x', 'SMTP:a@x.test', 'sip:a@x.test'])).toEqual(['a@x.test', 'b@x.test']);
  });
  it('never yields a value without @ or of another type', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), (values) => smtpAddresses(values).every((a) => a.includes('@') && values.some((v) => v.toLowerCase().includes(`smtp:`)))),
    );
  });
});

import { Ber, BerWriter } from 'ldapts';
import { describe, expect, it } from 'vitest';

import { decodeSyncInfo } from '../openldap/syncrepl-protocol.js';
import { cookieChangeNumber, nsUniqueIdFromSyncUuid } from './contentsync.js';

describe('389-DS contentsync', () => {
  it('turns a syncIdSet as 389-DS writes it (cookie, refreshDeletes, set of uuids) into nsUniqueIds', () => {
    // sync_util.c create_syncinfo_value: ber_printf("t{" "s" "b[v]" "}"), the uuid being the nsUniqueId's 16 bytes.
    const cookie = 'localhost:38901#cn=dirbridge-sync,dc=example,dc=test:ou=people,dc=example,dc=test:(objectClass=*)#11';
    const value = new BerWriter();
    value.startSequence(0xa3);
    value.writeString(cookie);
    value.writeBoolean(true);
    value.startSequence(0x31);
    value.writeBuffer(Buffer.from('ca5fe3c5eac311f1a7aec25963677573', 'hex'), Ber.OctetString);
    value.endSequence();
    value.endSequence();
    const info = decodeSyncInfo(value.buffer);
    expect(info).toMatchObject({ type: 'syncIdSet', refreshDeletes: true, cookie: Buffer.from(cookie) });
    const uuids = info?.type === 'syncIdSet' ? info.uuids : [];
    expect(uuids.map(nsUniqueIdFromSyncUuid)).toEqual(['ca5fe3c5-eac311f1-a7aec259-63677573']);
    expect(nsUniqueIdFromSyncUuid(Buffer.alloc(15))).toBeNull();
  });

  it.each([
    ['localhost:389#cn=x:dc=example,dc=test:(objectClass=*)#42', 42],
    ['localhost:389#cn=x:dc=example,dc=test:(cn=a#b)#0', 0],
    ['no change number', null],
  ])('reads the change number of %j', (cookie, number) => {
    expect(cookieChangeNumber(cookie)).toBe(number);
  });
});

/**
 * Records a replication conversation with a real Samba AD DC for the DRSUAPI unit tests
 * (test/fixtures/ad-drsr/conversation.json): the decrypted response stubs of ept_map, IDL_DRSBind
 * and IDL_DRSGetNCChanges, the sealed PDUs as received, and the NTLM session key that protects the secrets inside. The domain
 * is a throwaway one on loopback; the users' passwords are written down so the tests can compute
 * the expected NT hashes independently. Run: npx tsx scripts/record-drsr-fixtures.ts
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';

import { startSambaDc, NETBIOS_DOMAIN } from '../test/support/samba-dc.js';
import { RpcConnection } from '../src/directory/ldap/ad/replication/rpc-connection.js';
import { EPM_INTERFACE, eptMapRequest, parseEptMapResponse } from '../src/directory/ldap/ad/replication/epm.js';
import { ntHash } from '../src/directory/ldap/ad/replication/ntlm.js';
import { DRSUAPI_INTERFACE, drsBindRequest, getNCChangesRequest, OPNUM, parseDrsBindReply, parseGetNCChangesReply } from '../src/directory/ldap/ad/replication/drsuapi.js';

const users = [
  { name: 'fixture-ann', password: 'Fixture-Ann-1' },
  { name: 'fixture-ben', password: 'Fixture-Ben-2' },
];

const dc = await startSambaDc();
try {
  dc.createUsers(users);
  const account = dc.createSyncAccount('fixture-sync');
  await dc.grantReplicationRights(account.dn, { all: true });

  const epm = await RpcConnection.open({ host: dc.address, port: 135 });
  await epm.bind(EPM_INTERFACE);
  const eptMap = await epm.call(3, eptMapRequest(DRSUAPI_INTERFACE), 'ept_map');
  epm.close();
  const port = parseEptMapResponse(eptMap)[0]!;

  const received: Buffer[] = [];
  const conn = await RpcConnection.open({ host: dc.address, port, onReceive: (pdu) => received.push(Buffer.from(pdu)) });
  await conn.bindNtlm(DRSUAPI_INTERFACE, { user: account.name, domain: NETBIOS_DOMAIN, ntHash: await ntHash(account.password) });
  const bind = await conn.call(OPNUM.bind, drsBindRequest(), 'IDL_DRSBind');
  const handle = parseDrsBindReply(bind).handle;
  const pages: string[] = [];
  let from = { highObjUpdate: 0n, reserved: 0n, highPropUpdate: 0n };
  let invocationId: Buffer = Buffer.alloc(16);
  for (;;) {
    const stub = await conn.call(OPNUM.getNCChanges, getNCChangesRequest({
      handle, ncDn: dc.baseDn, invocationId, destinationDsa: randomBytes(16), from, maxObjects: 4, maxBytes: 0,
      attributes: ['unicodePwd', 'pwdLastSet', 'userAccountControl'],
    }), 'IDL_DRSGetNCChanges');
    pages.push(stub.toString('base64'));
    const reply = parseGetNCChangesReply(stub);
    from = reply.usnvecTo;
    invocationId = reply.invocationId;
    if (!reply.moreData) break;
  }
  conn.close();
  writeFileSync(new URL('../test/fixtures/ad-drsr/conversation.json', import.meta.url), `${JSON.stringify({
    recordedWith: 'Samba 4.17 AD DC (test/support/samba-dc.ts), scripts/record-drsr-fixtures.ts',
    baseDn: dc.baseDn,
    users,
    sessionKey: conn.sessionKey.toString('base64'),
    eptMap: eptMap.toString('base64'),
    drsBind: bind.toString('base64'),
    getNCChanges: pages,
    // Every PDU the DRSUAPI association received, sealed as on the wire (bind_ack first).
    receivedPdus: received.map((p) => p.toString('base64')),
  }, null, 2)}\n`);
  console.log(`recorded ${pages.length} GetNCChanges pages`);
} finally {
  await dc.stop();
}

import { describe, expect, it } from 'vitest';
import { DRS_GET_ANC, DRS_INIT_SYNC, DRS_WRIT_REP, getNCChangesRequest } from './drsuapi.js';
import { NULL_GUID } from './ndr.js';

describe('IDL_DRSGetNCChanges request V8', () => {
  it('sends the high-water mark whole: usnHighObjUpdate, usnReserved, usnHighPropUpdate (MS-DRSR 5.212)', () => {
    const request = getNCChangesRequest({
      handle: Buffer.alloc(20, 7), ncDn: 'DC=ad,DC=test', invocationId: NULL_GUID, destinationDsa: Buffer.alloc(16, 1),
      from: { highObjUpdate: 9771n, reserved: 2n, highPropUpdate: 5n }, maxObjects: 1000, maxBytes: 0, attributes: ['unicodePwd'],
    });
    // handle(20) dwInVersion(4) tag(4), V8 aligned to 8: uuidDsaObjDest(16) uuidInvocIdSrc(16) pNC(4), then usnvecFrom at 8.
    expect([request.readBigUInt64LE(72), request.readBigUInt64LE(80), request.readBigUInt64LE(88)]).toEqual([9771n, 2n, 5n]);
    expect(request.readUInt32LE(100)).toBe(DRS_INIT_SYNC | DRS_WRIT_REP | DRS_GET_ANC); // after pUpToDateVecDest
    expect(request.readUInt32LE(104)).toBe(1000); // cMaxObjects
  });
});

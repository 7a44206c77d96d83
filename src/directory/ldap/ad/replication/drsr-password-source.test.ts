import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeWatermark, encodeWatermark, fileTimeToIso, pollForChanges } from './drsr-password-source.js';

describe('replication watermark (the password cursor in the agent state)', () => {
  it('round-trips, and anything else is no watermark (the cycle then replicates from the start)', () => {
    const usn = fc.bigInt({ min: 0n, max: 2n ** 63n - 1n });
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), usn, usn, usn, (guid, obj, reserved, prop) => {
      const w = { invocationId: Buffer.from(guid).toString('hex'), highObjUpdate: obj, reserved, highPropUpdate: prop };
      expect(decodeWatermark(encodeWatermark(w))).toEqual(w);
    }));
    fc.assert(fc.property(fc.string(), (text) => {
      const w = decodeWatermark(text);
      expect(w === null || typeof w.highObjUpdate === 'bigint').toBe(true);
    }));
    // A cursor written before usnReserved was kept: a completed cycle's is 0.
    expect(decodeWatermark(JSON.stringify({ v: 1, invocationId: 'ab'.repeat(16), obj: '4021', prop: '4021' }))).toEqual({ invocationId: 'ab'.repeat(16), highObjUpdate: 4021n, reserved: 0n, highPropUpdate: 4021n });
    // An LDAP uSNChanged cursor from before password replication was configured is not a watermark.
    expect(decodeWatermark('{"usn":"4021","dsServiceName":"CN=NTDS Settings"}')).toBeNull();
  });
});

describe('pwdLastSet', () => {
  it('converts a FILETIME to ISO time; 0 (must change at next logon) is no time', () => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(133_000_000_000_000_000n);
    expect(fileTimeToIso(b)).toBe('2022-06-18T04:26:40.000Z');
    expect(fileTimeToIso(Buffer.alloc(8))).toBeNull();
    expect(fileTimeToIso(Buffer.alloc(4))).toBeNull();
  });
});

describe('change watch', () => {
  it('reports a change when the probe answers something new, never for the first answer, and stops', async () => {
    const answers = ['100', '100', '101', '101', '102'];
    let calls = 0;
    let changes = 0;
    const stop = pollForChanges(async () => answers[Math.min(calls++, answers.length - 1)]!, 5, () => changes++, () => undefined);
    await new Promise((r) => setTimeout(r, 100));
    stop();
    const seen = calls;
    expect(changes).toBe(2);
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toBe(seen);
  });

  it('hands probe failures to onError and keeps polling', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const stop = pollForChanges(async () => { calls++; throw new Error('DC down'); }, 5, () => undefined, (e) => errors.push(e));
    await new Promise((r) => setTimeout(r, 50));
    stop();
    expect(errors.length).toBeGreaterThan(1);
    expect(calls).toBe(errors.length);
  });
});

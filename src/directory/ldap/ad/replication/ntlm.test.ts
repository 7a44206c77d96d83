import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  authenticateMessage, computeNtlmV2Response, directionKeys, ntHash, ntowfV2, NtlmError, parseAvPairs, parseChallenge, SealingDirection,
  NTLMSSP_NEGOTIATE_KEY_EXCH, NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY, NTLMSSP_NEGOTIATE_128, NTLMSSP_NEGOTIATE_SEAL, NTLMSSP_NEGOTIATE_SIGN,
  NTLMSSP_NEGOTIATE_UNICODE, NTLMSSP_NEGOTIATE_TARGET_INFO,
} from './ntlm.js';

// MS-NLMP 4.2.4 "NTLMv2 Authentication": User / Domain / Password, server challenge 0123456789abcdef,
// client challenge aa.., time 0, random session key 55.., target info NbDomainName "Domain", NbComputerName "Server".
const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const SERVER_CHALLENGE = hex('0123456789abcdef');
const CLIENT_CHALLENGE = hex('aaaaaaaaaaaaaaaa');
const TIME = Buffer.alloc(8);
const SESSION_KEY = Buffer.alloc(16, 0x55);
const TARGET_INFO = hex('02000c0044006f006d00610069006e00 01000c005300650072007600650072000000 0000');

function challengeMessage(flags: number, targetInfo = TARGET_INFO): Buffer {
  const header = Buffer.alloc(48);
  header.write('NTLMSSP\0', 0, 'latin1');
  header.writeUInt32LE(2, 8);
  header.writeUInt32LE(flags >>> 0, 20);
  SERVER_CHALLENGE.copy(header, 24);
  header.writeUInt16LE(targetInfo.length, 40);
  header.writeUInt16LE(targetInfo.length, 42);
  header.writeUInt32LE(48, 44);
  header.writeUInt32LE(48, 16);
  return Buffer.concat([header, targetInfo]);
}

const SERVER_FLAGS = NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_TARGET_INFO;

describe('NTLMv2 (MS-NLMP 4.2.4 known answers)', () => {
  it('computes NTOWFv2, the NTLMv2 and LMv2 responses and the session base key', async () => {
    const responseKey = ntowfV2(await ntHash('Password'), 'User', 'Domain');
    expect(responseKey.toString('hex')).toBe('0c868a403bfd7a93a3001ef22ef02e3f');
    const r = computeNtlmV2Response(responseKey, SERVER_CHALLENGE, CLIENT_CHALLENGE, TIME, TARGET_INFO);
    expect(r.ntChallengeResponse.subarray(0, 16).toString('hex')).toBe('68cd0ab851e51c96aabc927bebef6a1c');
    expect(r.lmChallengeResponse.toString('hex')).toBe('86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');
    expect(r.sessionBaseKey.toString('hex')).toBe('8de40ccadbc14a82f15cb0ad0de95ca3');
  });

  it('builds an AUTHENTICATE_MESSAGE carrying those responses and the encrypted session key', async () => {
    const challenge = parseChallenge(challengeMessage(SERVER_FLAGS));
    const { message, exportedSessionKey } = authenticateMessage({
      challenge, user: 'User', domain: 'Domain', ntHash: await ntHash('Password'), clientChallenge: CLIENT_CHALLENGE, exportedSessionKey: SESSION_KEY, time: TIME,
    });
    const field = (at: number) => message.subarray(message.readUInt32LE(at + 4), message.readUInt32LE(at + 4) + message.readUInt16LE(at));
    expect(field(12).toString('hex')).toBe('86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');
    expect(field(20).subarray(0, 16).toString('hex')).toBe('68cd0ab851e51c96aabc927bebef6a1c');
    expect(field(28).toString('utf16le')).toBe('Domain');
    expect(field(36).toString('utf16le')).toBe('User');
    expect(field(52).toString('hex')).toBe('c5dad2544fc9799094ce1ce90bc9d03e');
    expect(exportedSessionKey).toEqual(SESSION_KEY);
  });

  it('derives the client keys and seals and signs as GSS_WrapEx does (4.2.4.4)', () => {
    const keys = directionKeys(SESSION_KEY, 'client-to-server');
    expect(keys.sealKey.toString('hex')).toBe('59f600973cc4960a25480a7c196e4c58');
    expect(keys.signKey.toString('hex')).toBe('4788dc861b4782f35d43fd98fe1a2d39');
    const { sealed, signature } = new SealingDirection(SESSION_KEY, 'client-to-server').seal(Buffer.from('Plaintext', 'utf16le'));
    expect(sealed.toString('hex')).toBe('54e50165bf1936dc996020c1811b0f06fb5f');
    expect(signature.toString('hex')).toBe('010000007fb38ec5c55d497600000000');
  });

  it('unseals what the other side sealed, in sequence, and rejects a tampered or replayed message', () => {
    const server = new SealingDirection(SESSION_KEY, 'server-to-client');
    const client = new SealingDirection(SESSION_KEY, 'server-to-client');
    const first = server.seal(Buffer.from('first message'));
    const second = server.seal(Buffer.from('second message'));
    expect(client.unseal(first.sealed, first.signature).toString()).toBe('first message');
    const tampered = Buffer.from(second.sealed);
    tampered[0]! ^= 1;
    expect(() => client.unseal(tampered, second.signature)).toThrow(NtlmError);
    const fresh = new SealingDirection(SESSION_KEY, 'server-to-client');
    fresh.unseal(first.sealed, first.signature);
    // The second message presented again where the third is due fails: sequence numbers bind each message.
    fresh.unseal(second.sealed, second.signature);
    expect(() => fresh.unseal(second.sealed, second.signature)).toThrow(NtlmError);
  });

  it('refuses a server that does not offer extended session security, sealing and key exchange', async () => {
    const challenge = parseChallenge(challengeMessage(SERVER_FLAGS & ~NTLMSSP_NEGOTIATE_KEY_EXCH));
    await expect(async () => authenticateMessage({ challenge, user: 'u', domain: 'd', ntHash: await ntHash('p') })).rejects.toThrow(NtlmError);
  });
});

describe('NTLM message readers (fuzzed)', () => {
  it('reads the timestamp from the target info', () => {
    const info = hex('07000800 0102030405060708 00000000');
    expect(parseChallenge(challengeMessage(SERVER_FLAGS, info)).timestamp?.toString('hex')).toBe('0102030405060708');
  });

  it('rejects truncated and overlong challenges with an NtlmError, never another error', () => {
    const good = challengeMessage(SERVER_FLAGS);
    for (let n = 0; n < good.length; n++) expect(() => parseChallenge(good.subarray(0, n))).toThrow(NtlmError);
    const overlong = Buffer.from(good);
    overlong.writeUInt16LE(0xffff, 40);
    expect(() => parseChallenge(overlong)).toThrow(NtlmError);
  });

  it('answers any bytes with a challenge or an NtlmError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, withHeader) => {
      const input = withHeader ? Buffer.concat([challengeMessage(SERVER_FLAGS).subarray(0, 48), Buffer.from(bytes)]) : Buffer.from(bytes);
      try {
        parseChallenge(input);
      } catch (error) {
        expect(error).toBeInstanceOf(NtlmError);
      }
    }), { numRuns: 2000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try {
        parseAvPairs(Buffer.from(bytes));
      } catch (error) {
        expect(error).toBeInstanceOf(NtlmError);
      }
    }), { numRuns: 2000 });
  });
});

/**
 * NTLMv2 as a DCE/RPC security provider (auth type 10, RPC_C_AUTHN_WINNT): the three messages
 * (MS-NLMP 2.2.1.1-2.2.1.3), the NTLMv2 response (3.3.2), key exchange (3.4.5) and session
 * security with extended session security: sealing with RC4 and HMAC-MD5 signatures, keys and
 * sequence numbers per direction (3.4.4.2, 3.4.5.2-3.4.5.3).
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-nlmp/
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { md4 } from 'hash-wasm';
import { Rc4, rc4 } from './rc4.js';

export const NTLMSSP_NEGOTIATE_UNICODE = 0x00000001;
export const NTLMSSP_REQUEST_TARGET = 0x00000004;
export const NTLMSSP_NEGOTIATE_SIGN = 0x00000010;
export const NTLMSSP_NEGOTIATE_SEAL = 0x00000020;
export const NTLMSSP_NEGOTIATE_NTLM = 0x00000200;
export const NTLMSSP_NEGOTIATE_ALWAYS_SIGN = 0x00008000;
export const NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000;
export const NTLMSSP_NEGOTIATE_TARGET_INFO = 0x00800000;
export const NTLMSSP_NEGOTIATE_VERSION = 0x02000000;
export const NTLMSSP_NEGOTIATE_128 = 0x20000000;
export const NTLMSSP_NEGOTIATE_KEY_EXCH = 0x40000000;
export const NTLMSSP_NEGOTIATE_56 = 0x80000000;

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');
const MSV_AV_EOL = 0;
const MSV_AV_TIMESTAMP = 7;

/** What dirbridge asks for: NTLMv2 with extended session security, 128-bit keys, key exchange, sign and seal. */
export const CLIENT_FLAGS =
  NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_56 | NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
  NTLMSSP_NEGOTIATE_TARGET_INFO | NTLMSSP_NEGOTIATE_ALWAYS_SIGN | NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_SEAL |
  NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_REQUEST_TARGET | NTLMSSP_NEGOTIATE_UNICODE;

/** Flags dirbridge cannot work without: the server must grant them in its CHALLENGE. */
const REQUIRED_FLAGS = NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_SIGN;

export class NtlmError extends Error {
  constructor(message: string) {
    super(`NTLM: ${message}`);
    this.name = 'NtlmError';
  }
}

/** NEGOTIATE_MESSAGE (2.2.1.1) without domain, workstation or version. */
export function negotiateMessage(flags = CLIENT_FLAGS): Buffer {
  const b = Buffer.alloc(32);
  SIGNATURE.copy(b, 0);
  b.writeUInt32LE(1, 8);
  b.writeUInt32LE(flags >>> 0, 12);
  return b;
}

export interface Challenge {
  flags: number;
  serverChallenge: Buffer;
  targetInfo: Buffer;
  /** MsvAvTimestamp from the target info, when the server sent one. */
  timestamp: Buffer | null;
}

/** CHALLENGE_MESSAGE (2.2.1.2), every field checked against the message length. */
export function parseChallenge(msg: Buffer): Challenge {
  if (msg.length < 48) throw new NtlmError(`CHALLENGE_MESSAGE too short (${msg.length} bytes)`);
  if (!msg.subarray(0, 8).equals(SIGNATURE) || msg.readUInt32LE(8) !== 2) throw new NtlmError('not a CHALLENGE_MESSAGE');
  const flags = msg.readUInt32LE(20);
  const serverChallenge = Buffer.from(msg.subarray(24, 32));
  const targetInfo = Buffer.from(field(msg, 40, 'TargetInfo'));
  field(msg, 12, 'TargetName');
  return { flags, serverChallenge, targetInfo, timestamp: parseAvPairs(targetInfo).get(MSV_AV_TIMESTAMP) ?? null };
}

function field(msg: Buffer, at: number, name: string): Buffer {
  const len = msg.readUInt16LE(at);
  const offset = msg.readUInt32LE(at + 4);
  if (offset + len > msg.length) throw new NtlmError(`${name} (${len} bytes at ${offset}) lies outside the ${msg.length}-byte message`);
  return msg.subarray(offset, offset + len);
}

/** AV_PAIR list (2.2.2.1): id, length, value... ending with MsvAvEOL. */
export function parseAvPairs(info: Buffer): Map<number, Buffer> {
  const pairs = new Map<number, Buffer>();
  let at = 0;
  for (;;) {
    if (at + 4 > info.length) throw new NtlmError('target info ends without MsvAvEOL');
    const id = info.readUInt16LE(at);
    const len = info.readUInt16LE(at + 2);
    if (at + 4 + len > info.length) throw new NtlmError(`target info pair ${id} overruns the list`);
    if (id === MSV_AV_EOL) return pairs;
    pairs.set(id, Buffer.from(info.subarray(at + 4, at + 4 + len)));
    at += 4 + len;
  }
}

/** The NT hash (NTOWFv1): MD4 of the UTF-16LE password. */
export async function ntHash(password: string): Promise<Buffer> {
  return Buffer.from(await md4(Buffer.from(password, 'utf16le')), 'hex');
}

const hmacMd5 = (key: Uint8Array, ...data: Uint8Array[]): Buffer => {
  const h = createHmac('md5', key);
  for (const d of data) h.update(d);
  return h.digest();
};

/** NTOWFv2 (3.3.2): HMAC-MD5 keyed with the NT hash over UPPER(user) ‖ domain in UTF-16LE. */
export function ntowfV2(ntHashValue: Buffer, user: string, domain: string): Buffer {
  return hmacMd5(ntHashValue, Buffer.from(user.toUpperCase() + domain, 'utf16le'));
}

export interface NtlmV2Response {
  ntChallengeResponse: Buffer;
  lmChallengeResponse: Buffer;
  sessionBaseKey: Buffer;
}

/** ComputeResponse for NTLMv2 (3.3.2). */
export function computeNtlmV2Response(responseKeyNt: Buffer, serverChallenge: Buffer, clientChallenge: Buffer, time: Buffer, targetInfo: Buffer): NtlmV2Response {
  const temp = Buffer.concat([Buffer.from([1, 1]), Buffer.alloc(6), time, clientChallenge, Buffer.alloc(4), targetInfo, Buffer.alloc(4)]);
  const ntProofStr = hmacMd5(responseKeyNt, serverChallenge, temp);
  return {
    ntChallengeResponse: Buffer.concat([ntProofStr, temp]),
    lmChallengeResponse: Buffer.concat([hmacMd5(responseKeyNt, serverChallenge, clientChallenge), clientChallenge]),
    sessionBaseKey: hmacMd5(responseKeyNt, ntProofStr),
  };
}

export interface AuthenticateInput {
  challenge: Challenge;
  user: string;
  domain: string;
  ntHash: Buffer;
  workstation?: string;
  /** Fixed only by known-answer tests; random otherwise. */
  clientChallenge?: Buffer;
  exportedSessionKey?: Buffer;
  time?: Buffer;
}

export interface Authenticated {
  message: Buffer;
  flags: number;
  /** The key both sides share afterwards: NTLM session security and the DRSUAPI secret layer use it. */
  exportedSessionKey: Buffer;
}

/** AUTHENTICATE_MESSAGE (2.2.1.3) with an NTLMv2 response and an encrypted random session key. */
export function authenticateMessage(input: AuthenticateInput): Authenticated {
  const { challenge } = input;
  const flags = (CLIENT_FLAGS & challenge.flags) >>> 0;
  if ((flags & REQUIRED_FLAGS) !== REQUIRED_FLAGS) {
    throw new NtlmError(`the server does not offer extended session security with 128-bit keys, key exchange, signing and sealing (flags 0x${challenge.flags.toString(16)})`);
  }
  const clientChallenge = input.clientChallenge ?? randomBytes(8);
  const time = input.time ?? challenge.timestamp ?? fileTimeNow();
  const responseKeyNt = ntowfV2(input.ntHash, input.user, input.domain);
  const response = computeNtlmV2Response(responseKeyNt, challenge.serverChallenge, clientChallenge, time, challenge.targetInfo);
  const exportedSessionKey = input.exportedSessionKey ?? randomBytes(16);
  // KXKEY for NTLMv2 is the session base key (3.4.5.1).
  const encryptedRandomSessionKey = rc4(response.sessionBaseKey, exportedSessionKey);

  const payload: Array<[number, Buffer]> = [
    [12, response.lmChallengeResponse],
    [20, response.ntChallengeResponse],
    [28, Buffer.from(input.domain, 'utf16le')],
    [36, Buffer.from(input.user, 'utf16le')],
    [44, Buffer.from(input.workstation ?? '', 'utf16le')],
    [52, encryptedRandomSessionKey],
  ];
  const header = Buffer.alloc(64);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(3, 8);
  let offset = header.length;
  // Payload order follows the header fields' order of the spec's examples: domain, user, workstation, LM, NT, key.
  const order = [28, 36, 44, 12, 20, 52];
  const bodies: Buffer[] = [];
  for (const at of order) {
    const value = payload.find(([a]) => a === at)![1];
    header.writeUInt16LE(value.length, at);
    header.writeUInt16LE(value.length, at + 2);
    header.writeUInt32LE(offset, at + 4);
    bodies.push(value);
    offset += value.length;
  }
  header.writeUInt32LE(flags, 60);
  return { message: Buffer.concat([header, ...bodies]), flags, exportedSessionKey };
}

/** Current time as a FILETIME (100 ns since 1601), little-endian. */
function fileTimeNow(): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(Date.now()) * 10_000n + 116444736000000000n);
  return b;
}

const magic = (text: string): Buffer => Buffer.from(`session key to ${text} key magic constant\0`, 'latin1');

/** SIGNKEY and SEALKEY (3.4.5.2, 3.4.5.3) for one direction, 128-bit with extended session security. */
export function directionKeys(exportedSessionKey: Buffer, direction: 'client-to-server' | 'server-to-client'): { signKey: Buffer; sealKey: Buffer } {
  return {
    signKey: createHash('md5').update(exportedSessionKey).update(magic(`${direction} signing`)).digest(),
    sealKey: createHash('md5').update(exportedSessionKey).update(magic(`${direction} sealing`)).digest(),
  };
}

/** One direction of NTLM session security: its RC4 state and its sequence number run on across messages. */
export class SealingDirection {
  private readonly cipher: Rc4;
  private readonly signKey: Buffer;
  private seq = 0;

  constructor(exportedSessionKey: Buffer, direction: 'client-to-server' | 'server-to-client') {
    const keys = directionKeys(exportedSessionKey, direction);
    this.signKey = keys.signKey;
    this.cipher = new Rc4(keys.sealKey);
  }

  /** GSS_WrapEx (3.4.6): encrypts `plaintext`, then signs `toSign(plaintext)` (which may wrap it in more). */
  seal(plaintext: Buffer, toSign: (plain: Buffer) => Buffer = (p) => p): { sealed: Buffer; signature: Buffer } {
    const sealed = this.cipher.update(plaintext);
    return { sealed, signature: this.sign(toSign(plaintext)) };
  }

  /** GSS_UnwrapEx: decrypts, then checks the signature over `toSign(plaintext)`. Throws on a bad signature. */
  unseal(sealed: Buffer, signature: Buffer, toSign: (plain: Buffer) => Buffer = (p) => p): Buffer {
    if (signature.length !== 16) throw new NtlmError(`a message signature is 16 bytes, got ${signature.length}`);
    const plaintext = this.cipher.update(sealed);
    const expected = this.sign(toSign(plaintext));
    if (!timingSafeEqual(expected, signature)) throw new NtlmError('the message signature does not verify (tampered, or out of sequence)');
    return plaintext;
  }

  /** MAC (3.4.4.2): version 1, RC4(HMAC_MD5(SignKey, seq ‖ message)[0..8]), seq. */
  private sign(message: Buffer): Buffer {
    const seq = Buffer.alloc(4);
    seq.writeUInt32LE(this.seq);
    const checksum = this.cipher.update(hmacMd5(this.signKey, seq, message).subarray(0, 8));
    this.seq = (this.seq + 1) >>> 0;
    return Buffer.concat([Buffer.from([1, 0, 0, 0]), checksum, seq]);
  }
}

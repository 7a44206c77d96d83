/**
 * DCE/RPC connection-oriented PDUs (C706 chapter 12.6, with MS-RPCE 2.2.2 for the
 * authentication trailer): what a client sends (bind, alter_context, rpc_auth_3, request) and
 * what it reads (bind_ack, bind_nak, response, fault), each read checked against its length.
 * https://pubs.opengroup.org/onlinepubs/9629399/chap12.htm
 */
import { NdrError, NdrReader } from './ndr.js';

export const PTYPE = { request: 0, response: 2, fault: 3, bind: 11, bindAck: 12, bindNak: 13, alterContext: 14, alterContextResp: 15, auth3: 16 } as const;
export const PFC_FIRST_FRAG = 0x01;
export const PFC_LAST_FRAG = 0x02;

/** RPC_C_AUTHN_WINNT (NTLM) and RPC_C_AUTHN_LEVEL_PKT_PRIVACY (MS-RPCE 2.2.1.1.7-8). */
export const AUTH_TYPE_NTLM = 10;
export const AUTH_LEVEL_PRIVACY = 6;

export const HEADER_LENGTH = 16;
export const REQUEST_HEADER_LENGTH = 24;
export const SEC_TRAILER_LENGTH = 8;
/** Stub data is padded to this before the trailer when sealing (MS-RPCE 2.2.2.11; what Windows and Samba do). */
export const AUTH_PAD_ALIGNMENT = 16;

export const NDR_TRANSFER_SYNTAX = { uuid: '8a885d04-1ceb-11c9-9fe8-08002b104860', major: 2, minor: 0 } as const;

export interface SecTrailer {
  authType: number;
  authLevel: number;
  padLength: number;
  contextId: number;
}

export interface PduHeader {
  type: number;
  flags: number;
  fragLength: number;
  authLength: number;
  callId: number;
}

export function writeHeader(type: number, flags: number, fragLength: number, authLength: number, callId: number): Buffer {
  const b = Buffer.alloc(HEADER_LENGTH);
  b[0] = 5;
  b[1] = 0;
  b[2] = type;
  b[3] = flags;
  b.writeUInt32LE(0x10, 4); // little-endian integers, ASCII, IEEE floats
  b.writeUInt16LE(fragLength, 8);
  b.writeUInt16LE(authLength, 10);
  b.writeUInt32LE(callId >>> 0, 12);
  return b;
}

export function readHeader(pdu: Buffer): PduHeader {
  if (pdu.length < HEADER_LENGTH) throw new NdrError(`PDU header needs 16 bytes, got ${pdu.length}`);
  if (pdu[0] !== 5 || pdu[1] !== 0) throw new NdrError(`not a DCE/RPC 5.0 PDU (version ${pdu[0]}.${pdu[1]})`);
  if ((pdu[4]! & 0xf0) !== 0x10) throw new NdrError('only little-endian data representation is supported');
  const header = { type: pdu[2]!, flags: pdu[3]!, fragLength: pdu.readUInt16LE(8), authLength: pdu.readUInt16LE(10), callId: pdu.readUInt32LE(12) };
  if (header.fragLength !== pdu.length) throw new NdrError(`frag_length ${header.fragLength} does not match the ${pdu.length} bytes received`);
  if (header.authLength > 0 && HEADER_LENGTH + SEC_TRAILER_LENGTH + header.authLength > pdu.length) throw new NdrError(`auth_length ${header.authLength} overruns the PDU`);
  return header;
}

export function writeSecTrailer(t: SecTrailer): Buffer {
  const b = Buffer.alloc(SEC_TRAILER_LENGTH);
  b[0] = t.authType;
  b[1] = t.authLevel;
  b[2] = t.padLength;
  b[3] = 0;
  b.writeUInt32LE(t.contextId >>> 0, 4);
  return b;
}

/** Splits a received PDU into body (between header and padding), trailer and auth value. */
export function splitAuth(pdu: Buffer, header: PduHeader, bodyStart: number): { body: Buffer; trailer: SecTrailer | null; authValue: Buffer; trailerAt: number } {
  if (bodyStart > pdu.length) throw new NdrError('PDU too short for its body header');
  if (header.authLength === 0) return { body: pdu.subarray(bodyStart), trailer: null, authValue: Buffer.alloc(0), trailerAt: pdu.length };
  const trailerAt = pdu.length - header.authLength - SEC_TRAILER_LENGTH;
  if (trailerAt < bodyStart) throw new NdrError('the auth trailer overlaps the PDU body');
  const trailer: SecTrailer = { authType: pdu[trailerAt]!, authLevel: pdu[trailerAt + 1]!, padLength: pdu[trailerAt + 2]!, contextId: pdu.readUInt32LE(trailerAt + 4) };
  if (bodyStart + trailer.padLength > trailerAt) throw new NdrError(`auth_pad_length ${trailer.padLength} exceeds the body`);
  return { body: pdu.subarray(bodyStart, trailerAt), trailer, authValue: pdu.subarray(trailerAt + SEC_TRAILER_LENGTH), trailerAt };
}

export interface PresentationContext {
  contextId: number;
  abstractSyntax: { uuid: Buffer; major: number; minor: number };
  transferSyntax: { uuid: Buffer; major: number; minor: number };
}

/** bind / alter_context (12.6.4.3 and 12.6.4.1) with one presentation context and an optional auth token. */
export function bindPdu(options: {
  type: typeof PTYPE.bind | typeof PTYPE.alterContext;
  callId: number;
  maxFrag: number;
  context: PresentationContext;
  auth?: { trailer: Omit<SecTrailer, 'padLength'>; token: Buffer };
}): Buffer {
  const body = Buffer.alloc(12 + 44);
  body.writeUInt16LE(options.maxFrag, 0);
  body.writeUInt16LE(options.maxFrag, 2);
  body.writeUInt32LE(0, 4); // new association group
  body[8] = 1; // one context element
  const c = options.context;
  body.writeUInt16LE(c.contextId, 12);
  body[14] = 1; // one transfer syntax
  c.abstractSyntax.uuid.copy(body, 16);
  body.writeUInt16LE(c.abstractSyntax.major, 32);
  body.writeUInt16LE(c.abstractSyntax.minor, 34);
  c.transferSyntax.uuid.copy(body, 36);
  body.writeUInt16LE(c.transferSyntax.major, 52);
  body.writeUInt16LE(c.transferSyntax.minor, 54);
  return withAuth(options.type, PFC_FIRST_FRAG | PFC_LAST_FRAG, options.callId, body, options.auth);
}

/** rpc_auth_3 (MS-RPCE 2.2.2.10): a 4-byte pad, then the trailer and the third leg's token. */
export function auth3Pdu(callId: number, trailer: Omit<SecTrailer, 'padLength'>, token: Buffer): Buffer {
  return withAuth(PTYPE.auth3, PFC_FIRST_FRAG | PFC_LAST_FRAG, callId, Buffer.alloc(4), { trailer, token });
}

function withAuth(type: number, flags: number, callId: number, body: Buffer, auth?: { trailer: Omit<SecTrailer, 'padLength'>; token: Buffer }): Buffer {
  if (!auth) return Buffer.concat([writeHeader(type, flags, HEADER_LENGTH + body.length, 0, callId), body]);
  const pad = (4 - ((HEADER_LENGTH + body.length) % 4)) % 4;
  const length = HEADER_LENGTH + body.length + pad + SEC_TRAILER_LENGTH + auth.token.length;
  return Buffer.concat([
    writeHeader(type, flags, length, auth.token.length, callId),
    body,
    Buffer.alloc(pad),
    writeSecTrailer({ ...auth.trailer, padLength: pad }),
    auth.token,
  ]);
}

export interface BindAck {
  maxXmitFrag: number;
  maxRecvFrag: number;
  assocGroup: number;
  results: Array<{ result: number; reason: number }>;
  authToken: Buffer | null;
}

/** bind_ack / alter_context_resp (12.6.4.4 and 12.6.4.2). */
export function parseBindAck(pdu: Buffer, header: PduHeader): BindAck {
  const { body, authValue } = splitAuth(pdu, header, HEADER_LENGTH);
  const r = new NdrReader(body);
  const maxXmitFrag = r.u16();
  const maxRecvFrag = r.u16();
  const assocGroup = r.u32();
  const secAddrLength = r.u16();
  r.bytes(secAddrLength, 'secondary address');
  r.align(4);
  const n = r.u8();
  r.u8();
  r.u16();
  if (n * 24 > r.remaining) throw new NdrError(`bind_ack announces ${n} results but holds ${r.remaining} bytes`);
  const results: Array<{ result: number; reason: number }> = [];
  for (let i = 0; i < n; i++) {
    const result = r.u16();
    const reason = r.u16();
    r.bytes(20, 'transfer syntax');
    results.push({ result, reason });
  }
  return { maxXmitFrag, maxRecvFrag, assocGroup, results, authToken: header.authLength > 0 ? Buffer.from(authValue) : null };
}

/** bind_nak (12.6.4.5): the reject reason. */
export function parseBindNak(pdu: Buffer): number {
  if (pdu.length < HEADER_LENGTH + 2) throw new NdrError('bind_nak too short');
  return pdu.readUInt16LE(HEADER_LENGTH);
}

/** fault (12.6.4.7): the status code (C706 appendix E, MS-RPCE 2.2.2.14 / 3.1.1.5.5). */
export function parseFault(pdu: Buffer): number {
  if (pdu.length < REQUEST_HEADER_LENGTH + 4) throw new NdrError('fault PDU too short');
  return pdu.readUInt32LE(REQUEST_HEADER_LENGTH);
}

/** The header of a request (12.6.4.9) up to its stub data. */
export function requestHeader(flags: number, fragLength: number, authLength: number, callId: number, allocHint: number, contextId: number, opnum: number): Buffer {
  const b = Buffer.alloc(REQUEST_HEADER_LENGTH);
  writeHeader(PTYPE.request, flags, fragLength, authLength, callId).copy(b, 0);
  b.writeUInt32LE(allocHint >>> 0, 16);
  b.writeUInt16LE(contextId, 20);
  b.writeUInt16LE(opnum, 22);
  return b;
}

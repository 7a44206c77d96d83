/**
 * One DCE/RPC association over TCP (ncacn_ip_tcp): bind (anonymous, or NTLM at packet privacy),
 * then calls. Requests are fragmented to the negotiated size; responses are reassembled, each
 * fragment unsealed and its signature verified. Every wait for the server has a timeout.
 */
import { Socket, connect } from 'node:net';
import { NdrError } from './ndr.js';
import { authenticateMessage, negotiateMessage, parseChallenge, SealingDirection } from './ntlm.js';
import {
  AUTH_LEVEL_PRIVACY, AUTH_PAD_ALIGNMENT, AUTH_TYPE_NTLM, auth3Pdu, bindPdu, HEADER_LENGTH, NDR_TRANSFER_SYNTAX, parseBindAck, parseBindNak,
  parseFault, PFC_FIRST_FRAG, PFC_LAST_FRAG, PTYPE, readHeader, REQUEST_HEADER_LENGTH, requestHeader, SEC_TRAILER_LENGTH, splitAuth, writeSecTrailer,
  type PresentationContext,
} from './rpc-pdu.js';
import { guidBytes } from './ndr.js';

/** What impacket and Windows offer; the server may lower it in its bind_ack. */
const MAX_FRAG = 4280;
const SIGNATURE_LENGTH = 16;
const AUTH_CONTEXT_ID = 0x79231;

export class RpcUnreachableError extends Error {
  constructor(readonly endpoint: string, cause: unknown) {
    super(`cannot reach ${endpoint}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'RpcUnreachableError';
  }
}

export class RpcTimeoutError extends Error {
  constructor(readonly endpoint: string, what: string, ms: number) {
    super(`${endpoint} did not answer ${what} within ${ms} ms`);
    this.name = 'RpcTimeoutError';
  }
}

/** A fault PDU or a rejected bind: `status` is the DCE/RPC status (C706 appendix E, MS-RPCE 3.1.1.5.5). */
export class RpcFaultError extends Error {
  constructor(readonly status: number, what: string) {
    super(`${what} failed with DCE/RPC status 0x${status.toString(16).padStart(8, '0')}`);
    this.name = 'RpcFaultError';
  }
}

export class RpcProtocolError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'RpcProtocolError';
  }
}

export interface Interface {
  uuid: string;
  major: number;
  minor: number;
}

export interface NtlmCredentials {
  user: string;
  domain: string;
  ntHash: Buffer;
}

export interface ConnectOptions {
  host: string;
  port: number;
  connectTimeoutMs?: number;
  /** How long one reply fragment may take to arrive. */
  replyTimeoutMs?: number;
  /** Sees every PDU received, as received (scripts/record-drsr-fixtures.ts records a conversation with it). */
  onReceive?: (pdu: Buffer) => void;
}

export class RpcConnection {
  private buffered: Buffer[] = [];
  private bufferedLength = 0;
  private waiter: (() => void) | null = null;
  private closedWith: Error | null = null;
  private callId = 1;
  private maxXmit = MAX_FRAG;
  private contextId = 0;
  private client: SealingDirection | null = null;
  private server: SealingDirection | null = null;
  private sessionKeyValue: Buffer | null = null;

  private constructor(private readonly socket: Socket, readonly endpoint: string, private readonly replyTimeoutMs: number, private readonly onReceive?: (pdu: Buffer) => void) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered.push(chunk);
      this.bufferedLength += chunk.length;
      this.wake();
    });
    socket.on('error', (error) => { this.closedWith ??= error; this.wake(); });
    socket.on('close', () => { this.closedWith ??= new Error('the connection was closed'); this.wake(); });
  }

  static open(options: ConnectOptions): Promise<RpcConnection> {
    const endpoint = `${options.host}:${options.port}`;
    const timeout = options.connectTimeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const socket = connect({ host: options.host, port: options.port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => { socket.destroy(); reject(new RpcUnreachableError(endpoint, new Error(`no connection within ${timeout} ms`))); }, timeout);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RpcConnection(socket, endpoint, options.replyTimeoutMs ?? 60_000, options.onReceive));
      });
      socket.once('error', (error) => { clearTimeout(timer); reject(new RpcUnreachableError(endpoint, error)); });
    });
  }

  /** The NTLM exported session key (MS-DRSR uses it for the secret layer). */
  get sessionKey(): Buffer {
    if (!this.sessionKeyValue) throw new RpcProtocolError('no authenticated session');
    return this.sessionKeyValue;
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private take(n: number): Buffer {
    const all = Buffer.concat(this.buffered, this.bufferedLength);
    this.buffered = all.length > n ? [all.subarray(n)] : [];
    this.bufferedLength = all.length - n;
    return all.subarray(0, n);
  }

  private peekHeader(): Buffer {
    if (this.buffered[0] && this.buffered[0].length >= HEADER_LENGTH) return this.buffered[0];
    const all = Buffer.concat(this.buffered, this.bufferedLength);
    this.buffered = [all];
    return all;
  }

  /** The next whole PDU, or a timeout / closed-connection error. */
  private async readPdu(what: string): Promise<Buffer> {
    const deadline = Date.now() + this.replyTimeoutMs;
    for (;;) {
      if (this.bufferedLength >= HEADER_LENGTH) {
        const head = this.peekHeader();
        const fragLength = head.readUInt16LE(8);
        if (fragLength < HEADER_LENGTH) throw new RpcProtocolError(`frag_length ${fragLength} is shorter than a PDU header`);
        if (this.bufferedLength >= fragLength) {
          const pdu = this.take(fragLength);
          this.onReceive?.(pdu);
          return pdu;
        }
      }
      if (this.closedWith) throw new RpcUnreachableError(this.endpoint, this.closedWith);
      const left = deadline - Date.now();
      if (left <= 0) throw new RpcTimeoutError(this.endpoint, what, this.replyTimeoutMs);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { this.waiter = null; resolve(); }, left);
        this.waiter = () => { clearTimeout(timer); resolve(); };
      });
    }
  }

  private write(pdu: Buffer): void {
    if (this.closedWith) throw new RpcUnreachableError(this.endpoint, this.closedWith);
    this.socket.write(pdu);
  }

  private context(iface: Interface): PresentationContext {
    return {
      contextId: this.contextId,
      abstractSyntax: { uuid: guidBytes(iface.uuid), major: iface.major, minor: iface.minor },
      transferSyntax: { uuid: guidBytes(NDR_TRANSFER_SYNTAX.uuid), major: NDR_TRANSFER_SYNTAX.major, minor: NDR_TRANSFER_SYNTAX.minor },
    };
  }

  /** Binds without authentication (the endpoint mapper). */
  async bind(iface: Interface): Promise<void> {
    this.write(bindPdu({ type: PTYPE.bind, callId: this.callId++, maxFrag: MAX_FRAG, context: this.context(iface) }));
    this.acceptBindAck(await this.readPdu('the bind'));
  }

  /** Binds with NTLM at packet privacy: bind(NEGOTIATE) → bind_ack(CHALLENGE) → rpc_auth_3(AUTHENTICATE). */
  async bindNtlm(iface: Interface, credentials: NtlmCredentials): Promise<void> {
    const trailer = { authType: AUTH_TYPE_NTLM, authLevel: AUTH_LEVEL_PRIVACY, contextId: AUTH_CONTEXT_ID };
    const callId = this.callId++;
    this.write(bindPdu({ type: PTYPE.bind, callId, maxFrag: MAX_FRAG, context: this.context(iface), auth: { trailer, token: negotiateMessage() } }));
    const ack = this.acceptBindAck(await this.readPdu('the bind'));
    if (!ack.authToken) throw new RpcProtocolError('the server answered the NTLM bind without a CHALLENGE');
    const challenge = parseChallenge(ack.authToken);
    const auth = authenticateMessage({ challenge, user: credentials.user, domain: credentials.domain, ntHash: credentials.ntHash });
    this.write(auth3Pdu(callId, trailer, auth.message));
    this.sessionKeyValue = auth.exportedSessionKey;
    this.client = new SealingDirection(auth.exportedSessionKey, 'client-to-server');
    this.server = new SealingDirection(auth.exportedSessionKey, 'server-to-client');
  }

  private acceptBindAck(pdu: Buffer) {
    const header = readHeader(pdu);
    if (header.type === PTYPE.bindNak) throw new RpcFaultError(parseBindNak(pdu), 'the bind');
    if (header.type === PTYPE.fault) throw new RpcFaultError(parseFault(pdu), 'the bind');
    if (header.type !== PTYPE.bindAck && header.type !== PTYPE.alterContextResp) throw new RpcProtocolError(`expected bind_ack, got PDU type ${header.type}`);
    const ack = parseBindAck(pdu, header);
    const result = ack.results[0];
    if (!result) throw new RpcProtocolError('bind_ack without a result');
    if (result.result !== 0) throw new RpcFaultError(result.reason, `the bind (presentation context rejected, result ${result.result})`);
    if (ack.maxRecvFrag < 1024) throw new RpcProtocolError(`the server's receive fragment size ${ack.maxRecvFrag} is too small`);
    this.maxXmit = Math.min(MAX_FRAG, ack.maxRecvFrag);
    return ack;
  }

  /** One call: the request stub in, the response stub out (faults become RpcFaultError). */
  async call(opnum: number, stub: Buffer, what: string): Promise<Buffer> {
    const callId = this.callId++;
    this.sendRequest(callId, opnum, stub);
    const parts: Buffer[] = [];
    let total = 0;
    for (let first = true; ; first = false) {
      const pdu = await this.readPdu(what);
      const header = readHeader(pdu);
      if (header.callId !== callId) throw new RpcProtocolError(`reply for call ${header.callId} while waiting for ${callId}`);
      if (header.type === PTYPE.fault) throw new RpcFaultError(parseFault(pdu), what);
      if (header.type !== PTYPE.response) throw new RpcProtocolError(`expected a response, got PDU type ${header.type}`);
      if (first && !(header.flags & PFC_FIRST_FRAG)) throw new RpcProtocolError('the first response fragment lacks PFC_FIRST_FRAG');
      const part = openResponse(this.server, pdu, header);
      parts.push(part);
      total += part.length;
      if (total > 256 * 1024 * 1024) throw new RpcProtocolError('a response larger than 256 MiB');
      if (header.flags & PFC_LAST_FRAG) return Buffer.concat(parts, total);
    }
  }

  private sendRequest(callId: number, opnum: number, stub: Buffer): void {
    const sealed = this.client !== null;
    const overhead = REQUEST_HEADER_LENGTH + (sealed ? SEC_TRAILER_LENGTH + SIGNATURE_LENGTH + AUTH_PAD_ALIGNMENT : 0);
    const chunk = Math.floor((this.maxXmit - overhead) / AUTH_PAD_ALIGNMENT) * AUTH_PAD_ALIGNMENT;
    let offset = 0;
    do {
      const piece = stub.subarray(offset, offset + chunk);
      const flags = (offset === 0 ? PFC_FIRST_FRAG : 0) | (offset + piece.length >= stub.length ? PFC_LAST_FRAG : 0);
      this.write(sealed ? this.sealedRequest(callId, opnum, flags, stub.length, piece) : Buffer.concat([
        requestHeader(flags, REQUEST_HEADER_LENGTH + piece.length, 0, callId, stub.length, this.contextId, opnum), piece,
      ]));
      offset += piece.length;
    } while (offset < stub.length);
  }

  /** MS-RPCE 3.3.1.5.2.2: the signature covers the whole PDU with the plaintext stub; only the stub and its padding are encrypted. */
  private sealedRequest(callId: number, opnum: number, flags: number, allocHint: number, piece: Buffer): Buffer {
    const pad = (AUTH_PAD_ALIGNMENT - (piece.length % AUTH_PAD_ALIGNMENT)) % AUTH_PAD_ALIGNMENT;
    const fragLength = REQUEST_HEADER_LENGTH + piece.length + pad + SEC_TRAILER_LENGTH + SIGNATURE_LENGTH;
    const header = requestHeader(flags, fragLength, SIGNATURE_LENGTH, callId, allocHint, this.contextId, opnum);
    const trailer = writeSecTrailer({ authType: AUTH_TYPE_NTLM, authLevel: AUTH_LEVEL_PRIVACY, padLength: pad, contextId: AUTH_CONTEXT_ID });
    const plain = Buffer.concat([piece, Buffer.alloc(pad)]);
    const { sealed, signature } = this.client!.seal(plain, (p) => Buffer.concat([header, p, trailer]));
    return Buffer.concat([header, sealed, trailer, signature]);
  }
}

/**
 * The stub of one response fragment: unsealed and its signature verified when the association is
 * authenticated (`server` is the server-to-client direction, whose sequence number advances).
 */
export function openResponse(server: SealingDirection | null, pdu: Buffer, header: ReturnType<typeof readHeader>): Buffer {
  const { body, trailer, authValue, trailerAt } = splitAuth(pdu, header, REQUEST_HEADER_LENGTH);
  if (!server) {
    if (trailer) throw new RpcProtocolError('an authenticated response on an unauthenticated association');
    return Buffer.from(body);
  }
  if (!trailer || trailer.authType !== AUTH_TYPE_NTLM || trailer.authLevel !== AUTH_LEVEL_PRIVACY) {
    throw new RpcProtocolError('a response that is not sealed at packet privacy');
  }
  const head = pdu.subarray(0, REQUEST_HEADER_LENGTH);
  const trailerBytes = pdu.subarray(trailerAt, trailerAt + SEC_TRAILER_LENGTH);
  let plain: Buffer;
  try {
    plain = server.unseal(Buffer.from(body), Buffer.from(authValue), (p) => Buffer.concat([head, p, trailerBytes]));
  } catch (error) {
    throw new RpcProtocolError(`a response failed its integrity check: ${(error as Error).message}`, error);
  }
  return plain.subarray(0, plain.length - trailer.padLength);
}

export { NdrError };

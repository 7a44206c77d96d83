/**
 * A scripted LDAP server that misbehaves on purpose, for tests of the protocol layer: it accepts
 * and stalls, stalls in the middle of a search, answers with garbage or with crafted lengths, or
 * resets the connection. It reads requests with the production framer (it only needs each
 * request's message id and operation), and writes responses built by ber-fixtures.ts.
 */
import { createServer, type Server, type Socket } from 'node:net';

import { openMessage } from '../../src/directory/ldap/openldap/syncrepl-protocol.js';
import { MessageFramer } from '../../src/directory/ldap/message-framer.js';
import { bindResponseMessage, extendedResponseMessage, refreshDoneValue, searchDoneMessage, searchEntryMessage, syncInfoMessage } from '../../src/directory/ldap/ber-fixtures.js';

export const OP = { bind: 0x60, unbind: 0x42, search: 0x63, abandon: 0x50, extended: 0x77 } as const;

export interface LdapRequest {
  messageId: number;
  op: number;
  /** The raw request, e.g. to look for a control's OID in it. */
  bytes: Buffer;
}

/** What the server does with one request; `reply` writes bytes, `socket` allows resets and stalls. */
export type Script = (request: LdapRequest, reply: (bytes: Buffer) => void, socket: Socket) => void;

export interface MisbehavingLdapServer {
  url: string;
  /** Requests received, in order (op codes), to assert how far a client got. */
  received: LdapRequest[];
  stop(): Promise<void>;
}

export async function startMisbehavingLdapServer(script: Script): Promise<MisbehavingLdapServer> {
  const received: LdapRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const framer = new MessageFramer();
    socket.on('data', (data) => {
      for (const bytes of framer.push(data)) {
        const { messageId, body } = openMessage(bytes);
        const request = { messageId, op: body.peek(), bytes };
        received.push(request);
        if (request.op === OP.unbind || request.op === OP.abandon) continue;
        script(request, (reply) => socket.destroyed || socket.write(reply), socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `ldap://127.0.0.1:${port}`,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const RFC4533_SYNC_REQUEST = Buffer.from('1.3.6.1.4.1.4203.1.9.1.1');

export function isSyncSearch(request: LdapRequest): boolean {
  return request.op === OP.search && request.bytes.includes(RFC4533_SYNC_REQUEST);
}

/** Binds succeed; everything else goes to `rest`. */
export function afterBind(rest: Script): Script {
  return (request, reply, socket) => {
    if (request.op === OP.bind) reply(bindResponseMessage(request.messageId, 0));
    else rest(request, reply, socket);
  };
}

/** Accepts the connection, then never answers anything. */
export const stallAfterAccept: Script = () => undefined;

/** Sends `count` entries of a search, then nothing more (the page never ends). */
export function stallMidSearch(count: number): Script {
  return afterBind((request, reply) => {
    if (request.op !== OP.search) return;
    for (let i = 0; i < count; i++) reply(searchEntryMessage(`uid=u${i},dc=example,dc=org`, [['uid', [Buffer.from(`u${i}`)]]], request.messageId));
  });
}

/** Answers a search with bytes that are not LDAP. */
export const garbageToSearch: Script = afterBind((request, reply) => {
  if (request.op === OP.search) reply(Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
});

/**
 * Answers a search with the 30-byte entry whose attribute name claims 2^31-1 bytes (it made the old
 * decoder loop forever inside the socket handler), its message id set to the search's.
 */
export const overlongEntryToSearch: Script = afterBind((request, reply) => {
  if (request.op !== OP.search) return;
  const entry = Buffer.from('301c020105641704003013301104847fffffff3109040161040162040163', 'hex');
  entry[4] = request.messageId & 0x7f;
  reply(entry);
});

/** Announces a 1 GiB message in reply to a search, then trickles bytes of it. */
export const hugeMessageToSearch: Script = afterBind((request, reply) => {
  if (request.op === OP.search) reply(Buffer.concat([Buffer.from([0x30, 0x84, 0x40, 0x00, 0x00, 0x00]), Buffer.alloc(1000)]));
});

/** Resets the TCP connection (RST) when a search arrives. */
export const resetOnSearch: Script = afterBind((request, _reply, socket) => {
  if (request.op === OP.search) socket.resetAndDestroy();
});

/**
 * A content synchronization server that finishes the refresh of a refreshAndPersist search, then
 * stays silent and ignores every later request (a hung server behind a live TCP connection).
 */
export const silentAfterRefresh: Script = afterBind((request, reply) => {
  if (isSyncSearch(request)) reply(syncInfoMessage(request.messageId, refreshDoneValue('present', Buffer.from('rid=000,csn=20260101000000.000000Z#000000#000#000000'))));
});

/** Answers extended requests (StartTLS, Who am I) with success and searches with an empty result. */
export const wellBehaved: Script = afterBind((request, reply) => {
  if (request.op === OP.extended) reply(extendedResponseMessage(request.messageId, 0));
  else if (request.op === OP.search) reply(searchDoneMessage(request.messageId));
});

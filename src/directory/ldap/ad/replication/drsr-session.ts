/**
 * A replication session with one domain controller: endpoint mapper → DRSUAPI port, NTLM bind at
 * packet privacy, IDL_DRSBind; then GetNCChanges pages; IDL_DRSUnbind on close. Failures leave as
 * AppErrors that say what to do (replication-errors.ts).
 */
import { randomBytes } from 'node:crypto';
import { mapEndpoint } from './epm.js';
import { DRSUAPI_INTERFACE, drsBindRequest, drsUnbindRequest, getNCChangesRequest, OPNUM, parseDrsBindReply, parseGetNCChangesReply, type GetNCChangesReply, type ReplicatedAttribute, type UsnVector } from './drsuapi.js';
import { RpcConnection } from './rpc-connection.js';
import { replicationError, werrorError } from './replication-errors.js';
import { NULL_GUID } from './ndr.js';
import { AppError } from '../../../../shared/errors.js';

export interface DrsrSessionOptions {
  host: string;
  /** The sync account: sAMAccountName (or user@domain) and NetBIOS or DNS domain name. */
  user: string;
  domain: string;
  ntHash: Buffer;
  /** Endpoint mapper port (135); the DRSUAPI port is asked from it unless `rpcPort` is given. */
  epmPort?: number;
  rpcPort?: number;
  connectTimeoutMs?: number;
  replyTimeoutMs?: number;
  /**
   * Whether the account's password is right by another way (an LDAP bind). Samba answers a wrong
   * password and "NTLM disabled" with the same fault; when the password is right, NTLM was refused.
   */
  passwordCheck?: () => Promise<boolean>;
}

export interface Watermark extends UsnVector {
  /** The DC's invocationId (hex of its 16 bytes): a watermark from another DC, or a restored one, is not valid. */
  invocationId: string;
}

/**
 * Where the next request continues: the reply's whole usnvecTo, usnReserved included. Samba keeps
 * the cycle's state per handle and compares all three USNs of a follow-up with what it last
 * answered (getncchanges.c); on pages of linked values only it bumps usnReserved, and a request
 * without it makes Samba start the cycle again from the first object, page after page, forever.
 */
export function watermarkAfter(reply: GetNCChangesReply): Watermark {
  return { invocationId: reply.invocationId.toString('hex'), ...reply.usnvecTo };
}

export interface ReplicationPage {
  reply: GetNCChangesReply;
  /** Where the next page, or the next cycle once `reply.moreData` is false, continues. */
  watermark: Watermark;
}

export class DrsrSession {
  private constructor(private readonly conn: RpcConnection, private readonly handle: Buffer, private readonly destinationDsa: Buffer) {}

  static async open(options: DrsrSessionOptions): Promise<DrsrSession> {
    const timeouts = { connectTimeoutMs: options.connectTimeoutMs ?? 5_000, replyTimeoutMs: options.replyTimeoutMs ?? 60_000 };
    let port = options.rpcPort ?? null;
    if (port === null) {
      try {
        port = await mapEndpoint(options.host, DRSUAPI_INTERFACE, { ...timeouts, ...(options.epmPort ? { port: options.epmPort } : {}) });
      } catch (error) {
        throw replicationError(error, 'endpoint-mapper', `${options.host}:${options.epmPort ?? 135}`);
      }
      if (port === null) throw replicationError(new Error('the endpoint mapper does not list DRSUAPI'), 'no-drsuapi', `${options.host}:${options.epmPort ?? 135}`);
    }
    const endpoint = `${options.host}:${port}`;
    let conn: RpcConnection | null = null;
    try {
      conn = await RpcConnection.open({ host: options.host, port, ...timeouts });
      await conn.bindNtlm(DRSUAPI_INTERFACE, { user: options.user, domain: options.domain, ntHash: options.ntHash });
      let bind = parseDrsBindReply(await conn.call(OPNUM.bind, drsBindRequest(), 'IDL_DRSBind'));
      // A DC with a replication epoch only answers a client that repeats it (MS-DRSR 4.1.3.3).
      if (bind.status === 0 && bind.serverReplEpoch !== 0) bind = parseDrsBindReply(await conn.call(OPNUM.bind, drsBindRequest(bind.serverReplEpoch), 'IDL_DRSBind'));
      if (bind.status !== 0) throw werrorError(bind.status, 'IDL_DRSBind');
      return new DrsrSession(conn, bind.handle, randomBytes(16));
    } catch (error) {
      conn?.close();
      const coded = replicationError(error, 'rpc', endpoint);
      if (coded.code === 'DRSR_AUTH_FAILED' && options.passwordCheck && (await options.passwordCheck().catch(() => false))) {
        throw new AppError('DRSR_NTLM_DISABLED', {
          message: `The domain controller at ${endpoint} refused the sync account over NTLM although the same password is accepted over LDAP: NTLM is disabled or restricted there, and Kerberos is required.`,
          params: { form: 'restricted', endpoint },
          cause: error,
        });
      }
      throw coded;
    }
  }

  get sessionKey(): Buffer {
    return this.conn.sessionKey;
  }

  /** One page of changes of the naming context `ncDn` since `from` (null: from the start). */
  async getChanges(ncDn: string, from: Watermark | null, attributes: readonly ReplicatedAttribute[], maxObjects: number): Promise<GetNCChangesReply> {
    const usn: UsnVector = from ? { highObjUpdate: from.highObjUpdate, reserved: from.reserved, highPropUpdate: from.highPropUpdate } : { highObjUpdate: 0n, reserved: 0n, highPropUpdate: 0n };
    const request = getNCChangesRequest({
      handle: this.handle,
      ncDn,
      invocationId: from ? Buffer.from(from.invocationId, 'hex') : NULL_GUID,
      destinationDsa: this.destinationDsa,
      from: usn,
      maxObjects,
      maxBytes: 0,
      attributes,
    });
    let reply: GetNCChangesReply;
    try {
      reply = parseGetNCChangesReply(await this.conn.call(OPNUM.getNCChanges, request, 'IDL_DRSGetNCChanges'));
    } catch (error) {
      throw replicationError(error, 'rpc', this.conn.endpoint);
    }
    if (reply.status !== 0) throw werrorError(reply.status, 'IDL_DRSGetNCChanges');
    if (reply.drsError !== 0) throw werrorError(reply.drsError, 'IDL_DRSGetNCChanges');
    return reply;
  }

  /**
   * A whole replication cycle from `from`, page by page, each follow-up continuing where the last
   * reply left off. A DC that starts the cycle over sends its first objects again without its
   * high-water mark moving (an object changed during the cycle comes again too, but at a higher
   * USN): that ends in an error here rather than in pages without end.
   */
  async *replicate(ncDn: string, from: Watermark | null, attributes: readonly ReplicatedAttribute[], maxObjects: number): AsyncGenerator<ReplicationPage> {
    let watermark = from;
    // The objects of the cycle's first page that carried any: what a restart sends again first.
    let firstObjects: Set<string> | null = null;
    for (;;) {
      const reply = await this.getChanges(ncDn, watermark, attributes, maxObjects);
      // Samba puts the NC root first on every page until its turn comes: not a repeat.
      const guids = reply.objects.filter((o) => !o.name.guid.equals(reply.ncGuid)).map((o) => o.name.guid.toString('hex'));
      if (!firstObjects) {
        if (guids.length) firstObjects = new Set(guids);
      } else if (watermark && reply.usnvecTo.highObjUpdate <= watermark.highObjUpdate && guids.some((g) => firstObjects!.has(g))) {
        throw new AppError('DRSR_PROTOCOL_ERROR', {
          message: `The domain controller at ${this.conn.endpoint} started the replication cycle over (objects of its first page came again at high-water mark ${watermark.highObjUpdate}): the replication stops instead of reading the domain again and again.`,
          details: { highObjUpdate: watermark.highObjUpdate.toString() },
        });
      }
      watermark = watermarkAfter(reply);
      yield { reply, watermark };
      if (!reply.moreData) return;
    }
  }

  async close(): Promise<void> {
    try {
      await this.conn.call(OPNUM.unbind, drsUnbindRequest(this.handle), 'IDL_DRSUnbind');
    } catch {
      // The DC drops the association anyway when the connection closes.
    } finally {
      this.conn.close();
    }
  }
}

/**
 * The password side of an Active Directory source: NT hashes replicated from a domain controller
 * over MS-DRSR (whole-domain incremental replication of the domain naming context, as Entra
 * Connect's password hash sync does), presented to the password cycle as directory entries.
 *
 * The cursor is the replication watermark (usnvecTo and the DC's invocationId), kept by the agent
 * in its local state, so a restart resumes where the last completed cycle stopped. Objects come
 * back with only the attributes that changed: an entry is yielded only when it carries a new
 * unicodePwd, so a change of another attribute never clears a user's password. Users are matched
 * to what the directory cycle exported by objectGUID (the anchor of AD sources).
 */
import { objectGuidToString } from '../object-guid.js';
import type { DirectoryEntry } from '../../../entry.js';
import type { ChangeSet, DirectorySource, ReadPurpose } from '../../../../sync/ports.js';
import { ATTRIBUTE_OIDS, ridOf, type ReplicatedObject } from './drsuapi.js';
import { DrsrSession, type DrsrSessionOptions, type Watermark } from './drsr-session.js';
import { ntHashFromUnicodePwd } from './secrets.js';
import { replicationError } from './replication-errors.js';
import { pollForChanges } from '../usn-poll.js';

export { pollForChanges } from '../usn-poll.js';

export interface DrsrPasswordSourceOptions extends DrsrSessionOptions {
  /** DN of the domain naming context, e.g. DC=ad,DC=test. */
  namingContext: string;
  /** Objects per GetNCChanges page. */
  pageSize?: number;
  /**
   * A cheap probe of the DC's change position (its highestCommittedUSN over LDAP): when it moves,
   * the watch reports a change. Absent: no watch, the password interval alone drives replication.
   */
  probeChanges?: () => Promise<string | null>;
  pollIntervalMs?: number;
}

const ATTRIBUTES = ['unicodePwd', 'pwdLastSet', 'userAccountControl'] as const;
const CURSOR_VERSION = 1;

export function encodeWatermark(w: Watermark): string {
  return JSON.stringify({ v: CURSOR_VERSION, invocationId: w.invocationId, obj: w.highObjUpdate.toString(), res: w.reserved.toString(), prop: w.highPropUpdate.toString() });
}

export function decodeWatermark(cursor: string): Watermark | null {
  try {
    const parsed = JSON.parse(cursor) as { v?: unknown; invocationId?: unknown; obj?: unknown; res?: unknown; prop?: unknown };
    if (parsed.v !== CURSOR_VERSION || typeof parsed.invocationId !== 'string' || !/^[0-9a-f]{32}$/.test(parsed.invocationId)) return null;
    const usn = (value: unknown): value is string => typeof value === 'string' && /^\d{1,20}$/.test(value);
    if (!usn(parsed.obj) || !usn(parsed.prop)) return null;
    // Cursors written before usnReserved was kept have none: a completed cycle's is 0.
    if (parsed.res !== undefined && !usn(parsed.res)) return null;
    return { invocationId: parsed.invocationId, highObjUpdate: BigInt(parsed.obj), reserved: BigInt(parsed.res ?? '0'), highPropUpdate: BigInt(parsed.prop) };
  } catch {
    return null;
  }
}

/** FILETIME (100 ns since 1601) → ISO time; null for 0 ("must change") or out of range. */
export function fileTimeToIso(value: Buffer): string | null {
  if (value.length !== 8) return null;
  const ticks = value.readBigInt64LE(0);
  if (ticks <= 0n) return null;
  const ms = Number((ticks - 116444736000000000n) / 10_000n);
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export class DrsrPasswordSource implements DirectorySource {
  readonly flavor = 'ad' as const;
  readonly description: string;
  readonly watch?: DirectorySource['watch'];
  private readonly pageSize: number;

  constructor(private readonly options: DrsrPasswordSourceOptions) {
    this.description = `drsr://${options.host} (${options.namingContext}, password hash replication)`;
    this.pageSize = options.pageSize ?? 1000;
    const probe = options.probeChanges;
    if (probe) this.watch = (onChange, onError) => pollForChanges(probe, options.pollIntervalMs ?? 2_000, onChange, onError);
  }

  /** Replicates everything from the start; a password read only (objects come from LDAP). */
  async *readAll(purpose: ReadPurpose): AsyncIterable<DirectoryEntry[]> {
    if (purpose !== 'passwords') throw new Error('the DRSR source serves password reads only');
    yield* this.replicate(null, () => undefined);
  }

  async readChanges(cursor: string | null, purpose: ReadPurpose): Promise<ChangeSet | null> {
    if (purpose !== 'passwords') throw new Error('the DRSR source serves password reads only');
    const from = cursor === null ? null : decodeWatermark(cursor);
    if (cursor !== null && from === null) return null;
    let next: Watermark | null = null;
    const changed = this.replicate(from, (w) => { next = w; });
    return {
      changed,
      departures: () => Promise.resolve({ kind: 'anchors', anchors: [] }),
      // Read by the cycle once `changed` was read to the end: the watermark the last page gave.
      get nextCursor(): string {
        if (!next) throw new Error('the replication has not completed');
        return encodeWatermark(next);
      },
    };
  }

  currentCursor(): Promise<string | null> {
    return Promise.resolve(null);
  }

  // eslint-disable-next-line require-yield
  async *listAnchors(): AsyncIterable<string[]> {
    throw new Error('the DRSR source does not list anchors; the LDAP source does');
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async *replicate(from: Watermark | null, onDone: (watermark: Watermark) => void): AsyncIterable<DirectoryEntry[]> {
    const session = await DrsrSession.open(this.options);
    try {
      let watermark: Watermark | null = null;
      for await (const page of session.replicate(this.options.namingContext, from, ATTRIBUTES, this.pageSize)) {
        watermark = page.watermark;
        const entries: DirectoryEntry[] = [];
        for (const object of page.reply.objects) {
          const entry = toEntry(object, session.sessionKey);
          if (entry) entries.push(entry);
        }
        if (entries.length) yield entries;
      }
      onDone(watermark!);
    } catch (error) {
      throw replicationError(error, 'rpc', this.options.host);
    } finally {
      await session.close();
    }
  }
}

/**
 * An entry for the password cycle: objectGUID (the anchor), the NT hash in hex under unicodePwd
 * (held only until the cycle fingerprints it), pwdLastSet as the time of the change.
 */
function toEntry(object: ReplicatedObject, sessionKey: Buffer): DirectoryEntry | null {
  const encrypted = object.attributes.get(ATTRIBUTE_OIDS.unicodePwd)?.[0];
  const rid = ridOf(object.name.sid);
  if (!encrypted || rid === null) return null;
  const attributes: Record<string, string[]> = {
    objectguid: [objectGuidToString(object.name.guid)],
    unicodepwd: [ntHashFromUnicodePwd(sessionKey, encrypted, rid).toString('hex')],
  };
  const pwdLastSet = object.attributes.get(ATTRIBUTE_OIDS.pwdLastSet)?.[0];
  const changedAt = pwdLastSet ? fileTimeToIso(pwdLastSet) : null;
  if (changedAt) attributes.pwdlastset = [changedAt];
  return { dn: object.name.dn, attributes };
}

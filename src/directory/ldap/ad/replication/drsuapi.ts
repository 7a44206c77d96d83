/**
 * DRSUAPI messages (MS-DRSR): IDL_DRSBind (4.1.3), IDL_DRSUnbind (4.1.25) and
 * IDL_DRSGetNCChanges (4.1.10) with request version 8 and reply version 6, in NDR.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-drsr/
 *
 * The reply is read field by field with bounds checks; pointees follow their embedding structure
 * in pointer order (C706 14.3.12.3), so a REPLENTINFLIST chain arrives as every element's scalars
 * first (each `pNextEntInf` pointee right after its holder), then the elements' own pointees from
 * the last element back to the first.
 */
import { guidBytes, NdrError, NdrReader, NdrWriter, NULL_GUID } from './ndr.js';
import { makeAttid, oidFromAttid, schemaInfoEntry, type PrefixEntry } from './prefix-table.js';
import type { Interface } from './rpc-connection.js';

export const DRSUAPI_INTERFACE: Interface = { uuid: 'e3514235-4b06-11d1-ab04-00c04fc2dcd2', major: 4, minor: 0 };
export const OPNUM = { bind: 0, unbind: 1, getNCChanges: 3 } as const;

/** NTDSAPI_CLIENT_GUID (MS-DRSR 4.1.3.2): what a client that is not a DC passes as puuidClientDsa. */
const NTDSAPI_CLIENT_GUID = guidBytes('e24d201a-4fd6-11d1-a3da-0000f875ae0d');

// DRS_EXTENSIONS_INT dwFlags (MS-DRSR 5.39).
const DRS_EXT_BASE = 0x00000001;
const DRS_EXT_STRONG_ENCRYPTION = 0x00008000;
const DRS_EXT_GETCHGREQ_V6 = 0x00400000;
const DRS_EXT_NONDOMAIN_NCS = 0x00800000;
const DRS_EXT_GETCHGREQ_V8 = 0x01000000;
const DRS_EXT_GETCHGREPLY_V6 = 0x04000000;

// DRS_OPTIONS (MS-DRSR 5.41).
export const DRS_WRIT_REP = 0x00000010;
export const DRS_INIT_SYNC = 0x00000020;
export const DRS_GET_ANC = 0x00000800;
export const EXOP_NONE = 0;

/** WERRORs MS-DRSR answers with (MS-ERREF 2.2). */
export const WERROR = { ok: 0, invalidParameter: 0x57, draAccessDenied: 0x2105, draBadDn: 0x20f7 } as const;

/** The attributes a password sync replicates (MS-ADA3 OIDs). */
export const ATTRIBUTE_OIDS = {
  unicodePwd: '1.2.840.113556.1.4.90',
  pwdLastSet: '1.2.840.113556.1.4.96',
  userAccountControl: '1.2.840.113556.1.4.8',
} as const;
export type ReplicatedAttribute = keyof typeof ATTRIBUTE_OIDS;

const MAX_DN_CHARS = 32_767;

// ---------------------------------------------------------------- DRSBind / DRSUnbind

export function drsBindRequest(replEpoch = 0): Buffer {
  const ext = Buffer.alloc(48);
  ext.writeUInt32LE((DRS_EXT_BASE | DRS_EXT_GETCHGREQ_V6 | DRS_EXT_GETCHGREPLY_V6 | DRS_EXT_GETCHGREQ_V8 | DRS_EXT_STRONG_ENCRYPTION | DRS_EXT_NONDOMAIN_NCS) >>> 0, 0);
  ext.writeUInt32LE(replEpoch >>> 0, 24); // dwFlags(4) SiteObjGuid(16) Pid(4) dwReplEpoch
  const w = new NdrWriter();
  w.pointer(true);
  w.guid(NTDSAPI_CLIENT_GUID);
  w.pointer(true);
  w.u32(ext.length); // conformance of rgb
  w.u32(ext.length); // cb
  w.bytes(ext);
  return w.toBuffer();
}

export interface DrsBindReply {
  handle: Buffer;
  serverReplEpoch: number;
  serverFlags: number;
  status: number;
}

export function parseDrsBindReply(stub: Buffer): DrsBindReply {
  const r = new NdrReader(stub);
  let serverReplEpoch = 0;
  let serverFlags = 0;
  if (r.pointer() !== 0) {
    const max = r.count(1, 'DRS_EXTENSIONS');
    const cb = r.u32();
    if (cb !== max) throw new NdrError(`DRS_EXTENSIONS cb ${cb} differs from its conformance ${max}`);
    const rgb = r.bytes(cb, 'DRS_EXTENSIONS');
    if (cb >= 4) serverFlags = rgb.readUInt32LE(0);
    if (cb >= 28) serverReplEpoch = rgb.readUInt32LE(24);
  }
  r.align(4);
  const handle = Buffer.from(r.bytes(20, 'DRS_HANDLE'));
  const status = r.u32();
  r.end('IDL_DRSBind reply');
  return { handle, serverReplEpoch, serverFlags, status };
}

export function drsUnbindRequest(handle: Buffer): Buffer {
  return Buffer.from(handle);
}

// ---------------------------------------------------------------- GetNCChanges request

/**
 * USN_VECTOR (MS-DRSR 5.212). Within a cycle the DC fills usnHighObjUpdate with the last USN sent
 * and may use usnReserved too (Samba bumps it on pages of linked values only, where the USN does
 * not move): a follow-up request sends back all three as the reply gave them.
 */
export interface UsnVector {
  highObjUpdate: bigint;
  reserved: bigint;
  highPropUpdate: bigint;
}

export interface GetNCChangesRequest {
  handle: Buffer;
  /** The naming context: its DN (e.g. DC=ad,DC=test). */
  ncDn: string;
  /** The DC's invocationId from an earlier reply, or the null GUID (MS-DRSR 4.1.10.4.1). */
  invocationId: Buffer;
  /** Our own DSA GUID: a non-DC client passes any stable GUID. */
  destinationDsa: Buffer;
  from: UsnVector;
  maxObjects: number;
  maxBytes: number;
  attributes: readonly ReplicatedAttribute[];
}

function writeDsName(w: NdrWriter, dn: string, guid: Buffer = NULL_GUID): void {
  const chars = Buffer.from(`${dn}\0`, 'utf16le');
  const nameLen = dn.length;
  w.u32(nameLen + 1); // conformance of StringName
  w.u32(56 + chars.length); // structLen: the whole structure, name included (MS-DRSR 5.50)
  w.u32(0); // SidLen
  w.guid(guid);
  w.bytes(Buffer.alloc(28)); // Sid
  w.u32(nameLen);
  w.bytes(chars);
}

export function getNCChangesRequest(req: GetNCChangesRequest): Buffer {
  const table: PrefixEntry[] = [];
  const attids = req.attributes.map((a) => makeAttid(table, ATTRIBUTE_OIDS[a]));
  table.push(schemaInfoEntry());

  const w = new NdrWriter();
  w.bytes(req.handle);
  w.u32(8); // dwInVersion
  w.u32(8); // union discriminant
  w.align(8);
  // DRS_MSG_GETCHGREQ_V8 scalars
  w.guid(req.destinationDsa);
  w.guid(req.invocationId);
  w.pointer(true); // pNC
  w.u64(req.from.highObjUpdate);
  w.u64(req.from.reserved);
  w.u64(req.from.highPropUpdate);
  w.pointer(false); // pUpToDateVecDest
  w.u32(DRS_INIT_SYNC | DRS_WRIT_REP | DRS_GET_ANC);
  w.u32(req.maxObjects);
  w.u32(req.maxBytes);
  w.u32(EXOP_NONE);
  w.u64(0n); // liFsmoInfo
  w.pointer(true); // pPartialAttrSet
  w.pointer(false); // pPartialAttrSetEx1
  w.u32(table.length); // PrefixTableDest.PrefixCount
  w.pointer(true); // PrefixTableDest.pPrefixEntry
  // NDR 2.0 pads no structure at its end (pidl's trailer alignment is NDR64 only): pointees follow at once.
  // pointees, in pointer order
  writeDsName(w, req.ncDn);
  w.align(4);
  w.u32(attids.length); // PARTIAL_ATTR_VECTOR_V1_EXT conformance
  w.u32(1); // dwVersion
  w.u32(0); // dwReserved1
  w.u32(attids.length);
  for (const a of attids) w.u32(a);
  w.u32(table.length); // PrefixTableEntry array conformance
  for (const e of table) {
    w.u32(e.ndx);
    w.u32(e.prefix.length);
    w.pointer(true);
  }
  for (const e of table) w.conformantBytes(e.prefix);
  w.align(4);
  return w.toBuffer();
}

// ---------------------------------------------------------------- GetNCChanges reply

export interface DsName {
  guid: Buffer;
  /** The SID in binary (MS-DTYP 2.4.2.2), empty when the object has none. */
  sid: Buffer;
  dn: string;
}

export interface ReplicatedObject {
  name: DsName;
  /** Values by attribute OID (only what the reply's prefix table resolves). */
  attributes: Map<string, Buffer[]>;
}

export interface GetNCChangesReply {
  invocationId: Buffer;
  /** The naming context's objectGUID (null GUID when the reply names none). */
  ncGuid: Buffer;
  usnvecFrom: UsnVector;
  usnvecTo: UsnVector;
  moreData: boolean;
  objects: ReplicatedObject[];
  /** Linked values (REPLVALINF) in the reply: not read, but they make pages of their own. */
  linkCount: number;
  /** The call's WERROR (non-zero: the objects are empty). */
  status: number;
  drsError: number;
}

function readDsName(r: NdrReader): DsName {
  const max = r.count(2, 'DSNAME');
  r.u32(); // structLen
  const sidLen = r.u32();
  const guid = r.guid();
  const sid = r.bytes(28, 'DSNAME Sid');
  const nameLen = r.u32();
  if (sidLen > 28) throw new NdrError(`DSNAME SidLen ${sidLen} exceeds 28`);
  if (nameLen > max || nameLen > MAX_DN_CHARS) throw new NdrError(`DSNAME NameLen ${nameLen} exceeds its ${max} characters`);
  const chars = r.bytes(max * 2, 'DSNAME StringName');
  return { guid, sid: Buffer.from(sid.subarray(0, sidLen)), dn: chars.subarray(0, nameLen * 2).toString('utf16le') };
}

function readUsnVector(r: NdrReader): UsnVector {
  const highObjUpdate = r.u64();
  const reserved = r.u64();
  const highPropUpdate = r.u64();
  return { highObjUpdate, reserved, highPropUpdate };
}

function skipUpToDateVectorV2(r: NdrReader): void {
  const max = r.count(32, 'UPTODATE_VECTOR_V2_EXT');
  r.align(8);
  r.u32(); // dwVersion
  r.u32();
  const n = r.u32();
  r.u32();
  if (n !== max) throw new NdrError(`cNumCursors ${n} differs from its conformance ${max}`);
  for (let i = 0; i < n; i++) {
    r.align(8);
    r.guid();
    r.u64();
    r.u64();
  }
}

function readPrefixEntries(r: NdrReader, count: number): PrefixEntry[] {
  const max = r.count(12, 'PrefixTableEntry array');
  if (max !== count) throw new NdrError(`PrefixCount ${count} differs from its conformance ${max}`);
  const heads: Array<{ ndx: number; length: number; ptr: number }> = [];
  for (let i = 0; i < max; i++) heads.push({ ndx: r.u32(), length: r.u32(), ptr: r.pointer() });
  return heads.map((h) => {
    if (h.ptr === 0) return { ndx: h.ndx, prefix: Buffer.alloc(0) };
    const bytes = r.conformantBytes('OID prefix');
    if (h.length > bytes.length) throw new NdrError('OID_t length exceeds its elements');
    return { ndx: h.ndx, prefix: bytes.subarray(0, h.length) };
  });
}

interface AttrHead { attrTyp: number; valCount: number; ptr: number }

function readAttrBlock(r: NdrReader, attrCount: number): Array<{ attrTyp: number; values: Buffer[] }> {
  const max = r.count(12, 'ATTR array');
  if (max !== attrCount) throw new NdrError(`attrCount ${attrCount} differs from its conformance ${max}`);
  const heads: AttrHead[] = [];
  for (let i = 0; i < max; i++) heads.push({ attrTyp: r.u32(), valCount: r.u32(), ptr: r.pointer() });
  return heads.map((h) => {
    if (h.ptr === 0) return { attrTyp: h.attrTyp, values: [] };
    const n = r.count(8, 'ATTRVAL array');
    if (n !== h.valCount) throw new NdrError(`valCount ${h.valCount} differs from its conformance ${n}`);
    const vals: Array<{ len: number; ptr: number }> = [];
    for (let i = 0; i < n; i++) vals.push({ len: r.u32(), ptr: r.pointer() });
    const values = vals.map((v) => {
      if (v.ptr === 0) return Buffer.alloc(0);
      const bytes = r.conformantBytes('attribute value');
      if (bytes.length !== v.len) throw new NdrError(`valLen ${v.len} differs from its conformance ${bytes.length}`);
      return bytes;
    });
    return { attrTyp: h.attrTyp, values };
  });
}

function skipPropertyMetaDataVector(r: NdrReader): void {
  const max = r.count(40, 'PROPERTY_META_DATA_EXT_VECTOR');
  r.align(8);
  const n = r.u32();
  if (n !== max) throw new NdrError(`cNumProps ${n} differs from its conformance ${max}`);
  for (let i = 0; i < n; i++) {
    r.align(8);
    r.u32();
    r.u64();
    r.guid();
    r.u64();
  }
}

interface EntryHead { pName: number; attrCount: number; pAttr: number; pParentGuid: number; pMetaData: number }

function readObjectList(r: NdrReader): Array<{ name: DsName | null; attrs: Array<{ attrTyp: number; values: Buffer[] }> }> {
  const heads: EntryHead[] = [];
  for (;;) {
    r.align(4);
    if (r.remaining < 32) throw new NdrError('REPLENTINFLIST truncated');
    const pNext = r.pointer();
    const pName = r.pointer();
    r.u32(); // ulFlags
    const attrCount = r.u32();
    const pAttr = r.pointer();
    r.u32(); // fIsNCPrefix
    const pParentGuid = r.pointer();
    const pMetaData = r.pointer();
    heads.push({ pName, attrCount, pAttr, pParentGuid, pMetaData });
    if (pNext === 0) break;
  }
  const objects: Array<{ name: DsName | null; attrs: Array<{ attrTyp: number; values: Buffer[] }> }> = new Array(heads.length);
  for (let i = heads.length - 1; i >= 0; i--) {
    const h = heads[i]!;
    const name = h.pName ? readDsName(r) : null;
    const attrs = h.pAttr ? readAttrBlock(r, h.attrCount) : [];
    if (h.pParentGuid) r.guid();
    if (h.pMetaData) skipPropertyMetaDataVector(r);
    objects[i] = { name, attrs };
  }
  return objects;
}

function skipLinkedValues(r: NdrReader, count: number): void {
  const max = r.count(56, 'REPLVALINF array');
  if (max !== count) throw new NdrError(`cNumValues ${count} differs from its conformance ${max}`);
  const heads: Array<{ pObject: number; pVal: number }> = [];
  for (let i = 0; i < max; i++) {
    r.align(8);
    const pObject = r.pointer();
    r.u32(); // attrTyp
    r.u32(); // valLen
    const pVal = r.pointer();
    r.u32(); // fIsPresent
    r.u64(); // timeCreated
    r.u32(); // dwVersion
    r.u64(); // timeChanged
    r.guid();
    r.u64();
    heads.push({ pObject, pVal });
  }
  for (const h of heads) {
    if (h.pObject) readDsName(r);
    if (h.pVal) r.conformantBytes('linked value');
  }
}

export function parseGetNCChangesReply(stub: Buffer): GetNCChangesReply {
  if (stub.length < 4) throw new NdrError('IDL_DRSGetNCChanges reply too short');
  const r = new NdrReader(stub);
  const version = r.u32();
  const tag = r.u32();
  if (version !== tag) throw new NdrError(`reply version ${version} differs from the union tag ${tag}`);
  if (version !== 6) {
    // A failed call may answer with any version and nothing in it: the status is the last word.
    const status = stub.readUInt32LE(stub.length - 4);
    const zero = { highObjUpdate: 0n, reserved: 0n, highPropUpdate: 0n };
    if (status !== 0) return { invocationId: NULL_GUID, ncGuid: NULL_GUID, usnvecFrom: zero, usnvecTo: zero, moreData: false, objects: [], linkCount: 0, status, drsError: status };
    throw new NdrError(`reply version ${version}; only version 6 is supported`);
  }
  r.align(8);
  r.guid(); // uuidDsaObjSrc
  const invocationId = r.guid();
  const pNC = r.pointer();
  r.align(8);
  const usnvecFrom = readUsnVector(r);
  const usnvecTo = readUsnVector(r);
  const pUpToDate = r.pointer();
  const prefixCount = r.u32();
  const pPrefix = r.pointer();
  r.u32(); // ulExtendedRet
  const cNumObjects = r.u32();
  r.u32(); // cNumBytes
  const pObjects = r.pointer();
  const moreData = r.u32() !== 0;
  r.u32(); // cNumNcSizeObjects
  r.u32(); // cNumNcSizeValues
  const cNumValues = r.u32();
  const pValues = r.pointer();
  const drsError = r.u32();

  const ncGuid = pNC ? readDsName(r).guid : NULL_GUID;
  if (pUpToDate) skipUpToDateVectorV2(r);
  const table = pPrefix ? readPrefixEntries(r, prefixCount) : [];
  const raw = pObjects ? readObjectList(r) : [];
  if (raw.length !== cNumObjects) throw new NdrError(`cNumObjects ${cNumObjects} but ${raw.length} objects in the list`);
  if (pValues) skipLinkedValues(r, cNumValues);
  r.align(4);
  const status = r.u32();
  r.end('IDL_DRSGetNCChanges reply');

  const objects: ReplicatedObject[] = [];
  for (const o of raw) {
    if (!o.name) continue;
    const attributes = new Map<string, Buffer[]>();
    for (const a of o.attrs) {
      const oid = oidFromAttid(table, a.attrTyp);
      if (oid) attributes.set(oid, a.values);
    }
    objects.push({ name: o.name, attributes });
  }
  return { invocationId, ncGuid, usnvecFrom, usnvecTo, moreData, objects, linkCount: pValues ? cNumValues : 0, status, drsError };
}

/** The RID: the last sub-authority of a binary SID (MS-DTYP 2.4.2.2), or null without one. */
export function ridOf(sid: Buffer): number | null {
  if (sid.length < 12) return null;
  const count = sid[1]!;
  if (sid.length !== 8 + 4 * count || count === 0) return null;
  return sid.readUInt32LE(8 + 4 * (count - 1));
}

/**
 * The endpoint mapper's ept_map (C706 appendix O / MS-RPCE 2.2.1.2.5 towers): asks TCP 135 which
 * port serves an interface over ncacn_ip_tcp. Unauthenticated, as Windows and Samba allow.
 */
import { guidBytes, NdrError, NdrReader, NdrWriter, NULL_GUID } from './ndr.js';
import { NDR_TRANSFER_SYNTAX } from './rpc-pdu.js';
import { RpcConnection, type ConnectOptions, type Interface } from './rpc-connection.js';

export const EPM_INTERFACE: Interface = { uuid: 'e1af8308-5d1f-11c9-91a4-08002b14a0fa', major: 3, minor: 0 };
export const EPM_PORT = 135;
const EPT_MAP_OPNUM = 3;
const FLOOR_UUID = 0x0d;
const FLOOR_RPC_CO = 0x0b;
const FLOOR_TCP = 0x07;
const FLOOR_IP = 0x09;

type Floor = { lhs: Buffer; rhs: Buffer };

function u16le(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
}

function uuidFloor(uuid: string, major: number, minor: number): Floor {
  return { lhs: Buffer.concat([Buffer.from([FLOOR_UUID]), guidBytes(uuid), u16le(major)]), rhs: u16le(minor) };
}

export function encodeTower(floors: Floor[]): Buffer {
  const parts: Buffer[] = [u16le(floors.length)];
  for (const f of floors) parts.push(u16le(f.lhs.length), f.lhs, u16le(f.rhs.length), f.rhs);
  return Buffer.concat(parts);
}

export function decodeTower(tower: Buffer): Floor[] {
  const r = new NdrReader(tower);
  const count = readLength(r);
  if (count * 4 > r.remaining) throw new NdrError(`a tower of ${count} floors in ${r.remaining} bytes`);
  const floors: Floor[] = [];
  for (let i = 0; i < count; i++) {
    const lhsLength = readLength(r);
    const l = r.bytes(lhsLength, 'floor lhs');
    const rhsLength = readLength(r);
    floors.push({ lhs: l, rhs: r.bytes(rhsLength, 'floor rhs') });
  }
  return floors;
}

/** Tower lengths are little-endian u16 without NDR alignment. */
function readLength(r: NdrReader): number {
  const b = r.bytes(2, 'floor length');
  return b.readUInt16LE(0);
}

export function eptMapRequest(iface: Interface): Buffer {
  const tower = encodeTower([
    uuidFloor(iface.uuid, iface.major, iface.minor),
    uuidFloor(NDR_TRANSFER_SYNTAX.uuid, NDR_TRANSFER_SYNTAX.major, NDR_TRANSFER_SYNTAX.minor),
    { lhs: Buffer.from([FLOOR_RPC_CO]), rhs: u16le(0) },
    { lhs: Buffer.from([FLOOR_TCP]), rhs: Buffer.alloc(2) },
    { lhs: Buffer.from([FLOOR_IP]), rhs: Buffer.alloc(4) },
  ]);
  const w = new NdrWriter();
  w.pointer(true); // obj: the null UUID
  w.guid(NULL_GUID);
  w.pointer(true); // map_tower
  w.u32(tower.length); // twr_t: conformance, tower_length, octets
  w.u32(tower.length);
  w.bytes(tower);
  w.align(4);
  w.bytes(Buffer.alloc(20)); // entry_handle: a null context handle
  w.u32(4); // max_towers
  return w.toBuffer();
}

/** The TCP ports of the towers ept_map returned (status 0), or [] when the interface is not registered. */
export function parseEptMapResponse(stub: Buffer): number[] {
  const r = new NdrReader(stub);
  r.bytes(20, 'entry_handle');
  const numTowers = r.u32();
  const max = r.count(4, 'towers');
  const offset = r.u32();
  const actual = r.u32();
  if (offset !== 0 || actual > max || actual !== numTowers) throw new NdrError(`inconsistent tower array (max ${max}, offset ${offset}, actual ${actual}, num ${numTowers})`);
  const referents: number[] = [];
  for (let i = 0; i < actual; i++) referents.push(r.pointer());
  const ports: number[] = [];
  for (const referent of referents) {
    if (referent === 0) continue;
    const length = r.count(1, 'tower');
    const towerLength = r.u32();
    if (towerLength !== length) throw new NdrError('tower_length differs from its conformance');
    const floors = decodeTower(r.bytes(towerLength, 'tower'));
    r.align(4);
    const tcp = floors.find((f) => f.lhs.length === 1 && f.lhs[0] === FLOOR_TCP);
    if (tcp && tcp.rhs.length === 2) ports.push(tcp.rhs.readUInt16BE(0));
  }
  const status = r.u32();
  r.end('ept_map response');
  if (status !== 0) return [];
  return ports;
}

/** Asks the endpoint mapper of `host` for the TCP port of `iface`. */
export async function mapEndpoint(host: string, iface: Interface, options: Omit<ConnectOptions, 'host' | 'port'> & { port?: number } = {}): Promise<number | null> {
  const conn = await RpcConnection.open({ ...options, host, port: options.port ?? EPM_PORT });
  try {
    await conn.bind(EPM_INTERFACE);
    const ports = parseEptMapResponse(await conn.call(EPT_MAP_OPNUM, eptMapRequest(iface), 'ept_map'));
    return ports[0] ?? null;
  } finally {
    conn.close();
  }
}

/**
 * A real Active Directory domain controller for integration tests and the benchmark: Samba 4 in
 * its AD DC role (`samba -i -M single`, services rpc and ldap only: LDAP, LDAPS, the endpoint
 * mapper on 135 and DRSUAPI), the facts behind each choice in ../shared/notes/active-directory.md.
 *
 * - Provisioned once into a template (os.tmpdir(), keyed by Samba's version and this harness's
 *   layout, guarded by a lock file so parallel test files provision once), copied per DC.
 * - Each DC on its own loopback address 127.77.x.y (Samba's ports are fixed: 389, 636, 135), never
 *   127.0.0.1's, and in its own mount namespace with a tmpfs on /run/samba (several DCs at once).
 * - Writes: bulk through one Python process with Samba's samdb module (straight into the DC's
 *   database, as samba-tool does while the DC runs); single changes over LDAPS as Administrator,
 *   which is how an admin's change reaches a real DC (USNs, DirSync and notifications all see it).
 * - A missing package stops the suite with the command that installs it; never a silent skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, openSync, closeSync, unlinkSync, chmodSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Attribute, Change, Client } from 'ldapts';

import { objectSidToString } from '../../src/directory/ldap/ad/object-guid.js';
import { ntHash } from '../../src/directory/ldap/ad/replication/ntlm.js';
import { makeTestCertificates } from './tls.js';

const SAMBA = '/usr/sbin/samba';
const SAMBA_TOOL = '/usr/bin/samba-tool';
// Debian's Python: the samba module is installed for it, not for whatever python3 is first on PATH.
const PYTHON = '/usr/bin/python3';
const INSTALL_HINT =
  'Samba AD DC is not installed: run `DEBIAN_FRONTEND=noninteractive apt-get install -y samba samba-ad-provision samba-dsdb-modules ldap-utils` (or `bash scripts/test-env.sh` as root)';
/** Bump when the template's provisioning changes, so an older template in os.tmpdir() is not reused. */
const TEMPLATE_LAYOUT = 1;

export const REALM = 'AD.TEST';
export const NETBIOS_DOMAIN = 'AD';
export const BASE_DN = 'DC=ad,DC=test';
export const USERS_DN = `CN=Users,${BASE_DN}`;
/** The Administrator's password in every test DC (a throwaway domain on loopback; never logged). */
const ADMIN_PASSWORD = 'Adm1n-Pass-For-Tests!';

/** Replicating Directory Changes and Replicating Directory Changes All (MS-ADTS 5.1.3.2.1, control access rights). */
export const DS_REPLICATION_GET_CHANGES = '1131f6aa-9c07-11d1-f79f-00c04fc2dcd2';
export const DS_REPLICATION_GET_CHANGES_ALL = '1131f6ad-9c07-11d1-f79f-00c04fc2dcd2';

export interface NewUser {
  /** sAMAccountName and CN. */
  name: string;
  /** Set through the DC (hashes computed); without one the account is created with PASSWD_NOTREQD and no password (fast bulk). */
  password?: string;
  /** DN of the container; default CN=Users. */
  parentDn?: string;
  givenName?: string;
  sn?: string;
  mail?: string;
  /** Default name@ad.test; null for none (bulk loads: Samba checks a UPN's uniqueness by a scan per add). */
  userPrincipalName?: string | null;
  proxyAddresses?: string[];
  disabled?: boolean;
  /** accountExpires as a Windows FILETIME (100 ns since 1601); see `fileTime`. */
  accountExpires?: bigint;
  /** Any other attributes, as strings. */
  attributes?: Record<string, string[]>;
}

export interface NewGroup {
  name: string;
  parentDn?: string;
  /** Member DNs (users or groups). */
  members?: string[];
  mail?: string;
}

export interface SyncAccount {
  dn: string;
  /** name@AD.TEST, a bind name AD accepts as well as the DN. */
  userPrincipalName: string;
  name: string;
  password: string;
}

export interface SambaDc {
  /** The DC's own loopback address (127.77.x.y). */
  address: string;
  ldapUrl: string;
  ldapsUrl: string;
  /** PEM of the CA that signed the DC's certificate (subjectAltName: the DC's address). */
  caFile: string;
  realm: string;
  baseDn: string;
  usersDn: string;
  adminDn: string;
  adminPassword: string;
  dir: string;
  confFile: string;
  /** The DC's sam.ldb (for samba-tool -H). */
  samLdb: string;
  /** One Python process: every record added, passwords set, in one transaction. Returns the DNs. */
  createUsers(users: NewUser[]): string[];
  /**
   * Bulk load for the benchmark: each user's NT hash (MD4 of UTF-16LE) is computed here and stored
   * as the DC stores a replicated one, bypassing Samba's password_hash module (which derives
   * Kerberos keys at 30-40 ms a user); no Kerberos keys, so only NTLM and DRSR see these passwords.
   * A user without a password gets none (PASSWD_NOTREQD): bulk group members for tests.
   */
  loadUsers(users: NewUser[]): Promise<string[]>;
  createGroups(groups: NewGroup[]): string[];
  createOu(name: string, parentDn?: string): string;
  /** A plain domain user with no extra rights: what README's least-privilege sync account is. */
  createSyncAccount(name?: string): SyncAccount;
  /** Grants Replicating Directory Changes (and, with `all`, … All) on the domain root to an account. */
  grantReplicationRights(accountDn: string, options?: { all?: boolean }): Promise<void>;
  /**
   * Grants List Contents and Read Property on CN=Deleted Objects (what reading tombstones needs).
   * samba-tool dsacl cannot find that container (it searches without the show-deleted control), so
   * this is the same change made through Samba's samdb module with show_deleted set.
   */
  grantDeletedObjectsRead(accountDn: string): Promise<void>;
  /** Adds ACEs (SDDL) to an object's DACL, `(A;;LCRP;;;{SID})`, or replaces its DACL with a whole descriptor (`O:DAG:DAD:P...`); {SID} is the account's SID. */
  addAces(objectDn: string, accountDn: string, sddl: string): Promise<void>;
  /** The account's objectSid as S-1-5-21-... */
  sidOf(dn: string): Promise<string>;
  /** A samba-tool command against this DC's database, e.g. ['user', 'disable', 'alice']. */
  sambaTool(args: string[]): string;
  /** An LDAP client bound as Administrator over LDAPS (one per DC, kept open until stop). */
  admin(): Promise<Client>;
  modify(dn: string, changes: Array<{ operation: 'add' | 'replace' | 'delete'; type: string; values: Array<string | Buffer> }>): Promise<void>;
  setPassword(dn: string, password: string): Promise<void>;
  disable(dn: string): Promise<void>;
  enable(dn: string): Promise<void>;
  deleteEntry(dn: string): Promise<void>;
  /** Renames and/or moves an entry (modifyDN); returns the new DN. */
  move(dn: string, newRdn: string, newParentDn?: string): Promise<string>;
  addMembers(groupDn: string, memberDns: string[]): Promise<void>;
  removeMembers(groupDn: string, memberDns: string[]): Promise<void>;
  /** The rootDSE's highestCommittedUSN now. */
  highestCommittedUsn(): Promise<bigint>;
  /** Stops the DC but keeps its data (an outage); `resume()` starts it again. */
  halt(): Promise<void>;
  resume(): Promise<void>;
  /** Stops the DC and removes its folder. */
  stop(): Promise<void>;
}

/** A Windows FILETIME (100 ns intervals since 1601-01-01 UTC), the unit of accountExpires and pwdLastSet. */
export function fileTime(date: Date): bigint {
  return (BigInt(date.getTime()) + 11_644_473_600_000n) * 10_000n;
}

/** Throws with the install command when the Samba AD DC packages are not there. */
export function requireSamba(): void {
  const missing = [SAMBA, SAMBA_TOOL, PYTHON].filter((p) => !existsSync(p));
  if (missing.length === 0) {
    const probe = spawnSync(PYTHON, ['-c', 'import samba.samdb, samba.provision'], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (probe.status === 0) return;
    missing.push(`python3 samba modules (${probe.stderr.toString().trim().split('\n').pop() ?? ''})`);
  }
  if (!existsSync('/usr/bin/unshare')) missing.push('/usr/bin/unshare (util-linux)');
  throw new Error(`${INSTALL_HINT}. Missing: ${missing.join(', ')}`);
}

function sambaVersion(): string {
  const out = spawnSync(SAMBA, ['-V'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return out.stdout.toString().trim().replace(/[^A-Za-z0-9.]+/g, '-');
}

function runTool(command: string, args: string[], input?: string): string {
  const out = spawnSync(command, args, { input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) {
    const detail = (out.stderr?.toString().trim() || out.stdout?.toString().trim() || String(out.error ?? '')).split('\n').slice(-8).join('\n');
    throw new Error(`${command} ${args.slice(0, 3).join(' ')} failed: ${detail}`);
  }
  return out.stdout.toString();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The provisioned template, made once per machine and Samba version (5-10 s). Parallel test files
 * wait on a lock file; a lock left by a dead process is taken over.
 */
async function template(): Promise<string> {
  const dir = join(tmpdir(), `dirbridge-samba-template-${sambaVersion()}-v${TEMPLATE_LAYOUT}`);
  const ready = join(dir, 'READY');
  const lock = `${dir}.lock`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (existsSync(ready)) return dir;
    let fd: number | undefined;
    try {
      fd = openSync(lock, 'wx');
    } catch {
      const holder = Number(readFileSync(lock, 'utf8').trim() || '0');
      const age = Date.now() - statSync(lock).mtimeMs;
      if ((holder > 0 && !pidAlive(holder)) || age > 120_000) unlinkSync(lock);
      else if (Date.now() > deadline) throw new Error(`Waited 120 s for another process to provision the Samba template (${lock})`);
      await sleep(200);
      continue;
    }
    try {
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      if (!existsSync(ready)) provision(dir);
      writeFileSync(ready, new Date().toISOString());
      return dir;
    } finally {
      rmSync(lock, { force: true });
    }
  }
}

function provision(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // An empty config: otherwise provisioning merges /etc/samba/smb.conf into the new one.
  const empty = join(dir, 'empty.conf');
  writeFileSync(empty, '');
  runTool(SAMBA_TOOL, [
    'domain',
    'provision',
    '-s',
    empty,
    `--realm=${REALM}`,
    `--domain=${NETBIOS_DOMAIN}`,
    '--server-role=dc',
    '--dns-backend=NONE',
    '--host-name=DC1',
    '--host-ip=127.0.0.1',
    `--adminpass=${ADMIN_PASSWORD}`,
    `--targetdir=${join(dir, 'dc')}`,
    '--option=interfaces=127.0.0.2/8',
    '--option=bind interfaces only=yes',
  ]);
}

/** Samba's fixed ports on `address` are free (a bind probe: nothing listens there). */
async function portsFree(address: string, ports: number[]): Promise<boolean> {
  for (const port of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, address, () => server.close(() => resolve(true)));
    });
    if (!free) return false;
  }
  return true;
}

async function freeDcAddress(): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const address = `127.77.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
    if (await portsFree(address, [389, 636, 135])) return address;
  }
  throw new Error('No free loopback address 127.77.x.y with ports 389, 636 and 135 free after 50 tries');
}

async function tcpAnswers(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: address, port });
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The rootDSE answers an anonymous search. */
async function rootDseAnswers(url: string): Promise<boolean> {
  const client = new Client({ url, connectTimeout: 1000, timeout: 2000 });
  try {
    const result = await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['highestCommittedUSN'] });
    return result.searchEntries.length === 1;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

function writeConf(dir: string, templateDir: string, address: string, certs: { caFile: string; certFile: string; keyFile: string }): string {
  const confFile = join(dir, 'etc', 'smb.conf');
  // Only smb.conf holds the folder's path: rewrite it, then add what a test DC needs.
  const original = readFileSync(confFile, 'utf8').split(join(templateDir, 'dc')).join(dir);
  const lines = original
    .split('\n')
    .filter((line) => !/^\s*(interfaces|server services|bind interfaces only)\s*=/.test(line))
    .map((line) =>
      line.trim() === '[global]'
        ? [
            '[global]',
            `\tinterfaces = ${address}/8`,
            '\tbind interfaces only = yes',
            '\tserver services = rpc, ldap',
            `\tpid directory = ${join(dir, 'run')}`,
            `\tncalrpc dir = ${join(dir, 'run', 'ncalrpc')}`,
            `\tntp signd socket directory = ${join(dir, 'run', 'ntp_signd')}`,
            '\ttls enabled = yes',
            `\ttls keyfile = ${certs.keyFile}`,
            `\ttls certfile = ${certs.certFile}`,
            `\ttls cafile = ${certs.caFile}`,
            '\tlog level = 1',
          ].join('\n')
        : line,
    );
  writeFileSync(confFile, lines.join('\n'));
  mkdirSync(join(dir, 'run'), { recursive: true });
  return confFile;
}

// Applies a JSON list of operations to the DC's database in one transaction (samba.samdb).
const BULK_SCRIPT = String.raw`
import json, sys, binascii
from samba.samdb import SamDB
from samba.auth import system_session
from samba.param import LoadParm
import ldb
conf, url = sys.argv[1], sys.argv[2]
BYPASS_PASSWORD_HASH = '1.3.6.1.4.1.7165.4.3.12'  # DSDB_CONTROL_BYPASS_PASSWORD_HASH_OID
lp = LoadParm(); lp.load(conf)
db = SamDB(url=url, session_info=system_session(), lp=lp)
ops = json.load(sys.stdin)
db.transaction_start()
try:
    for op in ops:
        if op['op'] == 'add':
            db.add(op['record'])
        elif op['op'] == 'add-with-nt-hash':
            # The NT hash stored as given: Samba's password_hash module is bypassed (its Kerberos
            # key derivation is 30-40 ms a user), as DRS replication into a DC stores it.
            record = dict(op['record'])
            if op.get('ntHash'):
                record['unicodePwd'] = binascii.unhexlify(op['ntHash'])
            db.add(record, controls=['local_oid:%s:0' % BYPASS_PASSWORD_HASH])
        elif op['op'] == 'members':
            m = ldb.Message(ldb.Dn(db, op['dn']))
            m['member'] = ldb.MessageElement(op['members'], ldb.FLAG_MOD_ADD, 'member')
            db.modify(m)
    db.transaction_commit()
except Exception:
    db.transaction_cancel()
    raise
# Passwords after the commit, each in its own transaction (as a password change on a DC), by a
# unicodePwd replace: SamDB.setpassword would also clear ACCOUNTDISABLE (it enables the account).
for op in ops:
    if op['op'] == 'password':
        m = ldb.Message(ldb.Dn(db, op['dn']))
        m['unicodePwd'] = ldb.MessageElement(('"%s"' % op['password']).encode('utf-16-le'), ldb.FLAG_MOD_REPLACE, 'unicodePwd')
        db.modify(m)
`;

// Adds one ACE to the DACL of CN=Deleted Objects (a tombstone container: show_deleted is needed to find it).
const DELETED_OBJECTS_ACE_SCRIPT = String.raw`
import sys
from samba.samdb import SamDB
from samba.auth import system_session
from samba.param import LoadParm
from samba.ndr import ndr_unpack, ndr_pack
from samba.dcerpc import security
import ldb
conf, url, dn, sddl = sys.argv[1:5]
lp = LoadParm(); lp.load(conf)
db = SamDB(url=url, session_info=system_session(), lp=lp)
controls = ['show_deleted:1', 'sd_flags:1:4']
res = db.search(base=dn, scope=ldb.SCOPE_BASE, attrs=['nTSecurityDescriptor'], controls=controls)
desc = ndr_unpack(security.descriptor, res[0]['nTSecurityDescriptor'][0])
domsid = security.dom_sid(db.get_domain_sid())
if sddl.startswith('O:'):
    desc = security.descriptor.from_sddl(sddl, domsid)
else:
    for ace in security.descriptor.from_sddl('D:' + sddl, domsid).dacl.aces:
        desc.dacl_add(ace)
m = ldb.Message(); m.dn = ldb.Dn(db, dn)
m['nTSecurityDescriptor'] = ldb.MessageElement(ndr_pack(desc), ldb.FLAG_MOD_REPLACE, 'nTSecurityDescriptor')
db.modify(m, controls=controls)
`;

const MEMBERS_PER_MODIFY = 1_000;
const UF_ACCOUNTDISABLE = 0x2;
const UF_PASSWD_NOTREQD = 0x20;
const UF_NORMAL_ACCOUNT = 0x200;

function userRecord(u: NewUser, extraFlags: number): { dn: string; record: Record<string, string | string[]> } {
  const dn = `CN=${u.name},${u.parentDn ?? USERS_DN}`;
  const flags = UF_NORMAL_ACCOUNT | extraFlags | (u.disabled ? UF_ACCOUNTDISABLE : 0);
  const record: Record<string, string | string[]> = {
    dn,
    objectClass: 'user',
    sAMAccountName: u.name,
    ...(u.userPrincipalName === null ? {} : { userPrincipalName: u.userPrincipalName ?? `${u.name}@${REALM.toLowerCase()}` }),
    userAccountControl: String(flags),
    ...(u.givenName ? { givenName: u.givenName } : {}),
    ...(u.sn ? { sn: u.sn } : {}),
    ...(u.mail ? { mail: u.mail } : {}),
    ...(u.proxyAddresses ? { proxyAddresses: u.proxyAddresses } : {}),
    ...(u.accountExpires !== undefined ? { accountExpires: u.accountExpires.toString() } : {}),
    ...(u.attributes ?? {}),
  };
  return { dn, record };
}

/** Starts a fresh DC from the template on its own loopback address, ready to answer. */
export async function startSambaDc(): Promise<SambaDc> {
  requireSamba();
  const templateDir = await template();
  const dir = mkdtempSync(join(tmpdir(), 'dirbridge-samba-dc-'));
  cpSync(join(templateDir, 'dc'), dir, { recursive: true });
  const address = await freeDcAddress();
  const tlsDir = join(dir, 'test-tls');
  mkdirSync(tlsDir);
  const certs = makeTestCertificates(tlsDir, 'dirbridge test AD CA', address);
  // Samba refuses a private key others can read.
  chmodSync(certs.keyFile, 0o600);
  const confFile = writeConf(dir, templateDir, address, certs);
  const samLdb = join(dir, 'private', 'sam.ldb');
  const ldapUrl = `ldap://${address}:389`;
  const ldapsUrl = `ldaps://${address}:636`;
  const adminDn = `CN=Administrator,${USERS_DN}`;

  let child: ChildProcess | undefined;
  let log = '';
  let adminClient: Client | undefined;

  const start = async (): Promise<void> => {
    log = '';
    // A private /run/samba per DC (several DCs at once): a mount namespace with a tmpfs there.
    const script = `mkdir -p /run/samba && mount -t tmpfs -o size=16m tmpfs /run/samba && exec ${SAMBA} -s '${confFile}' -i -M single --debug-stdout`;
    const proc = spawn('/usr/bin/unshare', ['-m', '--propagation', 'private', '/bin/sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child = proc;
    const killOnExit = (): void => {
      if (proc.pid) killGroup(proc.pid, 'SIGKILL');
    };
    process.once('exit', killOnExit);
    proc.once('exit', () => process.removeListener('exit', killOnExit));
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-6000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`samba exited with code ${proc.exitCode}: ${log.trim().split('\n').slice(-15).join('\n')}`);
      if ((await tcpAnswers(address, 135)) && (await rootDseAnswers(ldapUrl))) return;
      await sleep(100);
    }
    if (proc.pid) killGroup(proc.pid, 'SIGKILL');
    throw new Error(`The Samba AD DC on ${address} was not ready within 30 s: ${log.trim().split('\n').slice(-15).join('\n')}`);
  };

  const halt = async (): Promise<void> => {
    await adminClient?.unbind().catch(() => undefined);
    adminClient = undefined;
    const proc = child;
    child = undefined;
    if (!proc?.pid || proc.exitCode !== null || proc.signalCode !== null) return;
    const pid = proc.pid;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 8_000);
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      killGroup(pid, 'SIGTERM');
    });
  };

  const admin = async (): Promise<Client> => {
    if (adminClient) return adminClient;
    const client = new Client({ url: ldapsUrl, tlsOptions: { ca: readFileSync(certs.caFile), host: address }, connectTimeout: 5000, timeout: 60_000 });
    await client.bind(adminDn, ADMIN_PASSWORD);
    adminClient = client;
    return client;
  };

  const bulk = (ops: unknown[]): void => {
    runTool(PYTHON, ['-c', BULK_SCRIPT, confFile, samLdb], JSON.stringify(ops));
  };

  const modify: SambaDc['modify'] = async (dn, changes) => {
    const client = await admin();
    await client.modify(
      dn,
      changes.map((c) => new Change({ operation: c.operation, modification: new Attribute({ type: c.type, values: c.values as string[] }) })),
    );
  };

  const uac = async (dn: string, set: number, clear: number): Promise<void> => {
    const client = await admin();
    const { searchEntries } = await client.search(dn, { scope: 'base', attributes: ['userAccountControl'] });
    const current = Number(searchEntries[0]?.['userAccountControl'] ?? UF_NORMAL_ACCOUNT);
    await modify(dn, [{ operation: 'replace', type: 'userAccountControl', values: [String(((current | set) & ~clear) >>> 0)] }]);
  };

  const dc: SambaDc = {
    address,
    ldapUrl,
    ldapsUrl,
    caFile: certs.caFile,
    realm: REALM,
    baseDn: BASE_DN,
    usersDn: USERS_DN,
    adminDn,
    adminPassword: ADMIN_PASSWORD,
    dir,
    confFile,
    samLdb,
    createUsers(users) {
      const ops: unknown[] = [];
      const dns: string[] = [];
      for (const u of users) {
        const { dn, record } = userRecord(u, u.password ? 0 : UF_PASSWD_NOTREQD);
        dns.push(dn);
        ops.push({ op: 'add', record });
        if (u.password) ops.push({ op: 'password', dn, password: u.password });
      }
      bulk(ops);
      return dns;
    },
    async loadUsers(users) {
      const ops: unknown[] = [];
      const dns: string[] = [];
      for (const u of users) {
        // pwdLastSet now (the bypassed module would set it), else the account must change its password at next logon.
        const { dn, record } = userRecord({ ...u, attributes: { pwdLastSet: [fileTime(new Date()).toString()], ...u.attributes } }, u.password ? 0 : UF_PASSWD_NOTREQD);
        dns.push(dn);
        ops.push({ op: 'add-with-nt-hash', record, ...(u.password ? { ntHash: (await ntHash(u.password)).toString('hex') } : {}) });
      }
      bulk(ops);
      return dns;
    },
    createGroups(groups) {
      const ops: unknown[] = [];
      const dns: string[] = [];
      for (const g of groups) {
        const dn = `CN=${g.name},${g.parentDn ?? USERS_DN}`;
        dns.push(dn);
        ops.push({ op: 'add', record: { dn, objectClass: 'group', sAMAccountName: g.name, ...(g.mail ? { mail: g.mail } : {}) } });
        // Members in modifies of at most 1,000 values: few modifies, none of them huge.
        for (let i = 0; i < (g.members?.length ?? 0); i += MEMBERS_PER_MODIFY) ops.push({ op: 'members', dn, members: g.members!.slice(i, i + MEMBERS_PER_MODIFY) });
      }
      bulk(ops);
      return dns;
    },
    createOu(name, parentDn = BASE_DN) {
      const dn = `OU=${name},${parentDn}`;
      bulk([{ op: 'add', record: { dn, objectClass: 'organizationalUnit', ou: name } }]);
      return dn;
    },
    createSyncAccount(name = 'dirbridge-sync') {
      const password = `Sync-${Math.random().toString(36).slice(2, 12)}-Pw1!`;
      const [dn = ''] = dc.createUsers([{ name, password }]);
      return { dn, name, userPrincipalName: `${name}@${REALM}`, password };
    },
    async grantReplicationRights(accountDn, options = {}) {
      const { searchEntries } = await (await admin()).search(accountDn, { scope: 'base', attributes: ['objectSid'], explicitBufferAttributes: ['objectSid'] });
      const sid = objectSidToString(searchEntries[0]?.['objectSid'] as Buffer);
      const aces = [DS_REPLICATION_GET_CHANGES, ...(options.all ? [DS_REPLICATION_GET_CHANGES_ALL] : [])].map((right) => `(OA;;CR;${right};;${sid})`).join('');
      runTool(SAMBA_TOOL, ['dsacl', 'set', '-s', confFile, '-H', samLdb, `--objectdn=${BASE_DN}`, `--sddl=${aces}`]);
    },
    async sidOf(dn) {
      const { searchEntries } = await (await admin()).search(dn, { scope: 'base', attributes: ['objectSid'], explicitBufferAttributes: ['objectSid'] });
      return objectSidToString(searchEntries[0]?.['objectSid'] as Buffer);
    },
    async grantDeletedObjectsRead(accountDn) {
      const sid = await dc.sidOf(accountDn);
      runTool(PYTHON, ['-c', DELETED_OBJECTS_ACE_SCRIPT, confFile, samLdb, `CN=Deleted Objects,${BASE_DN}`, `(A;;LCRP;;;${sid})`]);
    },
    async addAces(objectDn, accountDn, sddl) {
      const sid = await dc.sidOf(accountDn);
      runTool(PYTHON, ['-c', DELETED_OBJECTS_ACE_SCRIPT, confFile, samLdb, objectDn, sddl.split('{SID}').join(sid)]);
    },
    sambaTool(args) {
      return runTool(SAMBA_TOOL, [...args, '-s', confFile, '-H', samLdb]);
    },
    admin,
    modify,
    async setPassword(dn, password) {
      // unicodePwd: the password in double quotes, UTF-16LE (MS-ADTS 3.1.1.3.1.5.1); over LDAPS only.
      await modify(dn, [{ operation: 'replace', type: 'unicodePwd', values: [Buffer.from(`"${password}"`, 'utf16le')] }]);
    },
    disable: (dn) => uac(dn, UF_ACCOUNTDISABLE, 0),
    enable: (dn) => uac(dn, 0, UF_ACCOUNTDISABLE),
    async deleteEntry(dn) {
      await (await admin()).del(dn);
    },
    async move(dn, newRdn, newParentDn) {
      const parent = newParentDn ?? dn.slice(dn.indexOf(',') + 1);
      const newDn = `${newRdn},${parent}`;
      await (await admin()).modifyDN(dn, newDn);
      return newDn;
    },
    async addMembers(groupDn, memberDns) {
      await modify(groupDn, [{ operation: 'add', type: 'member', values: memberDns }]);
    },
    async removeMembers(groupDn, memberDns) {
      await modify(groupDn, [{ operation: 'delete', type: 'member', values: memberDns }]);
    },
    async highestCommittedUsn() {
      const { searchEntries } = await (await admin()).search('', { scope: 'base', attributes: ['highestCommittedUSN'] });
      return BigInt(String(searchEntries[0]?.['highestCommittedUSN'] ?? '0'));
    },
    halt,
    resume: start,
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return dc;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

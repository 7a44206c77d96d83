/**
 * A private OpenLDAP server for integration tests and the benchmark: Debian's `slapd` run as a
 * child process from a temporary folder (mdb, syncprov, the password-hash modules), on free
 * loopback ports. Initial data is loaded offline with `slapadd -q` (fast even for 100,000
 * entries); online changes go through `ldapadd` / `ldapmodify` / `ldapdelete`.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, run, serverProcess } from './local-server.js';
import { makeTestCertificates } from './tls.js';

const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const INSTALL_HINT = 'slapd is not installed: run `DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils slapd-contrib`';

export interface SlapdOptions {
  /** Default dc=example,dc=test. */
  suffix?: string;
  /** Also listen on ldaps:// and offer StartTLS, with a throwaway CA (see tls.ts). */
  tls?: boolean;
  /** Server size limit for non-root searches (paged results may go beyond it). Default unlimited. */
  sizeLimit?: number;
  /** LDIF loaded offline before start (in addition to the suffix entry and the sync account). */
  ldif?: string;
  /** Same, from a file (for large loads such as the 100,000-entry benchmark). */
  ldifFile?: string;
  /** Restrict userPassword to self, auth and the sync account (default true). */
  accessRules?: boolean;
  /** With accessRules: whether the sync account may read userPassword (default true); false hides it as a careless ACL would. */
  syncAccountReadsPasswords?: boolean;
  /** More schema (slapd.conf attributetype / objectclass lines), e.g. an AD-shaped subset. */
  extraSchema?: string;
  /** Load the syncprov overlay (RFC 4533, contextCSN). Default true. */
  syncprov?: boolean;
  /** Keep syncprov's session log (refreshOnly deletes without a present phase). Default true. */
  sessionlog?: boolean;
  /** Load the ppolicy overlay, which defines pwdAccountLockedTime (an administrative lock). Default false. */
  ppolicy?: boolean;
  /**
   * Multi-provider replication (slapd 2.5 `multiprovider on`): this server's id, its port (known
   * before start, so two servers can name each other) and the providers it replicates from, as
   * the rootdn. A server with `providers` and `empty` starts with no entries and gets them all by syncrepl.
   */
  multiProvider?: { serverId: number; port: number; providers: string[]; empty?: boolean };
}

export interface Slapd {
  url: string;
  ldapsUrl?: string;
  /** PEM file of the CA that signed the server certificate (with `tls`). */
  caFile?: string;
  suffix: string;
  rootDn: string;
  rootPw: string;
  /** A non-root account that may read everything, userPassword included (what dirbridge binds as). */
  syncDn: string;
  syncPw: string;
  dir: string;
  add(ldif: string): void;
  modify(ldif: string): void;
  delete(dn: string): void;
  stop(): Promise<void>;
  /** Stops and starts the server again on the same ports with the same data. */
  restart(): Promise<void>;
  /** Stops the server but keeps its data, so `resume()` brings it back (a server outage). */
  halt(): Promise<void>;
  resume(): Promise<void>;
}

function topRdn(suffix: string): { attr: string; value: string } {
  const first = suffix.split(',')[0] ?? '';
  const [attr = 'dc', value = ''] = first.split('=');
  return { attr: attr.trim().toLowerCase(), value: value.trim() };
}

function baseLdif(suffix: string, syncDn: string, syncPw: string): string {
  const top = topRdn(suffix);
  const suffixEntry =
    top.attr === 'dc'
      ? `dn: ${suffix}\nobjectClass: dcObject\nobjectClass: organization\ndc: ${top.value}\no: ${top.value}\n`
      : `dn: ${suffix}\nobjectClass: organization\no: ${top.value}\n`;
  const syncCn = syncDn.split(',')[0]?.split('=')[1] ?? 'dirbridge-sync';
  return `${suffixEntry}\ndn: ${syncDn}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: ${syncCn}\nuserPassword: ${syncPw}\n\n`;
}

// The Samba schema is not shipped with slapd on Debian; this is the subset dirbridge reads, with the
// OIDs and syntaxes of samba.schema (https://github.com/samba-team/samba/blob/master/examples/LDAP/samba.schema).
const SAMBA_SUBSET_SCHEMA = `attributetype ( 1.3.6.1.4.1.7165.2.1.24 NAME 'sambaLMPassword'
  EQUALITY caseIgnoreIA5Match SYNTAX 1.3.6.1.4.1.1466.115.121.1.26{32} SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.7165.2.1.25 NAME 'sambaNTPassword'
  EQUALITY caseIgnoreIA5Match SYNTAX 1.3.6.1.4.1.1466.115.121.1.26{32} SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.7165.2.1.20 NAME 'sambaSID'
  EQUALITY caseIgnoreIA5Match SUBSTR caseExactIA5SubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.26{64} SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.7165.2.2.6 NAME 'sambaSamAccount' SUP top AUXILIARY
  MUST ( uid $ sambaSID ) MAY ( sambaLMPassword $ sambaNTPassword ) )
`;

function config(o: {
  dir: string;
  suffix: string;
  rootDn: string;
  rootPw: string;
  syncDn: string;
  sizeLimit?: number;
  accessRules: boolean;
  syncAccountReadsPasswords?: boolean | undefined;
  extraSchema: boolean;
  syncprov: boolean;
  sessionlog: boolean;
  ppolicy: boolean;
  certs?: { caFile: string; certFile: string; keyFile: string };
  multiProvider?: SlapdOptions['multiProvider'];
}): string {
  // Comments stay on their own lines: slapd rejects trailing comments after some directives.
  const lines = [
    'include /etc/ldap/schema/core.schema',
    'include /etc/ldap/schema/cosine.schema',
    'include /etc/ldap/schema/inetorgperson.schema',
    'include /etc/ldap/schema/nis.schema',
    `include ${join(o.dir, 'samba-subset.schema')}`,
    ...(o.extraSchema ? [`include ${join(o.dir, 'extra.schema')}`] : []),
    `pidfile ${join(o.dir, 'slapd.pid')}`,
    `argsfile ${join(o.dir, 'slapd.args')}`,
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'moduleload syncprov',
    'moduleload pw-sha2',
    'moduleload pw-pbkdf2',
    'moduleload argon2',
    ...(o.ppolicy ? ['moduleload ppolicy'] : []),
    // Paged results may go beyond the size limit, as on a real server that allows paging.
    o.sizeLimit === undefined ? 'sizelimit unlimited' : `sizelimit size.soft=${o.sizeLimit} size.hard=${o.sizeLimit} size.prtotal=unlimited`,
    ...(o.multiProvider ? [`serverID ${o.multiProvider.serverId}`] : []),
    ...(o.certs ? [`TLSCACertificateFile ${o.certs.caFile}`, `TLSCertificateFile ${o.certs.certFile}`, `TLSCertificateKeyFile ${o.certs.keyFile}`] : []),
    'database mdb',
    `suffix "${o.suffix}"`,
    `rootdn "${o.rootDn}"`,
    `rootpw ${o.rootPw}`,
    `directory ${join(o.dir, 'db')}`,
    'maxsize 4294967296',
    'index objectClass,entryCSN,entryUUID eq',
    'index modifyTimestamp eq',
    'index uid,member,uniqueMember,memberUid eq',
    ...(o.accessRules
      ? [
          `access to attrs=userPassword,sambaNTPassword by self write by anonymous auth${o.syncAccountReadsPasswords === false ? '' : ` by dn.exact="${o.syncDn}" read`} by * none`,
          'access to * by * read',
        ]
      : []),
    ...(o.ppolicy ? ['overlay ppolicy'] : []),
    ...(o.multiProvider
      ? [
          ...o.multiProvider.providers.map(
            (provider, i) =>
              `syncrepl rid=${String(100 * o.multiProvider!.serverId + i + 1).padStart(3, '0')} provider=${provider} bindmethod=simple binddn="${o.rootDn}" credentials=${o.rootPw} searchbase="${o.suffix}" type=refreshAndPersist retry="1 +" timeout=1`,
          ),
          'multiprovider on',
        ]
      : []),
    ...(o.syncprov ? ['overlay syncprov', 'syncprov-checkpoint 1000 60', ...(o.sessionlog ? ['syncprov-sessionlog 10000'] : [])] : []),
    '',
  ];
  return lines.join('\n');
}

export async function startSlapd(options: SlapdOptions = {}): Promise<Slapd> {
  if (!existsSync(SLAPD) || !existsSync(SLAPADD)) throw new Error(INSTALL_HINT);

  const suffix = options.suffix ?? 'dc=example,dc=test';
  const rootDn = `cn=admin,${suffix}`;
  const rootPw = 'root-test-secret';
  const syncDn = `cn=dirbridge-sync,${suffix}`;
  const syncPw = 'sync-test-secret';
  const dir = mkdtempSync(join(tmpdir(), 'dirbridge-slapd-'));
  mkdirSync(join(dir, 'db'));
  const certs = options.tls ? makeTestCertificates(dir) : undefined;
  writeFileSync(join(dir, 'samba-subset.schema'), SAMBA_SUBSET_SCHEMA);
  if (options.extraSchema) writeFileSync(join(dir, 'extra.schema'), options.extraSchema);
  const confFile = join(dir, 'slapd.conf');
  writeFileSync(confFile, config({ dir, suffix, rootDn, rootPw, syncDn, sizeLimit: options.sizeLimit, accessRules: options.accessRules !== false, syncAccountReadsPasswords: options.syncAccountReadsPasswords, extraSchema: !!options.extraSchema, syncprov: options.syncprov !== false, sessionlog: options.sessionlog !== false, ppolicy: options.ppolicy === true, certs, multiProvider: options.multiProvider }));
  const rootPwFile = join(dir, 'rootpw');
  writeFileSync(rootPwFile, rootPw, { mode: 0o600 });

  // -q: no consistency checks (30x faster); -w: write the contextCSN the syncprov overlay keeps;
  // -S: the server id in the CSNs written (multi-provider).
  const slapaddFlags = [...(options.syncprov === false ? ['-q'] : ['-q', '-w']), ...(options.multiProvider ? ['-S', String(options.multiProvider.serverId)] : [])];
  if (!options.multiProvider?.empty) {
    const initial = join(dir, 'initial.ldif');
    writeFileSync(initial, `${baseLdif(suffix, syncDn, syncPw)}${options.ldif ?? ''}\n`);
    run(SLAPADD, [...slapaddFlags, '-f', confFile, '-b', suffix, '-l', initial]);
    rmSync(initial);
    if (options.ldifFile) run(SLAPADD, [...slapaddFlags, '-f', confFile, '-b', suffix, '-l', options.ldifFile]);
  }

  const port = options.multiProvider?.port ?? (await freePort());
  const tlsPort = certs ? await freePort() : undefined;
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = tlsPort ? `ldaps://127.0.0.1:${tlsPort}` : undefined;
  const listen = [`${url}/`, ...(ldapsUrl ? [`${ldapsUrl}/`] : [])].join(' ');

  const server = serverProcess({ name: 'slapd', command: SLAPD, args: ['-d', '0', '-f', confFile, '-h', listen], port, readyTimeoutMs: 10_000, stopTimeoutMs: 5_000 });
  const start = (): Promise<void> => server.start();
  const halt = (): Promise<void> => server.halt();

  await start();

  const auth = ['-x', '-H', url, '-D', rootDn, '-y', rootPwFile];
  return {
    url,
    ldapsUrl,
    caFile: certs?.caFile,
    suffix,
    rootDn,
    rootPw,
    syncDn,
    syncPw,
    dir,
    add: (ldif) => void run('ldapadd', auth, { input: ldif }),
    modify: (ldif) => void run('ldapmodify', auth, { input: ldif }),
    delete: (dn) => void run('ldapdelete', [...auth, dn]),
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await halt();
      await start();
    },
    halt,
    resume: start,
  };
}

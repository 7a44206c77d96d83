/**
 * A private 389 Directory Server for integration tests: Debian's `389-ds-base`, created with
 * `dscreate from-file` under a private prefix in a temporary folder and run as a child process
 * (`ns-slapd -d 0`, in the foreground) on a free loopback port. Changes go through
 * `ldapadd` / `ldapmodify` / `ldapdelete` as the Directory Manager.
 *
 * Why a private prefix: `dscreate` calls `systemctl` and writes under /etc/dirsrv, /var and /run
 * unless lib389 finds its paths in `$PREFIX/share/dirsrv/inf/defaults.inf` (lib389/paths.py), so
 * this writes one with `with_systemd = 0` and every instance path inside the folder. The
 * instance's `template-dse.ldif` (read from the prefix's data_dir) is the system one with what the
 * tests need switched on from the first start, so no restart is needed: loopback only, the
 * retro changelog (with nsUniqueId as targetUniqueId) and contentsync plugins for RFC 4533, a
 * modifyTimestamp index, and optionally a small server size limit.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, run, serverProcess } from './local-server.js';

const DSCREATE = '/usr/sbin/dscreate';
const NS_SLAPD = '/usr/sbin/ns-slapd';
const PWDHASH = '/usr/bin/pwdhash';
const SYSTEM_DEFAULTS = '/usr/share/dirsrv/inf/defaults.inf';
const SYSTEM_TEMPLATE = '/usr/share/dirsrv/data/template-dse.ldif';
const INSTANCE = 'dirbridge';
const INSTALL_HINT = '389 Directory Server is not installed: run `DEBIAN_FRONTEND=noninteractive apt-get install -y 389-ds-base`';

export interface DirsrvOptions {
  /** Default dc=example,dc=test. */
  suffix?: string;
  /** Entries added (ldapadd, as the Directory Manager) after the suffix and the sync account. */
  ldif?: string;
  /** The retro changelog and contentsync plugins (RFC 4533). Default true. */
  contentSync?: boolean;
  /** The server's size limit for searches of ordinary accounts (nsslapd-sizelimit). Default 2000, as 389-DS ships. */
  sizeLimit?: number;
}

export interface Dirsrv {
  url: string;
  suffix: string;
  rootDn: string;
  rootPw: string;
  /** A non-root account with the rights the README asks for (an ACI for read/search/compare, no limits). */
  syncDn: string;
  syncPw: string;
  dir: string;
  /** The instance's config folder (dse.ldif, schema), e.g. for `pwdhash -D`. */
  configDir: string;
  add(ldif: string): void;
  modify(ldif: string): void;
  delete(dn: string): void;
  /** A userPassword value hashed by the server's own code (`pwdhash`), e.g. `hash('SSHA512', 'secret')`. */
  hash(scheme: string, password: string): string;
  stop(): Promise<void>;
  /** Stops the server but keeps its data, so `resume()` brings it back (a server outage). */
  halt(): Promise<void>;
  resume(): Promise<void>;
}

/** lib389's defaults.inf with every writable path under `prefix` and no systemd. */
function prefixedDefaults(prefix: string): string {
  const moved: Record<string, string> = {
    with_systemd: '0',
    data_dir: join(prefix, 'share'),
    sysconf_dir: join(prefix, 'etc'),
    initconfig_dir: join(prefix, 'etc/default'),
    config_dir: join(prefix, 'etc/dirsrv/slapd-{instance_name}'),
    local_state_dir: join(prefix, 'var'),
    run_dir: join(prefix, 'run'),
    ldapi: join(prefix, 'run/slapd-{instance_name}.socket'),
    pid_file: join(prefix, 'run/slapd-{instance_name}.pid'),
    tmp_dir: join(prefix, 'tmp'),
    tmpfiles_d: join(prefix, 'tmpfiles.d'),
    user: 'root',
    group: 'root',
    schema_dir: join(prefix, 'etc/dirsrv/slapd-{instance_name}/schema'),
    cert_dir: join(prefix, 'etc/dirsrv/slapd-{instance_name}'),
    lock_dir: join(prefix, 'lock/slapd-{instance_name}'),
    log_dir: join(prefix, 'log'),
    access_log: join(prefix, 'log/access'),
    audit_log: join(prefix, 'log/audit'),
    error_log: join(prefix, 'log/errors'),
    security_log: join(prefix, 'log/security'),
    db_dir: join(prefix, 'db/db'),
    db_home_dir: join(prefix, 'db/home'),
    backup_dir: join(prefix, 'db/bak'),
    ldif_dir: join(prefix, 'db/ldif'),
  };
  return readFileSync(SYSTEM_DEFAULTS, 'utf8')
    .split('\n')
    .map((line) => {
      const key = /^([a-z_]+)\s*=/.exec(line)?.[1];
      return key !== undefined && moved[key] !== undefined ? `${key} = ${moved[key]}` : line;
    })
    .join('\n');
}

/** Adds lines to, or switches values in, one entry of an LDIF text (entries are separated by blank lines). */
function editEntry(ldif: string, dn: string, edit: (lines: string[]) => string[]): string {
  const entries = ldif.split(/\n\n/);
  const index = entries.findIndex((e) => e.split('\n').some((l) => l.toLowerCase().replace(/\s+/g, '') === `dn:${dn.toLowerCase().replace(/\s+/g, '')}`));
  if (index < 0) throw new Error(`template-dse.ldif has no entry ${dn}`);
  entries[index] = edit((entries[index] as string).split('\n')).join('\n');
  return entries.join('\n\n');
}

const setValue = (name: string, value: string) => (lines: string[]) => [...lines.filter((l) => !l.toLowerCase().startsWith(`${name.toLowerCase()}:`)), `${name}: ${value}`];

/** The system template-dse.ldif with the tests' settings (dscreate fills in the %...% variables). */
function instanceTemplate(options: { contentSync: boolean; sizeLimit?: number | undefined }): string {
  let ldif = readFileSync(SYSTEM_TEMPLATE, 'utf8').replace(/\r\n/g, '\n');
  ldif = editEntry(ldif, 'cn=config', (lines) => {
    let out = setValue('nsslapd-listenhost', '127.0.0.1')(lines);
    if (options.sizeLimit !== undefined) out = setValue('nsslapd-sizelimit', String(options.sizeLimit))(out);
    return out;
  });
  if (options.contentSync) {
    // The contentsync plugin needs the retro changelog to record nsUniqueId as targetUniqueId
    // (https://www.port389.org/docs/389ds/design/content-synchronization-plugin.html).
    ldif = editEntry(ldif, 'cn=Retro Changelog Plugin,cn=plugins,cn=config', (lines) =>
      [setValue('nsslapd-pluginenabled', 'on'), setValue('nsslapd-attribute', 'nsuniqueid:targetUniqueId'), setValue('nsslapd-include-suffix', '%ds_suffix%')].reduce((l, f) => f(l), lines),
    );
    ldif = editEntry(ldif, 'cn=Content Synchronization,cn=plugins,cn=config', setValue('nsslapd-pluginenabled', 'on'));
  }
  // The delta filter (modifyTimestamp>=...) then reads an index instead of every entry.
  ldif = `${ldif.replace(/\n+$/, '')}\n\ndn: cn=modifyTimestamp,cn=default indexes,cn=config,cn=ldbm database,cn=plugins,cn=config\nobjectClass: top\nobjectClass: nsIndex\ncn: modifyTimestamp\nnsSystemIndex: false\nnsIndexType: eq\n`;
  return ldif;
}

/**
 * The attributes the README's ACI grants the sync account, plus the two the tests filter on
 * (a filter on an attribute the account may not search never matches).
 */
const SYNCED_ATTRIBUTES = 'objectClass || uid || cn || sn || givenName || displayName || mail || description || member || uniqueMember || memberUid || userPassword || nsUniqueId || modifyTimestamp || nsAccountLock || employeeType || departmentNumber';

function baseLdif(suffix: string, syncDn: string, syncPw: string): string {
  const syncCn = syncDn.split(',')[0]?.split('=')[1] ?? 'dirbridge-sync';
  // What the README asks of the sync account: read/search/compare on the synchronized attributes
  // (userPassword and the operational nsUniqueId, modifyTimestamp and nsAccountLock included), and
  // no size or look-through limit of its own.
  return `dn: ${suffix}
changetype: modify
add: aci
aci: (targetattr="${SYNCED_ATTRIBUTES}")(version 3.0; acl "dirbridge sync account"; allow (read, search, compare) userdn="ldap:///${syncDn}";)

dn: ${syncDn}
changetype: add
objectClass: top
objectClass: applicationProcess
objectClass: simpleSecurityObject
cn: ${syncCn}
userPassword: ${syncPw}
nsSizeLimit: -1
nsLookThroughLimit: -1
nsPagedSizeLimit: -1

`;
}

/** LDIF without changetype lines becomes adds, for `ldapmodify`. */
function asAdds(ldif: string): string {
  return ldif
    .split(/\n\s*\n/)
    .map((e) => e.trim())
    .filter((e) => e.length > 0)
    .map((e) => (/\nchangetype:/i.test(e) ? e : e.replace(/^(dn:[^\n]*(?:\n [^\n]*)*)/, '$1\nchangetype: add')))
    .join('\n\n');
}

export async function startDirsrv(options: DirsrvOptions = {}): Promise<Dirsrv> {
  if (!existsSync(DSCREATE) || !existsSync(NS_SLAPD)) throw new Error(INSTALL_HINT);

  const suffix = options.suffix ?? 'dc=example,dc=test';
  const rootDn = 'cn=Directory Manager';
  const rootPw = 'root-test-secret';
  const syncDn = `cn=dirbridge-sync,${suffix}`;
  const syncPw = 'sync-test-secret';
  const dir = mkdtempSync(join(tmpdir(), 'dirbridge-dirsrv-'));
  const prefix = join(dir, 'prefix');
  const configDir = join(prefix, 'etc/dirsrv', `slapd-${INSTANCE}`);
  const pidFile = join(prefix, 'run', `slapd-${INSTANCE}.pid`);

  mkdirSync(join(prefix, 'share/dirsrv/inf'), { recursive: true });
  mkdirSync(join(prefix, 'share/dirsrv/data'), { recursive: true });
  for (const sub of ['tmp', 'run', 'lock']) mkdirSync(join(prefix, sub), { recursive: true });
  writeFileSync(join(prefix, 'share/dirsrv/inf/defaults.inf'), prefixedDefaults(prefix));
  writeFileSync(join(prefix, 'share/dirsrv/data/template-dse.ldif'), instanceTemplate({ contentSync: options.contentSync !== false, sizeLimit: options.sizeLimit }));
  // dscreate copies the schema and config files from <sysconf_dir>/dirsrv.
  cpSync('/etc/dirsrv/schema', join(prefix, 'etc/dirsrv/schema'), { recursive: true });
  cpSync('/etc/dirsrv/config', join(prefix, 'etc/dirsrv/config'), { recursive: true });
  const rootPwFile = join(dir, 'rootpw');
  writeFileSync(rootPwFile, rootPw, { mode: 0o600 });

  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const inf = join(dir, 'instance.inf');
  writeFileSync(
    inf,
    [
      '[general]',
      'full_machine_name = localhost',
      'strict_host_checking = False',
      // dscreate starts the server to configure it, then stops it: this process runs it as a child.
      'start = False',
      '[slapd]',
      `instance_name = ${INSTANCE}`,
      `port = ${port}`,
      `root_dn = ${rootDn}`,
      `root_password = ${rootPw}`,
      'self_sign_cert = False',
      'user = root',
      'group = root',
      '[backend-userroot]',
      `suffix = ${suffix}`,
      'create_suffix_entry = True',
      'sample_entries = no',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  try {
    run(DSCREATE, ['from-file', inf], { env: { ...process.env, PREFIX: prefix } });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  // -d 0: stay in the foreground (a child of this process), without debug output.
  const server = serverProcess({
    name: '389-DS (ns-slapd)', command: NS_SLAPD, args: ['-D', configDir, '-i', pidFile, '-d', '0'], port,
    readyTimeoutMs: 30_000, stopTimeoutMs: 15_000, diagnostics: () => errorLogTail(),
  });
  const start = (): Promise<void> => server.start();
  const halt = (signal?: NodeJS.Signals): Promise<void> => server.halt(signal);

  function errorLogTail(): string {
    try {
      return readFileSync(join(prefix, 'log/errors'), 'utf8').split('\n').slice(-10).join('\n');
    } catch {
      return '';
    }
  }

  const auth = ['-x', '-H', url, '-D', rootDn, '-y', rootPwFile];
  try {
    await start();
    run('ldapmodify', auth, { input: asAdds(`${baseLdif(suffix, syncDn, syncPw)}${options.ldif ?? ''}\n`) });
  } catch (error) {
    await halt('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    url,
    suffix,
    rootDn,
    rootPw,
    syncDn,
    syncPw,
    dir,
    configDir,
    add: (ldif) => void run('ldapmodify', auth, { input: asAdds(ldif) }),
    modify: (ldif) => void run('ldapmodify', auth, { input: ldif }),
    delete: (dn) => void run('ldapdelete', [...auth, dn]),
    hash: (scheme, password) => run(PWDHASH, ['-D', configDir, '-s', scheme, password]).trim(),
    async stop() {
      // The data is thrown away: no need to wait for a clean shutdown.
      await halt('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
    halt: () => halt(),
    resume: start,
  };
}

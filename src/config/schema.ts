/**
 * The one configuration schema. Titles, descriptions and defaults live here and generate
 * docs/configuration.md (`npx tsx scripts/make-config-docs.ts`), so the docs cannot drift.
 */
import { z } from 'zod';
import { dnProblem, rdnCount } from '../directory/dn.js';

/** A DN typed into the config, checked as one (a typo is named at start, not found as an empty search). */
const dn = z.string().min(1).superRefine((value, ctx) => {
  const problem = dnProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `"${value}" is not a DN: it ${problem}` });
});

/**
 * A list of DNs. YAML splits a flow list at every comma, so `[ou=People,dc=example,dc=org]`
 * arrives as three one-RDN items: an item after the first that is a lone dc=, o= or c= RDN is
 * the tail of a split DN (no real base is a bare domain component next to others).
 */
const DOMAIN_RDN = /^\s*(dc|o|c)\s*=/i;

/** The DNs a YAML flow list was split from: a new one starts where an RDN other than dc=, o=, c= follows one of them. */
function rejoin(items: readonly string[]): string[] {
  const dns: string[][] = [];
  items.forEach((item, i) => {
    if (i === 0 || (!DOMAIN_RDN.test(item) && DOMAIN_RDN.test(items[i - 1]!))) dns.push([item]);
    else dns[dns.length - 1]!.push(item);
  });
  return dns.map((parts) => parts.map((p) => p.trim()).join(','));
}

const dnList = z.array(dn).superRefine((items, ctx) => {
  const split = items.findIndex((item, i) => i > 0 && rdnCount(item) === 1 && DOMAIN_RDN.test(item));
  if (split >= 0) {
    ctx.addIssue({
      code: 'custom',
      path: [split],
      message: `"${items[split]}" looks like the end of a DN split at its commas (${JSON.stringify(items)}): in a YAML flow list [a, b] every comma separates items. Quote each DN (${JSON.stringify(rejoin(items))}) or use a block list with one "- DN" per line`,
    });
  }
});

const intervals = z.strictObject({
  heartbeatSeconds: z.number().int().min(1).max(3600).default(5).describe('How often the agent reports to the tenant and reads its settings (password sync on/off obeys within this time).'),
  deltaMinutes: z.number().min(0.05).max(24 * 60).default(30).describe('How often the agent runs a delta directory cycle.'),
  fullHours: z.number().min(0.01).max(24 * 30).default(6).describe('How often a full directory cycle replaces the delta (it also retries objects in error).'),
  passwordMinutes: z.number().min(0.05).max(24 * 60).default(2).describe('How often the agent runs a password hash sync cycle (changes pushed by syncrepl go at once).'),
  passwordReconcileHours: z.number().min(0.01).max(24 * 30).default(24).describe('How often the agent runs a password reconciliation: every user in scope without a current verifier in the tenant (removed by hand, a restored backup) gets one; only those are derived. Also on demand: dirbridge sync --passwords-only --full, or POST /api/v1/dirsync/reconcile-passwords.'),
}).default({ heartbeatSeconds: 5, deltaMinutes: 30, fullHours: 6, passwordMinutes: 2, passwordReconcileHours: 24 });

const mapping = z.strictObject({
  upnDomain: z.string().optional().describe('Domain of UPNs built from uid ("{uid}@{upnDomain}"); defaults to the dc= parts of the entry DN.'),
  userPrincipalName: z.array(z.string()).min(1).optional().describe('Templates for the UPN, tried in order, e.g. ["{mail}", "{uid}@example.org"].'),
  displayName: z.array(z.string()).min(1).optional().describe('Templates for the display name, e.g. ["{displayName}", "{givenName} {sn}"].'),
  givenName: z.array(z.string()).min(1).optional().describe('Templates for the given name.'),
  surname: z.array(z.string()).min(1).optional().describe('Templates for the surname.'),
  mail: z.array(z.string()).min(1).optional().describe('Templates for the primary mail address.'),
  groupName: z.array(z.string()).min(1).optional().describe('Templates for the group name.'),
}).default({});

const ldifSource = z.strictObject({
  type: z.literal('ldif'),
  path: z.string().min(1).describe('Path of the LDIF file; it is re-read on every cycle and watched for changes.'),
  settleMs: z.number().int().min(0).max(60_000).default(500).describe('The LDIF file is used only once its size and time have not changed for this long (milliseconds), so a file still being written is never read half; moving a finished file into place with a rename needs no wait.'),
});

const passwordReplication = z.strictObject({
  user: z.string().min(1).describe('sAMAccountName of the account that replicates (NTLM), e.g. dirbridge-sync; it needs "Replicating Directory Changes" and "Replicating Directory Changes All" on the domain.'),
  domain: z.string().min(1).describe('NetBIOS name of the domain (e.g. AD), or its DNS name.'),
  passwordFile: z.string().optional().describe('File holding that account\'s password; defaults to bindPasswordFile (the same account).'),
  host: z.string().optional().describe('The domain controller to replicate from; defaults to the host of url.'),
  namingContext: dn.optional().describe('DN of the domain naming context; defaults to the DC= part of the first base DN.'),
  endpointMapperPort: z.number().int().min(1).max(65535).default(135).describe('TCP port of the DC endpoint mapper.'),
  rpcPort: z.number().int().min(1).max(65535).optional().describe('The DC replication (DRSUAPI) port, when fixed on the DC; asked from the endpoint mapper otherwise.'),
  pageSize: z.number().int().min(1).max(10000).default(1000).describe('Objects per replication page (GetNCChanges cMaxObjects).'),
  pollSeconds: z.number().min(0.2).max(3600).default(2).describe('How often the agent reads highestCommittedUSN to notice a change (a password change then reaches the tenant within seconds).'),
}).describe('Active Directory only: password hash sync by directory replication (MS-DRSR), as Entra Connect does. LDAP never returns unicodePwd.');

const ldapSource = z.strictObject({
  type: z.literal('ldap'),
  url: z.string().regex(/^ldaps?:\/\/[^/]+\/?$/, 'must be ldap://host:port or ldaps://host:port').describe('ldap://host:389 (with startTls) or ldaps://host:636.'),
  flavor: z.enum(['openldap', '389ds', 'ad']).default('openldap').describe('openldap: OpenLDAP (entryUUID, entryCSN, syncprov); 389ds: 389 Directory Server and FreeIPA (nsUniqueId, modifyTimestamp, contentsync); ad: Active Directory and Samba AD.'),
  bindDn: z.string().min(1).describe('DN of the sync account.'),
  bindPasswordFile: z.string().min(1).describe('File holding the sync account password (never put the password itself in the config).'),
  baseDns: dnList.min(1).describe('Subtrees to synchronize.'),
  excludeDns: dnList.default([]).describe('Subtrees under the base DNs to leave out.'),
  filter: z.string().optional().describe('An LDAP filter every synchronized object must also match, e.g. (!(employeeType=contractor)).'),
  memberOfGroup: dn.optional().describe('DN of a group: only its members (nested included) are synchronized.'),
  userFilter: z.string().optional().describe('Overrides the flavor default filter for users.'),
  groupFilter: z.string().optional().describe('Overrides the flavor default filter for groups.'),
  startTls: z.boolean().default(false).describe('Upgrade an ldap:// connection with StartTLS.'),
  caFile: z.string().optional().describe('PEM file of the CA that signed the directory server certificate.'),
  tlsInsecureSkipVerify: z.boolean().default(false).describe('Do not verify the server certificate. Loud in the log and shown as a warning in the admin center; for tests only.'),
  pageSize: z.number().int().min(10).max(10000).default(1000).describe('Entries per paged search result page.'),
  timeouts: z.strictObject({
    connectMs: z.number().int().min(100).default(10_000).describe('TCP and TLS connect, milliseconds.'),
    requestMs: z.number().int().min(100).default(30_000).describe('A bind, StartTLS, a root DSE read, a liveness probe of the push watch: no answer in this many milliseconds fails the cycle with DIR_TIMEOUT.'),
    operationMs: z.number().int().min(100).default(120_000).describe('Silence within one search page or one RFC 4533 / contentsync refresh, milliseconds; longer fails the cycle with DIR_TIMEOUT.'),
    watchProbeMs: z.number().int().min(100).default(60_000).describe('After this many milliseconds without a message, the push watch asks the server whether it is still there ("Who am I?"); no answer within requestMs restarts the watch and reports DIR_TIMEOUT.'),
  }).default({ connectMs: 10_000, requestMs: 30_000, operationMs: 120_000, watchProbeMs: 60_000 }).describe('Timeouts of the directory connection: a server that accepts and then stalls fails the cycle instead of stopping the sync.'),
  maxMessageBytes: z.number().int().min(65_536).default(64 * 1024 * 1024).describe('Largest LDAP message accepted from the server (one entry with all its values), in bytes; a larger one fails the cycle with DIR_PROTOCOL_ERROR. Default 64 MiB.'),
  passwordReplication: passwordReplication.optional(),
  changePollSeconds: z.number().min(0.2).max(3600).default(2).describe('Active Directory: how often the agent reads the DC\'s highestCommittedUSN to notice a change and run a delta at once. Beside the change notifications the DC pushes, this poll is the safety net (Samba notifies writes that did not come through its LDAP server only every 5 s); where the DC refuses notifications it is the change watch alone.'),
});

const keep = (what: string, days: number, count: number) => z.strictObject({
  maxAgeDays: z.number().min(0.01).max(36_500).default(days).describe(`Days ${what} are kept.`),
  maxCount: z.number().int().min(1).max(100_000_000).default(count).describe(`At most this many ${what} are kept (the newest).`),
}).default({ maxAgeDays: days, maxCount: count });

const retention = z.strictObject({
  runs: keep('sync run records', 90, 10_000).describe('Sync run records (the last run of each kind, and the last that synced, are always kept).'),
  batches: keep('batch records', 7, 100_000).describe('The batch ledger that makes an agent retry harmless (a retry comes within minutes).'),
  audit: keep('audit log entries', 365, 100_000).describe('The audit log.'),
  lockouts: keep('sign-in lockout rows', 7, 100_000).describe('Sign-in failure counters; a row still locking someone out is never pruned.'),
  intervalMinutes: z.number().min(1).max(24 * 60).default(60).describe('Minutes between prunings (the first runs when the service starts).'),
}).default({
  runs: { maxAgeDays: 90, maxCount: 10_000 }, batches: { maxAgeDays: 7, maxCount: 100_000 },
  audit: { maxAgeDays: 365, maxCount: 100_000 }, lockouts: { maxAgeDays: 7, maxCount: 100_000 }, intervalMinutes: 60,
}).describe('How long the tenant keeps its history: by age and by count, whichever removes more.');
const alerts = z.strictObject({
  smtp: z.strictObject({
    host: z.string().min(1).describe('SMTP server for e-mail alerts.'),
    port: z.number().int().min(1).max(65535).default(587).describe('SMTP port (587 with STARTTLS, 465 with TLS from the start, 25).'),
    secure: z.boolean().default(false).describe('TLS from the first byte (port 465).'),
    startTls: z.boolean().default(true).describe('Require STARTTLS on a plain connection (set false only for a local relay on loopback).'),
    from: z.string().min(3).describe('Sender address of alert e-mails, e.g. dirbridge@example.org.'),
    username: z.string().optional().describe('SMTP user name, when the server asks for one.'),
    passwordFile: z.string().optional().describe('File holding the SMTP password (never the password itself in the config).'),
    caFile: z.string().optional().describe('PEM file of the CA of the SMTP server certificate, if not a public one.'),
  }).optional().describe('Without it only webhook channels can be added.'),
  intervalSeconds: z.number().int().min(5).max(3600).default(30).describe('How often the tenant service judges the DirSync status for alerts.'),
  repeatHours: z.number().min(0).max(24 * 30).default(24).describe('Remind of an alert still open after this many hours (0: never).'),
  publicUrl: z.string().url().optional().describe('URL of the admin center used in the links of alerts (e.g. https://dirbridge.example.org).'),
}).default({ intervalSeconds: 30, repeatHours: 24 });

export const configSchema = z.strictObject({
  tenant: z.strictObject({
    port: z.number().int().min(0).max(65535).default(8080).describe('HTTP port of the tenant service and admin center (env DIRBRIDGE_PORT).'),
    host: z.string().default('127.0.0.1').describe('Address to listen on; 0.0.0.0 to accept connections from other hosts (env DIRBRIDGE_HOST).'),
    dataDir: z.string().default('./data').describe('Folder for the SQLite store, the agent state and other local files (env DIRBRIDGE_DATA_DIR).'),
    databaseUrl: z.string().optional().describe('postgres://user@host:5432/db to use PostgreSQL instead of the embedded SQLite (env DATABASE_URL).'),
    tenantId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/).default('default').describe('Id of the tenant this service hosts.'),
    initialAdminPassword: z.string().min(12).optional().describe('Password of the initial admin on first start; when absent one is generated, shown on a terminal or written to <dataDir>/initial-admin-password (owner-only), and must be changed at the first sign-in (env DIRBRIDGE_INITIAL_ADMIN_PASSWORD).'),
    publicUrl: z.string().regex(/^https?:\/\/[^/?#\s]+$/, 'must be https://host[:port] (or http:// for a local test), without a path').optional().describe('The URL people and agents reach the service by, e.g. https://id.example.org (env DIRBRIDGE_PUBLIC_URL). It fixes the OpenID Connect issuer (<publicUrl>/oidc); with https:// the session cookie is Secure with the __Host- prefix and HSTS is sent. Without it the issuer is the listener\'s own address; it never comes from a request\'s Host header.'),
    trustProxy: z.array(z.string().min(1)).default([]).describe('Addresses or CIDRs of the reverse proxies in front of the service, e.g. ["127.0.0.1", "10.0.0.0/8"] (env DIRBRIDGE_TRUST_PROXY, comma-separated). Only from these is X-Forwarded-For believed: the client address that sign-in lockout is keyed on.'),
    tls: z.strictObject({
      certFile: z.string().min(1).describe('PEM file of the server certificate (with its chain).'),
      keyFile: z.string().min(1).describe('PEM file of its private key (keep it mode 600).'),
    }).optional().describe('Serve HTTPS directly (no reverse proxy): the certificate and key files.'),
    signIn: z.strictObject({
      workers: z.number().int().min(1).max(256).optional().describe('Worker threads that check passwords at sign-in (source digest and KDF), off the event loop; defaults to the number of cores.'),
      queueLimit: z.number().int().min(0).max(100_000).optional().describe('Password checks that may wait for a worker; beyond it sign-in answers 503 SIGN_IN_BUSY with Retry-After. Defaults to 16 per worker.'),
    }).optional().describe('Bounds on the work sign-in may queue (see docs/passwords.md).'),
    retention,
    oidc: z.object({
      keyRotationDays: z.number().min(1).max(3650).default(90).describe('Days between rotations of the OpenID Connect signing key and cookie keys. The next signing key is published in the JWKS a full period before it signs; a retired key stays published until the tokens it signed have expired. Rotate at once with `dirbridge oidc rotate-keys` or POST /api/v1/oidc-keys/rotate.'),
    }).optional().describe('The OpenID Connect provider\'s keys.'),
  }).default({ port: 8080, host: '127.0.0.1', dataDir: './data', tenantId: 'default', trustProxy: [], retention: retention.parse(undefined) }),
  agent: z.strictObject({
    tenantUrl: z.string().url().optional().describe('URL of the tenant service (env DIRBRIDGE_TENANT_URL); the all-in-one sets it itself.'),
    registrationToken: z.string().optional().describe('One-time token from the admin center (Agents) for the first start (env DIRBRIDGE_REGISTRATION_TOKEN).'),
    stateDir: z.string().optional().describe('Folder of the agent state; defaults to <dataDir>/agent.'),
    host: z.string().optional().describe('Name the agent reports; defaults to the machine host name.'),
    source: z.discriminatedUnion('type', [ldifSource, ldapSource]).optional().describe('The directory to synchronize; defaults to the bundled sample LDIF.'),
    allowCleartext: z.boolean().default(false).describe('Allow an http:// tenant URL or an ldap:// connection without StartTLS to a host other than loopback (credentials and password hashes then travel in clear). Shown as a warning in the status and the troubleshooter.'),
    mapping,
    intervals,
  }).default({ allowCleartext: false, mapping: {}, intervals: { heartbeatSeconds: 5, deltaMinutes: 30, fullHours: 6, passwordMinutes: 2, passwordReconcileHours: 24 } }),
  alerts: alerts.describe('E-mail and webhook notifications when sync goes stale, an agent goes silent, a cycle fails or deletes are held.'),
});

export type DirbridgeConfig = z.infer<typeof configSchema>;
export type SourceConfig = NonNullable<DirbridgeConfig['agent']['source']>;
export type LdapSourceSettings = z.infer<typeof ldapSource>;
export type PasswordReplicationSettings = z.infer<typeof passwordReplication>;

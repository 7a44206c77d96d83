/**
 * Builds an agent from configuration: its source, its state, its credential and its deriver.
 * Shared by `start` (all-in-one), `agent` and `sync`.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { DirbridgeConfig, SourceConfig } from '../config/schema.js';
import { createLdifSource } from '../directory/ldif/ldif-source.js';
import { createLdapSource } from '../directory/ldap/ldap-source.js';
import { DrsrPasswordSource } from '../directory/ldap/ad/replication/drsr-password-source.js';
import { ntHash } from '../directory/ldap/ad/replication/ntlm.js';
import { changePosition } from '../directory/ldap/ad/usn-cursor.js';
import { attributesRead, type MappingOptions } from '../directory/mapping.js';
import type { DirectorySource } from '../sync/ports.js';
import type { VerifierDeriver } from '../sync/password-cycle.js';
import { createDerivationPool, parseStoredPassword } from '../passwords/index.js';
import { Agent } from '../agent/agent.js';
import { LocalState } from '../agent/local-state.js';
import { TenantClient } from '../agent/tenant-client.js';
import { CREDENTIAL_FILE, readCredential, writeCredential, type StoredCredential } from '../agent/credential-file.js';
import { newId, newSecret, sha256Hex } from '../shared/ids.js';
import { checkTransport, type CleartextLink } from '../agent/transport-policy.js';
import { sampleLdifPath, version } from './runtime.js';
import { bindSource } from '../config/source-binding.js';

export function agentStateDir(config: DirbridgeConfig): string {
  return config.agent.stateDir ?? join(config.tenant.dataDir, 'agent');
}

export function sourceConfigOf(config: DirbridgeConfig): SourceConfig {
  return config.agent.source ?? { type: 'ldif', path: sampleLdifPath, settleMs: 500 };
}

/** `attributes`: what an objects read asks an LDAP directory for (attributesRead of the mapping). */
export function buildSource(source: SourceConfig, logger: Logger, attributes?: string[]): DirectorySource {
  if (source.type === 'ldif') return createLdifSource(source.path, { settleMs: source.settleMs });
  let bindPassword: string;
  try {
    bindPassword = readFileSync(source.bindPasswordFile, 'utf8').replace(/\r?\n$/, '');
  } catch (cause) {
    throw new AppError('CONFIG_INVALID', { message: `agent.source.bindPasswordFile: ${source.bindPasswordFile} cannot be read.`, hint: 'Put the sync account password in that file (mode 600) or fix the path (--bind-password-file).', cause });
  }
  return createLdapSource({
    url: source.url,
    flavor: source.flavor,
    bindDn: source.bindDn,
    bindPassword,
    baseDns: source.baseDns,
    excludeDns: source.excludeDns,
    ...(source.filter ? { extraFilter: source.filter } : {}),
    ...(source.memberOfGroup ? { memberOfGroup: source.memberOfGroup } : {}),
    ...(source.userFilter ? { userFilter: source.userFilter } : {}),
    ...(source.groupFilter ? { groupFilter: source.groupFilter } : {}),
    startTls: source.startTls,
    ...(source.caFile ? { caFile: source.caFile } : {}),
    tlsInsecureSkipVerify: source.tlsInsecureSkipVerify,
    pageSize: source.pageSize,
    timeouts: source.timeouts,
    maxMessageBytes: source.maxMessageBytes,
    changePollMs: source.changePollSeconds * 1000,
    ...(attributes ? { attributes } : {}),
  }, { warn: (message: string, meta?: object) => logger.warn(meta ?? {}, message), info: (message: string, meta?: object) => logger.info(meta ?? {}, message) });
}

/** The password source of an AD source with password replication configured, else null (passwords come from `source`). */
export async function buildPasswordSource(sourceConfig: SourceConfig, source: DirectorySource): Promise<DirectorySource | null> {
  if (sourceConfig.type !== 'ldap' || !sourceConfig.passwordReplication) return null;
  const replication = sourceConfig.passwordReplication;
  if (sourceConfig.flavor !== 'ad') {
    throw new AppError('CONFIG_INVALID', { message: 'agent.source.passwordReplication is for Active Directory sources only (flavor "ad").', hint: 'Remove passwordReplication, or set flavor to "ad" for an Active Directory or Samba AD source.' });
  }
  const file = replication.passwordFile ?? sourceConfig.bindPasswordFile;
  let password: string;
  try {
    password = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (cause) {
    throw new AppError('CONFIG_INVALID', { message: `agent.source.passwordReplication.passwordFile: ${file} cannot be read.`, hint: 'Put the replication account password in that file (mode 600) or fix the path.', cause });
  }
  const namingContext = replication.namingContext ?? domainDnOf(sourceConfig.baseDns[0] ?? '');
  if (!namingContext) {
    throw new AppError('CONFIG_INVALID', { message: 'agent.source.passwordReplication.namingContext is not set and the first base DN has no DC= part.', hint: 'Set namingContext to the domain DN, e.g. DC=example,DC=com.' });
  }
  // Only the NT hash of the account's password is kept in memory, never the password.
  return new DrsrPasswordSource({
    host: replication.host ?? new URL(sourceConfig.url).hostname.replace(/^\[|\]$/g, ''),
    user: replication.user,
    domain: replication.domain,
    ntHash: await ntHash(password),
    epmPort: replication.endpointMapperPort,
    ...(replication.rpcPort ? { rpcPort: replication.rpcPort } : {}),
    namingContext,
    pageSize: replication.pageSize,
    probeChanges: () => source.currentCursor().then(changePosition),
    // Same account as the LDAP bind: a refused NTLM sign-in with a password LDAP accepts means NTLM is off.
    ...(replication.passwordFile === undefined ? { passwordCheck: () => source.currentCursor().then(() => true) } : {}),
    pollIntervalMs: replication.pollSeconds * 1000,
  });
}

/** The DC=... tail of a DN: the domain naming context of an AD entry. */
export function domainDnOf(dn: string): string | null {
  const match = /(?:^|,)\s*(DC=.*)$/i.exec(dn);
  return match ? match[1]!.trim() : null;
}

export function mappingOf(config: DirbridgeConfig, source: Pick<DirectorySource, 'flavor'>): MappingOptions {
  const { upnDomain, ...templates } = config.agent.mapping;
  return { flavor: source.flavor, upnDomain, mapping: templates };
}

/** The password domain behind the engine's port, deriving in worker threads across all cores. */
export function createDeriver(): VerifierDeriver & { close(): Promise<void> } {
  const pool = createDerivationPool();
  return {
    parse: (value, attribute) => parseStoredPassword(value, attribute),
    derive: (source, kdf) => pool.derive(source, kdf),
    close: () => pool.close(),
  };
}

/** The tenant URL the agent registered with, so `dirbridge sync` on the agent host needs no flag. */
export function storedTenantUrl(config: DirbridgeConfig): string | null {
  return readCredential(agentStateDir(config))?.tenantUrl ?? null;
}

/** Refuses cleartext to another host unless agent.allowCleartext; returns the links to report. */
export function transportLinks(config: DirbridgeConfig, tenantUrl: string): CleartextLink[] {
  const source = sourceConfigOf(config);
  return checkTransport({ tenantUrl, ldap: source.type === 'ldap' ? { url: source.url, startTls: source.startTls } : undefined }, config.agent.allowCleartext);
}

/**
 * The agent's credential, kept in its state folder (mode 600). On first start it is obtained with
 * a one-time registration token; the tenant keeps only a hash of it.
 *
 * Crash-safe: the agent generates its id and secret and saves them (marked pending) before it
 * asks; if the answer is lost (killed, network), the next start sends the same token, id and hash
 * and the tenant answers with the registration it already committed. A saved credential wins over
 * the token it was registered with, so restarting with the same command line just works.
 */
export async function ensureCredential(options: {
  stateDir: string; tenantUrl: string; registrationToken?: string | undefined; host: string; logger: Logger; state: LocalState;
  /** Called when no credential exists and no token was given: the all-in-one creates a token itself. */
  createToken?: () => Promise<string>;
}): Promise<StoredCredential> {
  const existing = readCredential(options.stateDir);
  const givenHash = options.registrationToken ? sha256Hex(options.registrationToken) : null;
  const sameTenant = existing !== null && (existing.tenantUrl === options.tenantUrl || options.createToken !== undefined);
  if (existing && sameTenant && !existing.pending) {
    if (!givenHash) return { ...existing, tenantUrl: options.tenantUrl };
    if (!existing.registrationTokenHash || existing.registrationTokenHash === givenHash) {
      options.logger.info({ agentId: existing.agentId, file: join(options.stateDir, CREDENTIAL_FILE) },
        'this agent is registered already: the saved credential is used and the registration token is not used again (to register anew, give a new token)');
      return { ...existing, tenantUrl: options.tenantUrl };
    }
    options.logger.info({ agentId: existing.agentId }, 'a new registration token was given: registering anew, the saved credential is replaced');
  }
  // An interrupted registration is finished with the identity saved for it, when its token is given again.
  const resume = existing?.pending && sameTenant && givenHash && existing.registrationTokenHash === givenHash ? existing : null;
  const token = options.registrationToken ?? (await options.createToken?.());
  if (!token) {
    throw new AppError('REGISTRATION_TOKEN_INVALID', existing?.pending ? {
      message: 'The registration of this agent was interrupted before the tenant confirmed it, and no registration token was given.',
      hint: 'Run the agent again with the same --token to finish the registration (or a new token from `dirbridge token create`).',
    } : {
      message: 'This agent is not registered with the tenant yet and no registration token was given.',
      hint: 'Create a registration token in the admin center (Agents) or with `dirbridge token create`, then run `dirbridge agent --tenant-url URL --token TOKEN`.',
    });
  }
  const agentId = resume?.agentId ?? newId();
  const credential = resume?.credential ?? `${agentId}.${newSecret(32)}`;
  const pending: StoredCredential = { tenantUrl: options.tenantUrl, agentId, credential, registrationTokenHash: sha256Hex(token), pending: true };
  // Saved (owner-only, atomically) before the request, so a lost answer loses nothing.
  writeCredential(options.stateDir, pending);
  const secret = credential.slice(agentId.length + 1);
  const registered = await new TenantClient({ tenantUrl: options.tenantUrl }).register(token, options.host, version, { agentId, credentialHash: sha256Hex(secret) });
  // A new registration is a new relationship: what the agent exported to another tenant does not
  // count. Reset before the credential is marked done, so a crash in between resets again.
  options.state.resetAll();
  // A tenant of an older version ignores the agent's own identity and makes one.
  const stored: StoredCredential = { ...pending, agentId: registered.agentId, credential: registered.credential ?? credential, pending: false };
  writeCredential(options.stateDir, stored);
  options.logger.info({ agentId: stored.agentId }, resume ? 'agent registration finished (it had been interrupted before the answer arrived)' : 'agent registered with the tenant');
  return stored;
}

export interface RunningAgent {
  agent: Agent;
  source: DirectorySource;
  stop(): Promise<void>;
}

export interface AgentTarget {
  tenantUrl: string;
  createToken?: () => Promise<string>;
  /** Only the all-in-one quick start may fall back to the bundled sample (a new data folder, no source given); 'if-recorded': only a folder that already syncs it (`dirbridge sync` after the quick start). */
  allowSample?: boolean | 'if-recorded';
  /** The admin confirmed a switch to another source (--replace-source). */
  replaceSource?: boolean;
}

/** Builds and starts the agent's loops. */
export async function startAgent(config: DirbridgeConfig, logger: Logger, target: AgentTarget): Promise<RunningAgent> {
  const running = await buildAgent(config, logger, target);
  try {
    await running.agent.start();
  } catch (error) {
    await running.stop();
    throw error;
  }
  return running;
}

/** Builds an agent without starting its loops (for on-demand cycles). */
export async function buildAgent(config: DirbridgeConfig, logger: Logger, options: AgentTarget): Promise<RunningAgent> {
  const stateDir = agentStateDir(config);
  const cleartextLinks = transportLinks(config, options.tenantUrl);
  if (cleartextLinks.length > 0) logger.warn({ links: cleartextLinks }, 'allowCleartext: credentials or password hashes travel unencrypted to another host');
  const state = new LocalState(join(stateDir, 'state.sqlite'));
  let sourceConfig: SourceConfig;
  try {
    // Before registering or reading anything: a missing or different source is refused first.
    sourceConfig = bindSource({
      stateDir, configured: config.agent.source, sample: { type: 'ldif', path: sampleLdifPath, settleMs: 500 },
      allowSample: options.allowSample ?? false, replace: options.replaceSource ?? false, synced: state.exports.count(),
    });
  } catch (error) {
    state.close();
    throw error;
  }
  const host = config.agent.host ?? hostname();
  const stored = await ensureCredential({
    stateDir, tenantUrl: options.tenantUrl, registrationToken: config.agent.registrationToken, host, logger, state,
    ...(options.createToken ? { createToken: options.createToken } : {}),
  });
  // Ask the directory only for what the mapping reads.
  const attributes = sourceConfig.type === 'ldap' ? attributesRead(mappingOf(config, sourceConfig)) : undefined;
  const source = buildSource(sourceConfig, logger, attributes);
  const passwordSource = await buildPasswordSource(sourceConfig, source);
  const deriver = createDeriver();
  const { intervals } = config.agent;
  const agent = new Agent({
    client: new TenantClient({
      tenantUrl: options.tenantUrl,
      credential: stored.credential,
      saveCredential: (credential) => writeCredential(stateDir, { ...stored, credential }),
    }),
    cleartextLinks,
    source,
    passwordSource: passwordSource ?? undefined,
    state,
    deriver,
    mapping: mappingOf(config, source),
    host,
    version,
    syncAccount: sourceConfig.type === 'ldap' ? sourceConfig.bindDn : undefined,
    tlsVerificationDisabled: sourceConfig.type === 'ldap' && sourceConfig.tlsInsecureSkipVerify,
    logger,
    intervals: {
      heartbeatMs: intervals.heartbeatSeconds * 1000,
      deltaMs: intervals.deltaMinutes * 60_000,
      fullMs: intervals.fullHours * 3_600_000,
      passwordMs: intervals.passwordMinutes * 60_000,
      passwordReconcileMs: intervals.passwordReconcileHours * 3_600_000,
    },
  });
  return {
    agent,
    source,
    async stop() {
      const stopping = agent.stop();
      // Cancels the derivations queued by a running password cycle, so it ends now rather than
      // after its batch; what it committed stays, and the next start goes on from there.
      await deriver.close();
      await stopping;
      await passwordSource?.close();
      await source.close();
      state.close();
    },
  };
}

/**
 * The LDAP directory source (OpenLDAP, 389-DS/FreeIPA and Active Directory) behind the DirectorySource port:
 * one shared protocol core (ldap-core.ts: scope, paged reads, root DSE) and one adapter per flavor
 * with its own cursor, deletes, push and quirks:
 * - openldap/openldap-adapter.ts: entryCSN/contextCSN, RFC 4533 refresh for deletes and push.
 * - 389ds/389ds-adapter.ts: modifyTimestamp, contentsync for deletes and push.
 * - ad/ad-adapter.ts: uSNChanged against highestCommittedUSN, the DC's in-chain rule.
 * Reads stream page by page (paged results, RFC 2696): one page in memory at a time.
 */
import type { ChangeSet, DirectorySource, ReadPurpose } from '../../sync/ports.js';
import type { DirectoryEntry } from '../entry.js';
import { AdAdapter, AD_QUIRKS } from './ad/ad-adapter.js';
import { Ds389Adapter } from './389ds/389ds-adapter.js';
import type { FlavorAdapter } from './flavor-adapter.js';
import { checkConfig, type LdapFlavor, type LdapLogger, type LdapSourceConfig } from './ldap-config.js';
import { LdapCore } from './ldap-core.js';
import { OpenLdapAdapter } from './openldap/openldap-adapter.js';

export type { LdapSourceConfig, LdapLogger } from './ldap-config.js';

const consoleLogger: LdapLogger = { warn: (msg, meta) => console.warn(msg, meta ?? '') };

export function createLdapSource(config: LdapSourceConfig, logger: LdapLogger = consoleLogger): DirectorySource {
  checkConfig(config);
  if (config.flavor === 'ad') {
    const core = new LdapCore(config, logger, AD_QUIRKS);
    return new LdapSource(core, new AdAdapter(core));
  }
  const core = new LdapCore(config, logger);
  return new LdapSource(core, config.flavor === '389ds' ? new Ds389Adapter(core) : new OpenLdapAdapter(core));
}

class LdapSource implements DirectorySource {
  private readonly baseDescription: string;
  readonly flavor: LdapFlavor;
  readonly watch?: (onChange: () => void, onError: (error: unknown) => void) => () => void;

  constructor(
    private readonly core: LdapCore,
    private readonly adapter: FlavorAdapter,
  ) {
    const { config } = core;
    this.flavor = config.flavor;
    this.baseDescription = `${config.url.replace(/\/+$/, '')} (${config.flavor}${config.startTls ? ', StartTLS' : ''})`;
    if (adapter.watch) this.watch = adapter.watch.bind(adapter);
  }

  /** What the agent reports as its source (status): the URL and flavor, and which change watch runs. */
  get description(): string {
    const watch = this.adapter.describeWatch?.();
    return watch ? `${this.baseDescription.slice(0, -1)}; ${watch})` : this.baseDescription;
  }

  async *readAll(purpose: ReadPurpose): AsyncIterable<DirectoryEntry[]> {
    yield* this.core.readScope({ mode: purpose, ...(await this.adapter.memberScope()) });
  }

  async *listAnchors(): AsyncIterable<string[]> {
    const anchor = this.core.anchor.toLowerCase();
    for await (const page of this.core.readScope({ mode: 'anchors', ...(await this.adapter.memberScope()) })) {
      const anchors = page.map((e) => e.attributes[anchor]?.[0]).filter((a): a is string => !!a);
      if (anchors.length) yield anchors;
    }
  }

  async readChanges(cursor: string | null, purpose: ReadPurpose): Promise<ChangeSet | null> {
    // No cursor yet: a full cycle (readAll after currentCursor) is what the engine needs.
    if (cursor === null) return null;
    return this.adapter.readChanges(cursor, purpose);
  }

  currentCursor(): Promise<string | null> {
    return this.adapter.currentCursor();
  }

  async close(): Promise<void> {
    this.adapter.close?.();
    await this.core.close();
  }
}

/**
 * Which directory a data folder synchronizes. The folder remembers its source (agent/source.json:
 * the kind, the LDIF path or the flavor, URL and base DNs; never a secret) and refuses to sync a
 * different or a missing one once it has synced anything: a restart that forgot its source flags
 * once replaced the real users with the bundled sample directory, whose passwords the README prints.
 *
 * The bundled sample is only the quick start: `dirbridge start` on a brand-new data folder with
 * no source given. An agent never falls back to it.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppError } from '../shared/errors.js';
import { ensurePrivateDir } from '../shared/private-files.js';
import { normalizeDn } from '../directory/dn.js';
import type { SourceConfig } from './schema.js';

export type SourceIdentity =
  | { kind: 'sample' }
  | { kind: 'ldif'; path: string }
  | { kind: 'ldap'; flavor: string; url: string; baseDns: string[] };

export const SOURCE_FILE = 'source.json';

export interface BindSourceOptions {
  /** The agent state folder (the record lives there). */
  stateDir: string;
  /** The source from the config file, environment or flags; undefined when none was given. */
  configured: SourceConfig | undefined;
  /** The bundled sample, used when `allowSample` and nothing was configured on a new folder. */
  sample: SourceConfig;
  /** Only `start` (the quick start) may fall back to the sample; 'if-recorded': only where the folder already syncs it. */
  allowSample: boolean | 'if-recorded';
  /** The admin confirmed a switch to another source (--replace-source). */
  replace: boolean;
  /** Objects the agent of this folder has synced; a folder that synced nothing is not bound yet. */
  synced: number;
}

/** The identity of a source: what tells two directories apart (a different bind account is the same source). */
export function identityOf(source: SourceConfig, isSample = false): SourceIdentity {
  if (isSample) return { kind: 'sample' };
  if (source.type === 'ldif') return { kind: 'ldif', path: resolve(source.path) };
  return {
    kind: 'ldap',
    flavor: source.flavor,
    url: source.url.toLowerCase().replace(/\/$/, ''),
    baseDns: [...new Set(source.baseDns.map(normalizeDn))].sort(),
  };
}

export function sameSource(a: SourceIdentity, b: SourceIdentity): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'ldif' && b.kind === 'ldif') return a.path === b.path;
  if (a.kind === 'ldap' && b.kind === 'ldap') return a.flavor === b.flavor && a.url === b.url && a.baseDns.join('\n') === b.baseDns.join('\n');
  return true;
}

export function describeSource(identity: SourceIdentity): string {
  switch (identity.kind) {
    case 'sample': return 'the bundled sample directory';
    case 'ldif': return `the LDIF file ${identity.path}`;
    case 'ldap': return `${identity.url} (${identity.flavor}, base DNs ${identity.baseDns.join('; ')})`;
  }
}

/** How to give this source again on the command line. */
function flagsFor(identity: SourceIdentity): string {
  switch (identity.kind) {
    case 'sample': return 'no source flags (the sample)';
    case 'ldif': return `--source-ldif ${identity.path}`;
    case 'ldap': return `--source-url ${identity.url} --flavor ${identity.flavor} ${identity.baseDns.map((dn) => `--base-dn '${dn}'`).join(' ')} with its --bind-dn and --bind-password-file (or the config file that has them)`;
  }
}

export function readSourceRecord(stateDir: string): SourceIdentity | null {
  let text: string;
  try {
    text = readFileSync(join(stateDir, SOURCE_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AppError('DATA_DIR_UNWRITABLE', { message: `${join(stateDir, SOURCE_FILE)} cannot be read.`, cause: error });
  }
  try {
    const parsed = JSON.parse(text) as SourceIdentity;
    if (!['sample', 'ldif', 'ldap'].includes(parsed.kind)) throw new Error(`unknown kind ${String(parsed.kind)}`);
    return parsed;
  } catch (cause) {
    throw new AppError('SOURCE_CHANGED', {
      message: `${join(stateDir, SOURCE_FILE)}, the record of the source this data folder synchronizes, is damaged, so the source given cannot be checked against it.`,
      hint: 'Start once with --replace-source to record the source given as this folder\'s source.',
      cause,
    });
  }
}

function writeSourceRecord(stateDir: string, identity: SourceIdentity): void {
  ensurePrivateDir(stateDir);
  const file = join(stateDir, SOURCE_FILE);
  // Written whole or not at all: a crash never leaves a half record that would refuse every start.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(identity, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/**
 * The source to synchronize, checked against the folder's record, which it then holds. Throws
 * SOURCE_MISSING or SOURCE_CHANGED (before anything is read from the source or sent to the tenant).
 */
export function bindSource(options: BindSourceOptions): SourceConfig {
  let recorded: SourceIdentity | null;
  try {
    recorded = readSourceRecord(options.stateDir);
  } catch (error) {
    // A damaged record is replaced only when the admin said so.
    if (!options.replace) throw error;
    recorded = null;
  }
  const bound = recorded !== null && options.synced > 0;
  let chosen: SourceConfig;
  let identity: SourceIdentity;
  if (options.configured) {
    chosen = options.configured;
    identity = identityOf(chosen);
    if (bound && recorded && !options.replace && !sameSource(recorded, identity)) {
      throw new AppError('SOURCE_CHANGED', {
        message: `This data folder synchronizes ${describeSource(recorded)}, but the source given is ${describeSource(identity)}; syncing it would delete from the tenant what the first source synced.`,
        hint: `Give the original source again (${flagsFor(recorded)}). To replace the source on purpose, start once with --replace-source: the objects of the old source then leave the tenant (a delete above the threshold waits for you to allow it).`,
        details: { recorded, given: identity },
      });
    }
  } else {
    const sampleAllowed = recorded === null ? options.allowSample === true && options.synced === 0 : recorded.kind === 'sample' && options.allowSample !== false;
    if (!sampleAllowed) throw sourceMissing(recorded, options);
    chosen = options.sample;
    identity = identityOf(chosen, true);
  }
  if (recorded === null || !sameSource(recorded, identity)) writeSourceRecord(options.stateDir, identity);
  return chosen;
}

function sourceMissing(recorded: SourceIdentity | null, options: BindSourceOptions): AppError {
  const give = 'Give the source with --source-url (with --bind-dn, --bind-password-file and --base-dn) or --source-ldif FILE, or as agent.source in the config file (--config).';
  if (recorded && recorded.kind !== 'sample') {
    return new AppError('SOURCE_MISSING', {
      message: `No directory source was given, but this data folder synchronizes ${describeSource(recorded)}; the bundled sample directory is never used in its place.`,
      hint: `Start with that source again: ${flagsFor(recorded)}.`,
      details: { recorded },
    });
  }
  if (!options.allowSample) {
    return new AppError('SOURCE_MISSING', {
      message: 'No directory source was given: an agent synchronizes only the source it is given (the bundled sample directory is only for the quick start, dirbridge start on a new data folder).',
      hint: give,
    });
  }
  return new AppError('SOURCE_MISSING', {
    message: 'No directory source was given, and this data folder has already synced objects from a source it has no record of; the bundled sample directory is only used on a new data folder.',
    hint: `${give} To sync the sample into this folder anyway, give it explicitly with --source-ldif and --replace-source.`,
  });
}

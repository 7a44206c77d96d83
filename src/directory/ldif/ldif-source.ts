/**
 * A directory source over an LDIF file. An LDIF file has no change log, so every cycle re-reads
 * it and the engine compares with what was exported ("re-read and compare"); the anchor is the
 * normalized DN. The file is watched, so an edit is synchronized within a second.
 *
 * The file is used whole or not at all: only once it has stopped changing (read-stable-file.ts),
 * as UTF-8, and only when every record can be told apart. A record with a syntax error but a
 * readable DN is one object's error (the object is kept as it was); a record without one could be
 * any entry, so the whole file is refused (LDIF_FILE_INVALID) and the cycle fails before it
 * changes anything: a cut or garbled file never deletes what it no longer shows.
 */
import { boundErrorParams } from '../../shared/error-params.js';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { AppError } from '../../shared/errors.js';
import { normalizeDn } from '../dn.js';
import type { DirectoryEntry } from '../entry.js';
import type { ObjectSyncError } from '../../sync/model.js';
import type { DirectorySource } from '../../sync/ports.js';
import { readLdifFile } from './read-ldif-file.js';
import type { StableReadOptions } from './read-stable-file.js';

const PAGE_SIZE = 1000;

export function createLdifSource(path: string, options: StableReadOptions = {}): DirectorySource {
  const file = resolve(path);
  let problems: ObjectSyncError[] = [];

  const load = async (): Promise<DirectoryEntry[]> => {
    const parsed = await readLdifFile(file, options);
    const unattributed = parsed.errors.filter((error) => typeof error.details?.dn !== 'string');
    if (unattributed.length > 0) {
      const lines = unattributed.map((error) => error.message).slice(0, 5).join(' ');
      throw new AppError('LDIF_FILE_INVALID', {
        message: `The LDIF file ${basename(file)} has records that cannot be read, so it was not used and the tenant was left as it was: ${lines}${unattributed.length > 5 ? ` (${unattributed.length - 5} more)` : ''}`,
        details: { path: file, lines: unattributed.map((error) => error.details?.line) },
        params: { file: basename(file), count: unattributed.length, lines: unattributed.slice(0, 20).map((error) => String(error.details?.line ?? '?')).join(', ') },
      });
    }
    problems = parsed.errors.map((error) => {
      const line = Number(error.details?.line ?? 0);
      const dn = typeof error.details?.dn === 'string' ? error.details.dn : '';
      return {
        anchor: dn ? normalizeDn(dn) : `ldif-line-${line}`,
        kind: 'user' as const,
        dn,
        attribute: null,
        code: error.code,
        message: `${basename(file)}: ${error.message}`,
        hint: error.hint,
        params: boundErrorParams({ ...error.params, file: basename(file) }),
      };
    });
    return parsed.entries.map(({ dn, attributes }) => ({ dn, attributes }));
  };

  return {
    description: `ldif:${file}`,
    flavor: 'ldif',
    async *readAll() {
      const entries = await load();
      for (let i = 0; i < entries.length; i += PAGE_SIZE) yield entries.slice(i, i + PAGE_SIZE);
    },
    readChanges: () => Promise.resolve(null),
    currentCursor: () => Promise.resolve(null),
    async *listAnchors() {
      yield (await load()).map((e) => normalizeDn(e.dn));
    },
    watch(onChange, onError) {
      // Watch the folder, not the file: editors and `mv` replace the file, which ends a file watch.
      let watcher: FSWatcher | null = null;
      try {
        watcher = watch(dirname(file), (_event, name) => {
          if (name === null || name === basename(file)) onChange();
        });
        watcher.on('error', onError);
      } catch (error) {
        onError(error);
      }
      return () => watcher?.close();
    },
    readProblems: () => problems,
    close: () => Promise.resolve(),
  };
}

/**
 * Reads a file only once it has stopped changing, so a file still being written (an export job,
 * an editor saving, a copy over the network) is never taken for the whole directory: a half-written
 * LDIF file would make every entry past the cut look deleted.
 *
 * A file counts as stable when its modification time is at least `settleMs` in the past and its
 * size and modification time are the same before and after the read (and the bytes read match the
 * size). A file moved into place by an atomic rename of a finished file is stable at once.
 */
import { readFile, stat } from 'node:fs/promises';

import { AppError } from '../../shared/errors.js';

export const DEFAULT_SETTLE_MS = 500;

export interface StableReadOptions {
  /** How long the file must have been left alone. Default 500 ms. */
  settleMs?: number;
  /** How long to wait for a file that keeps changing before giving up (LDIF_FILE_UNSTABLE). Default 20 × settleMs. */
  maxWaitMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function readStableFile(path: string, options: StableReadOptions = {}): Promise<Buffer> {
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const deadline = Date.now() + (options.maxWaitMs ?? 20 * settleMs);
  for (;;) {
    const before = await statOf(path);
    const quietFor = Date.now() - before.mtimeMs;
    if (quietFor >= settleMs) {
      const bytes = await readOrThrow(path);
      const after = await statOf(path);
      if (bytes.length === before.size && after.size === before.size && after.mtimeMs === before.mtimeMs && after.ino === before.ino) return bytes;
    }
    if (Date.now() >= deadline) {
      throw new AppError('LDIF_FILE_UNSTABLE', {
        message: `The LDIF file ${path} was still changing after ${options.maxWaitMs ?? 20 * settleMs} ms; it was not used and the tenant was left as it was.`,
        details: { path },
        params: { file: path, seconds: Math.round((options.maxWaitMs ?? 20 * settleMs) / 100) / 10 },
      });
    }
    await sleep(Math.max(20, Math.min(settleMs - Math.max(0, quietFor), settleMs)));
  }
}

async function statOf(path: string): Promise<{ size: number; mtimeMs: number; ino: number }> {
  try {
    const { size, mtimeMs, ino } = await stat(path);
    return { size, mtimeMs, ino };
  } catch (cause) {
    throw unreadable(path, cause);
  }
}

async function readOrThrow(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw unreadable(path, cause);
  }
}

function unreadable(path: string, cause: unknown): AppError {
  const reason = (cause as NodeJS.ErrnoException).code ?? 'read error';
  return new AppError('LDIF_FILE_UNREADABLE', { message: `The LDIF file ${path} cannot be read (${reason}).`, details: { path, reason }, params: { file: path, reason }, cause });
}

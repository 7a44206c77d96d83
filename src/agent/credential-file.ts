/**
 * The agent's credential file (`<stateDir>/credential.json`): owner-only, and replaced atomically
 * (write a temporary file, flush it, rename over the old one) so a crash during a renewal leaves
 * the old credential or the new one, never a torn file.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../shared/errors.js';
import { ensurePrivateDir } from '../shared/private-files.js';

export interface StoredCredential {
  tenantUrl: string;
  agentId: string;
  credential: string;
  /** sha256 of the registration token it was registered with: the same token given again is no new registration. */
  registrationTokenHash?: string;
  /** Saved before the registration request: true until the tenant confirmed it (a crash in between is retried with the same identity). */
  pending?: boolean;
}

export const CREDENTIAL_FILE = 'credential.json';

export function readCredential(stateDir: string): StoredCredential | null {
  const file = join(stateDir, CREDENTIAL_FILE);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StoredCredential;
  } catch (cause) {
    throw new AppError('DATA_DIR_UNWRITABLE', { message: `The agent credential file ${file} cannot be read.`, hint: 'Check the file (it is JSON written by the agent) or remove it and register the agent again with a new token.', cause });
  }
}

export function writeCredential(stateDir: string, stored: StoredCredential): void {
  ensurePrivateDir(stateDir);
  const file = join(stateDir, CREDENTIAL_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(stored));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
  // The rename is durable once the folder entry is flushed.
  const dirFd = openSync(stateDir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

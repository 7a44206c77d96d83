/** The generated initial admin password: saved owner-only in the data folder the moment it exists, so no failure can lose it. */
import { closeSync, fchmodSync, openSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensurePrivateDir } from '../shared/private-files.js';

export const INITIAL_ADMIN_PASSWORD_FILE = 'initial-admin-password';

/** Writes the generated initial password to an owner-only file in the data folder; returns its path. */
export function writeInitialAdminPassword(dataDir: string, password: string): string {
  ensurePrivateDir(dataDir);
  const file = resolve(join(dataDir, INITIAL_ADMIN_PASSWORD_FILE));
  const fd = openSync(file, 'w', 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, `${password}\n`);
  } finally {
    closeSync(fd);
  }
  return file;
}

/** Said on stderr when a first start fails after the admin was made: where the password is, and the way back in. */
export function initialAdminNote(username: string, file: string): string {
  return `\n  The initial global admin "${username}" was created before the failure. Its password is in ${file}\n`
    + '  (readable by this user only; it must be changed at the first sign-in). Fix the problem above and start again;\n'
    + `  if the file is lost: dirbridge admin reset-password ${username} --data-dir <this data folder>.\n\n`;
}

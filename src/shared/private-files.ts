/**
 * Files that hold secrets (the SQLite store with the OIDC signing keys and password verifiers,
 * the agent state and credential) are owner-only: folders 0700, files 0600, whatever the umask.
 * An existing file or folder from an older version is tightened on the next start.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/**
 * Creates `file` empty and owner-only before a library opens it, or tightens it. SQLite creates
 * its -wal and -shm files with the mode of the database file; existing ones are tightened too.
 */
export function ensurePrivateFile(file: string, companions: readonly string[] = []): void {
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  for (const suffix of companions) if (existsSync(file + suffix)) chmodSync(file + suffix, 0o600);
}

export const SQLITE_COMPANIONS = ['-wal', '-shm', '-journal'] as const;

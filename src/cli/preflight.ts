/**
 * Start-up checks run before anything is created (no store, no data folder, no admin): a port in
 * use, a data folder that cannot be written, a file that is missing or unreadable. Each failure
 * is a coded error naming the thing and the fix, so a failed first start leaves nothing behind.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { AppError } from '../shared/errors.js';
import type { DirbridgeConfig, SourceConfig } from '../config/schema.js';
import { isPostgresUrl } from '../tenant/store/open-store.js';

/** PORT_IN_USE (or CONFIG_INVALID for a port that needs privileges) unless `host:port` can be listened on now. */
export async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((done, fail) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => fail(portError(error, host, port)));
    server.listen({ port, host, exclusive: true }, () => server.close(() => done()));
  });
}

/** The listener's own error in words (also used when the port is taken between check and listen). */
export function portError(error: NodeJS.ErrnoException, host: string, port: number): AppError | NodeJS.ErrnoException {
  if (error.code === 'EADDRINUSE') {
    return new AppError('PORT_IN_USE', {
      message: `Port ${port} on ${host} is already in use by another program (or another dirbridge).`,
      hint: `Stop the program listening on ${host}:${port} (see \`ss -ltnp 'sport = :${port}'\`), or choose another port with --port or DIRBRIDGE_PORT.`,
      details: { host, port },
    });
  }
  if (error.code === 'EACCES') {
    return new AppError('CONFIG_INVALID', {
      message: `Listening on ${host}:${port} is not permitted for this user (ports below 1024 need privileges).`,
      hint: 'Choose a port of 1024 or above with --port (and put a reverse proxy on 443), or grant the capability to bind low ports.',
      details: { host, port },
    });
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return new AppError('CONFIG_INVALID', {
      message: `The address ${host} is not an address of this machine, so dirbridge cannot listen on it.`,
      hint: 'Give an address of this machine with --host (127.0.0.1, 0.0.0.0 for all, or one of its interfaces).',
      details: { host, port },
    });
  }
  return error;
}

/** DATA_DIR_UNWRITABLE unless `dir` exists as a writable folder or could be created (nothing is created here). */
export function checkWritableDir(dir: string, what: string): void {
  const path = resolve(dir);
  let existing = path;
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  const fail = (problem: string) => new AppError('DATA_DIR_UNWRITABLE', {
    message: `${what} ${path} ${problem}`,
    hint: 'Give the dirbridge user write access to it (or to the folder it is created in), or choose another folder with --data-dir or DIRBRIDGE_DATA_DIR.',
    details: { dataDir: path },
  });
  if (!statSync(existing).isDirectory()) throw fail(`cannot be created: ${existing} is a file, not a folder.`);
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch {
    throw fail(existing === path ? 'is not writable by this user.' : `cannot be created: ${existing} is not writable by this user.`);
  }
}

/** FILE_UNREADABLE unless `file` is a readable file; `key` names the setting (and flag) it came from. */
export function checkReadableFile(file: string, key: string, fix: string): void {
  const path = resolve(file);
  let problem: string | null = null;
  if (!existsSync(path)) problem = 'does not exist';
  else if (!statSync(path).isFile()) problem = 'is not a file';
  else {
    try {
      accessSync(path, constants.R_OK);
    } catch {
      problem = 'cannot be read by this user';
    }
  }
  if (problem) throw new AppError('FILE_UNREADABLE', { message: `${key}: the file ${path} ${problem}.`, hint: fix, details: { key, file: path } });
}

/** The files a source needs before the agent starts. */
export function checkSourceFiles(source: SourceConfig | undefined): void {
  if (!source) return;
  if (source.type === 'ldif') {
    checkReadableFile(source.path, 'agent.source.path (--source-ldif)', 'Give the path of an existing LDIF file (an export of your directory).');
    return;
  }
  checkReadableFile(source.bindPasswordFile, 'agent.source.bindPasswordFile (--bind-password-file)', 'Put the sync account password in that file (mode 600), or fix the path.');
  if (source.caFile) checkReadableFile(source.caFile, 'agent.source.caFile (--ca-file)', 'Give the PEM file of the CA that signed the directory server certificate, or fix the path.');
  const replication = source.passwordReplication;
  if (replication?.passwordFile) checkReadableFile(replication.passwordFile, 'agent.source.passwordReplication.passwordFile', 'Put the replication account password in that file (mode 600), or fix the path.');
}

/** Everything `serve` (and the tenant half of `start`) needs, checked before the store is opened. */
export async function preflightTenant(config: DirbridgeConfig): Promise<void> {
  const { tenant } = config;
  if (tenant.tls) {
    checkReadableFile(tenant.tls.certFile, 'tenant.tls.certFile (--tls-cert)', 'Give the PEM certificate file (with its chain), or fix the path.');
    checkReadableFile(tenant.tls.keyFile, 'tenant.tls.keyFile (--tls-key)', 'Give the PEM private key file (mode 600), or fix the path.');
  }
  // The data folder holds the SQLite store, and always the initial admin password file.
  checkWritableDir(tenant.dataDir, isPostgresUrl(tenant.databaseUrl) ? 'The data folder' : 'The data folder (SQLite store)');
  await checkPortFree(tenant.host, tenant.port);
}

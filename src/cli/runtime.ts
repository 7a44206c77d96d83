/** Small pieces every command shares: paths inside the package, the logger, error output. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import pretty from 'pino-pretty';
import { createLogger, REDACTED_PATHS, type Logger } from '../shared/logger.js';
import { toPublicError, isAppError } from '../shared/errors.js';

/** The package root (two levels above dist/cli or src/cli). */
export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
export const sampleLdifPath = fileURLToPath(new URL('../../sample/directory.ldif', import.meta.url));
export const adminUiDir = fileURLToPath(new URL('../../dist/admin-ui/', import.meta.url));

export const version: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** JSON lines when piped (for log shippers), readable lines on a terminal. */
export function createCliLogger(level?: string): Logger {
  const chosen = level ?? process.env.DIRBRIDGE_LOG_LEVEL ?? 'info';
  if (process.stdout.isTTY && process.env.DIRBRIDGE_LOG_FORMAT !== 'json') {
    return pino({ level: chosen, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, pretty({ colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' }));
  }
  return createLogger({ level: chosen });
}

/** Prints an error the way a person can act on: code, message, what to do. Exits non-zero. */
export function failWith(error: unknown, json = false): never {
  const publicError = toPublicError(error);
  if (json) {
    process.stdout.write(`${JSON.stringify({ error: publicError })}\n`);
  } else {
    process.stderr.write(`Error ${publicError.code}: ${publicError.message}\n  What to do: ${publicError.hint}\n`);
    if (!isAppError(error) && process.env.DIRBRIDGE_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(1);
}

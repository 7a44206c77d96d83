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
  if (process.stdout.isTTY && process.env.DIRBRIDGE_LOG_FORMAT !== 'json') return createTerminalLogger(chosen, { colorize: true });
  return createLogger({ level: chosen });
}

type LogLine = Record<string, unknown> & { level?: number; hint?: unknown; err?: { hint?: unknown; code?: unknown; message?: unknown } };

/**
 * The terminal's log: one line per event (local time, level, message, its fields inline), and on a
 * warning or error the "what to do" of its code, so the person at the terminal knows the next step.
 */
export function createTerminalLogger(level: string, options: { colorize: boolean; destination?: NodeJS.WritableStream }): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, pretty({
    colorize: options.colorize,
    // The error is told inline (code and message); its stack is for the JSON log (DIRBRIDGE_LOG_FORMAT=json).
    ignore: 'pid,hostname,hint,err',
    translateTime: 'SYS:HH:MM:ss',
    singleLine: true,
    messageFormat: (log: LogLine, messageKey: string) => {
      const err = log.err;
      const message = String(log[messageKey] ?? '') + (err ? `: ${typeof err.code === 'string' ? `${err.code} ` : ''}${String(err.message ?? '')}` : '');
      const hint = (log.level ?? 0) >= 40 ? (log.hint ?? log.err?.hint) : undefined;
      return typeof hint === 'string' && hint !== '' ? `${message} (what to do: ${hint})` : message;
    },
    ...(options.destination ? { destination: options.destination } : {}),
  }));
}

/** Prints an error the way a person can act on: code, message, what to do. Exits non-zero (`exitCode`). */
export function failWith(error: unknown, json = false, exitCode = 1): never {
  const publicError = toPublicError(error);
  if (json) {
    process.stdout.write(`${JSON.stringify({ error: publicError })}\n`);
  } else {
    process.stderr.write(`Error ${publicError.code}: ${publicError.message}\n  What to do: ${publicError.hint}\n`);
    if (!isAppError(error) && process.env.DIRBRIDGE_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(exitCode);
}

import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Paths that may hold a secret anywhere in a log record. Redaction is the second line of defence:
 * the first is that no code passes secrets to the logger at all.
 */
export const REDACTED_PATHS = [
  'password', '*.password', 'bindPassword', '*.bindPassword', 'credential', '*.credential',
  'token', '*.token', 'registrationToken', '*.registrationToken', 'verifiers', '*.verifiers',
  'hash', '*.hash', 'salt', '*.salt', 'userPassword', '*.userPassword',
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
];

export function createLogger(options: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  const config = {
    level: options.level ?? process.env.DIRBRIDGE_LOG_LEVEL ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(options.name ? { name: options.name } : {}),
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

/** A logger that keeps its lines in memory, for tests that assert on what was (not) logged. */
export function createMemoryLogger(level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = { write: (line: string) => { lines.push(line); } };
  return { logger: createLogger({ level, destination }), lines };
}

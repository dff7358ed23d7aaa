import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config';

export type { Logger };

/**
 * JSON logs on stdout, written asynchronously so that logging never blocks
 * a request. Authorization headers and bodies never reach a log line: the
 * request logger records only chosen fields, and redaction guards the rest.
 */
export function createLogger(level: LogLevel): { logger: Logger; flush: () => void } {
  const destination = pino.destination({ sync: false });
  const logger = pino(
    {
      level,
      base: { service: 'scoped-secrets' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['authorization', 'token', 'value', '*.authorization', '*.token', '*.value', 'req.headers', 'headers.authorization'],
        censor: '[redacted]',
      },
    },
    destination,
  );
  return { logger, flush: () => destination.flushSync() };
}

export const silentLogger: Logger = pino({ level: 'silent' });

import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogFormat, LogLevel } from '../config';
import { readableLogLine } from './log-lines';

export type { Logger };

/**
 * Logs on stdout, written asynchronously so that logging never blocks a
 * request: JSON lines, or with `format` text (auto: when stdout is a
 * terminal) one readable line per record. Authorization headers and bodies
 * never reach a log line: the request logger records only chosen fields,
 * and redaction guards the rest.
 */
export function createLogger(level: LogLevel, format: LogFormat = 'json'): { logger: Logger; flush: () => void } {
  const sink = pino.destination({ sync: false });
  const readable = format === 'text' || (format === 'auto' && process.stdout.isTTY === true);
  const destination: DestinationStream = readable ? { write: (line: string) => void sink.write(readableLogLine(line)) } : sink;
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
  return { logger, flush: () => sink.flushSync() };
}

export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * One failure that repeats for every request while the database is out of
 * reach or its disk is full must not multiply the log by the traffic: the
 * first of a run is logged with its error, the rest are counted, and the
 * next line, at most one every `intervalMs`, says how many there were
 * since. A log that grows with the traffic would fill the very disk that
 * is already full.
 */
import type { Logger } from 'pino';
import type { Clock } from './clock';

export class ThrottledErrorLog {
  private loggedAt?: number;
  private suppressed = 0;

  constructor(private readonly deps: { logger: Pick<Logger, 'error'>; clock: Clock; message: string; intervalMs: number }) {}

  report(error: unknown, fields: Record<string, unknown> = {}): void {
    const { logger, clock, message, intervalMs } = this.deps;
    const now = clock.now();
    if (this.loggedAt !== undefined && now - this.loggedAt < intervalMs) {
      this.suppressed += 1;
      return;
    }
    const since = this.suppressed;
    this.loggedAt = now;
    this.suppressed = 0;
    logger.error(
      { err: error, ...fields, ...(since > 0 ? { alike: since } : {}) },
      since > 0 ? `${message} (and ${since} more like it since the last line)` : message,
    );
  }
}

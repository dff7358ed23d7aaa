/**
 * Purges expired secrets in bounded batches, yielding to the event loop
 * between batches so that requests keep flowing while it works.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { SecretStore } from './secret-store-type';

export interface SweepResult {
  readonly purged: number;
}

export class Sweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<SweepResult>;
  private stopped = false;

  private readonly store: Pick<SecretStore, 'purgeExpiredBatch'>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly onPurged: (keys: readonly string[]) => void;
  private readonly batchSize: number;

  constructor(deps: {
    store: Pick<SecretStore, 'purgeExpiredBatch'>;
    clock: Clock;
    logger: Logger;
    onPurged?: (keys: readonly string[]) => void;
    batchSize?: number;
  }) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.onPurged = deps.onPurged ?? (() => {});
    this.batchSize = deps.batchSize ?? 200;
  }

  /** One full sweep; a call while a sweep runs joins that sweep instead of starting another. */
  runOnce(): Promise<SweepResult> {
    this.running ??= this.sweep().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  start(intervalMs: number): void {
    this.stopped = false;
    const tick = () => {
      this.runOnce()
        .catch((error: unknown) => this.logger.error({ err: error }, 'sweep failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, intervalMs).unref();
  }

  /** Stops the timer and waits for a sweep in progress to finish its batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private async sweep(): Promise<SweepResult> {
    let purged = 0;
    for (;;) {
      const keys = await this.store.purgeExpiredBatch(this.clock.now(), this.batchSize);
      purged += keys.length;
      if (keys.length > 0) this.onPurged(keys);
      if (keys.length < this.batchSize || this.stopped) break;
      await yieldToEventLoop();
    }
    if (purged > 0) this.logger.info({ purged }, 'swept expired secrets');
    return { purged };
  }
}

/**
 * Purges what has expired (secrets, revocations, audit events past
 * retention) in bounded batches, yielding to the event loop between
 * batches so that requests keep flowing while it works.
 */
import { setTimeout as pause } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock';
import { every, type Periodic } from '../common/periodic';

export interface SweepJob {
  readonly name: string;
  /** Purges at most `limit` items expired at `now`; returns how many it purged. */
  purgeBatch(now: number, limit: number): Promise<number>;
}

/** How hard the sweeper works: items per batch, and the pause between batches. Each storage backend says what suits it. */
export interface SweepPacing {
  readonly batchSize: number;
  readonly pauseMs: number;
}

/** How many items each job purged, by job name. */
export type SweepResult = Readonly<Record<string, number>>;

export class Sweeper {
  private schedule?: Periodic;
  private running?: Promise<SweepResult>;
  private stopped = false;

  private readonly jobs: readonly SweepJob[];
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly pauseMs: number;

  /** Between batches the sweeper pauses `pauseMs` (0: just yields), so that requests keep their share of the machine. */
  constructor(deps: { jobs: readonly SweepJob[]; clock: Clock; logger: Logger; batchSize?: number; pauseMs?: number }) {
    this.jobs = deps.jobs;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.batchSize = deps.batchSize ?? 200;
    this.pauseMs = deps.pauseMs ?? 0;
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
    this.schedule = every(
      intervalMs,
      () => this.runOnce(),
      (error) => this.logger.error({ err: error }, 'sweep failed'),
    );
  }

  /** Stops the timer and waits for a sweep in progress to finish its batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.schedule?.stop();
    await this.running?.catch(() => undefined);
  }

  private async sweep(): Promise<SweepResult> {
    const result: Record<string, number> = {};
    for (const job of this.jobs) {
      let purged = 0;
      for (;;) {
        const count = await job.purgeBatch(this.clock.now(), this.batchSize);
        purged += count;
        if (count < this.batchSize || this.stopped) break;
        await pause(this.pauseMs);
      }
      result[job.name] = purged;
    }
    if (Object.values(result).some((count) => count > 0)) this.logger.info({ purged: result }, 'swept');
    return result;
  }
}

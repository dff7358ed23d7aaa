/**
 * Group commit for the write thread: writes that queue up while the
 * connection is busy commit together, in one transaction and so one fsync,
 * each in a savepoint of its own. A write that fails rolls back alone and
 * fails alone; the others commit. Nobody is answered before the commit.
 */
import type { Knex } from 'knex';
import { inTransaction } from '../db/transactions';

type Work = (trx: Knex.Transaction) => Promise<unknown>;

interface Queued {
  readonly work: Work;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: unknown };

export class GroupCommit {
  private readonly queue: Queued[] = [];
  private draining = false;

  constructor(
    private readonly knex: Knex,
    /** At most this many writes per transaction, so that one commit never holds the write lock long. */
    private readonly maxBatch = 64,
  ) {}

  run<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        // better-sqlite3 runs synchronously, so no message is delivered while a batch commits: let the
        // writes that arrived meanwhile in (a macrotask turn) before taking the next batch.
        await new Promise((resolve) => setImmediate(resolve));
        await this.commitBatch();
      }
    } finally {
      this.draining = false;
    }
  }

  private async commitBatch(): Promise<void> {
    let batch: Queued[] = [];
    try {
      const outcomes = await inTransaction(this.knex, async (trx) => {
        // SQLite's write lock first: a busy database fails (and retries) the batch, not one write inside it.
        await trx.raw('UPDATE secrets SET version = version WHERE 0');
        // Taken once the connection and the lock are ours: everything that queued meanwhile joins.
        if (batch.length === 0) batch = this.queue.splice(0, this.maxBatch);
        const done: Outcome[] = [];
        for (const item of batch) {
          try {
            done.push({ ok: true, result: await trx.transaction((savepoint) => item.work(savepoint)) });
          } catch (error) {
            done.push({ ok: false, error });
          }
        }
        return done;
      });
      outcomes.forEach((outcome, index) => {
        const item = batch[index] as Queued;
        if (outcome.ok) item.resolve(outcome.result);
        else item.reject(outcome.error);
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  }
}

/**
 * Group commit for the write thread: writes that queue up while the
 * connection is busy commit together, in one transaction and so one fsync,
 * each in a savepoint of its own. A write that fails rolls back alone and
 * fails alone; the others commit. Nobody is answered before the commit.
 *
 * A batch runs synchronously on the thread's connection, taken from knex's
 * pool so that no knex transaction is open on it meanwhile.
 */
import type Database from 'better-sqlite3';
import type { Knex } from 'knex';
import { MAX_ATTEMPTS, isWriteConflict } from '../knex/transactions';

/** One write: synchronous, on the connection, inside the batch's transaction. */
type Work = (db: Database.Database) => unknown;

interface Queued {
  readonly work: Work;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: unknown };

interface ConnectionPool {
  acquireConnection(): Promise<Database.Database>;
  releaseConnection(connection: Database.Database): Promise<unknown>;
}

export class GroupCommit {
  private readonly queue: Queued[] = [];
  private draining = false;

  constructor(
    private readonly knex: Knex,
    /** At most this many writes per transaction, so that one commit never holds the write lock long. */
    private readonly maxBatch = 64,
  ) {}

  run<T>(work: (db: Database.Database) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        // A batch runs synchronously, so no message is delivered meanwhile: let the writes that arrived
        // during the last one in (a macrotask turn) before taking the next batch.
        await new Promise((resolve) => setImmediate(resolve));
        await this.commitBatch();
      }
    } finally {
      this.draining = false;
    }
  }

  private async commitBatch(): Promise<void> {
    const pool = this.knex.client as ConnectionPool;
    const db = await pool.acquireConnection();
    const batch = this.queue.splice(0, this.maxBatch);
    try {
      const outcomes = commitTogether(db, batch);
      outcomes.forEach((outcome, index) => {
        const item = batch[index] as Queued;
        if (outcome.ok) item.resolve(outcome.result);
        else item.reject(outcome.error);
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
    } finally {
      await pool.releaseConnection(db);
    }
  }
}

/** BEGIN IMMEDIATE takes SQLite's write lock first: a busy database fails (and retries) the batch, not one write inside it. */
function commitTogether(db: Database.Database, batch: readonly Queued[]): Outcome[] {
  const inSavepoint = db.transaction((work: Work) => {
    const result = work(db);
    if (result instanceof Promise) throw new TypeError('a group commit write must be synchronous');
    return result;
  });
  const commit = db.transaction((): Outcome[] =>
    batch.map((item) => {
      try {
        return { ok: true, result: inSavepoint(item.work) };
      } catch (error) {
        return { ok: false, error };
      }
    }),
  );
  for (let attempt = 1; ; attempt++) {
    try {
      return commit.immediate();
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isWriteConflict(error)) throw error;
    }
  }
}

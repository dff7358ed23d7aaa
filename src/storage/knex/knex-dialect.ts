/**
 * What the stores shared by both backends (knex-*-storage.ts) ask of the
 * database they run on, where SQLite and PostgreSQL differ: each backend
 * passes its own (sqlite/sqlite-dialect.ts, postgres/postgres-dialect.ts),
 * so that no store checks which database it is on.
 */
import type { Knex } from 'knex';

export interface KnexDialect {
  /** Locks the rows `query` reads until the transaction ends, against writers in other transactions. */
  forUpdate<T extends object>(query: Knex.QueryBuilder<T>): Knex.QueryBuilder<T>;
  /** Appended to a purge's subquery: concurrent purgers skip each other's rows rather than wait on them. */
  readonly skipLocked: string;
  /**
   * Called first in a transaction that reads then writes on a connection
   * other than the one writer: takes the write lock before the first read.
   */
  beginWrite(trx: Knex.Transaction): Promise<void>;
  /** Serialises the transactions that take `lock`, each until it ends. */
  serialise(trx: Knex.Transaction, lock: string): Promise<void>;
  /** The rows of a `knex.raw` answer. */
  rowsOf<T>(result: unknown): T[];
}

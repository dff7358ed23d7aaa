/** SQLite's answers to KnexDialect: one connection writes (the write thread), so its transactions are serialised already. */
import type { KnexDialect } from '../knex/knex-dialect';

export const sqliteDialect: KnexDialect = {
  forUpdate: (query) => query,
  skipLocked: '',
  serialise: async () => {},
  // A deferred transaction that reads, then writes after another connection committed, fails at once with
  // SQLITE_BUSY_SNAPSHOT, which no busy timeout waits out: a write that matches nothing takes the lock first.
  beginWrite: async (trx) => {
    await trx.raw('UPDATE service_meta SET name = name WHERE 0');
  },
  rowsOf: <T>(result: unknown): T[] => (Array.isArray(result) ? result : []) as T[],
};

/** PostgreSQL's answers to KnexDialect: replicas write at once, so rows are locked and purgers skip each other. */
import type { KnexDialect } from '../knex/knex-dialect';

export const postgresDialect: KnexDialect = {
  forUpdate: (query) => query.forUpdate(),
  skipLocked: ' FOR UPDATE SKIP LOCKED',
  // Row locks (forUpdate) do the work: nothing to take up front.
  beginWrite: async () => {},
  serialise: async (trx, lock) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [lock]);
  },
  rowsOf: <T>(result: unknown): T[] => (result as { rows: T[] }).rows,
};

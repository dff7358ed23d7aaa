/** SQLite's answers to KnexDialect: one connection writes (the write thread), so its transactions are serialised already. */
import type { KnexDialect } from '../knex/knex-dialect';

export const sqliteDialect: KnexDialect = {
  forUpdate: (query) => query,
  skipLocked: '',
  serialise: async () => {},
  rowsOf: <T>(result: unknown): T[] => (Array.isArray(result) ? result : []) as T[],
};

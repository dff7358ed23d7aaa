/** One way to run a transaction, for every store: retried when a concurrent writer collided. */
import type { Knex } from 'knex';

/** Errors a concurrent writer can cause; the whole transaction is worth one more try. */
export function isWriteConflict(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return code === '23505' || code === '40001' || code === '40P01' || code.startsWith('SQLITE_BUSY');
}

export const MAX_ATTEMPTS = 4;

export async function inTransaction<T>(knex: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await knex.transaction(work);
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isWriteConflict(error)) throw error;
    }
  }
}

import type { Knex } from 'knex';

/**
 * Takes a lock on one service_meta row for the rest of the transaction.
 * A no-op UPDATE does it on both databases: a row lock on PostgreSQL, and
 * on SQLite the database write lock, taken up front (waiting on
 * busy_timeout) instead of failing later when a read would upgrade.
 */
export async function lockMetaRow(trx: Knex.Transaction, name: string): Promise<string> {
  await trx('service_meta').where({ name }).update({ value: trx.ref('value') });
  const row = await trx('service_meta').where({ name }).first('value');
  if (!row) throw new Error(`service_meta has no row ${name}: run scoped-secrets migrate`);
  return row.value as string;
}

/**
 * service_meta: one row per named value the service keeps for itself (the
 * listing key, the audit chain's head, anchor and boundary).
 */
import type { Knex } from 'knex';

export async function readMetaIfPresent(knex: Knex | Knex.Transaction, name: string): Promise<string | undefined> {
  const row = await knex('service_meta').where({ name }).first<{ value: string } | undefined>('value');
  return row?.value;
}

export async function readMeta(knex: Knex | Knex.Transaction, name: string): Promise<string> {
  const value = await readMetaIfPresent(knex, name);
  if (value === undefined) throw new Error(`service_meta has no row ${name}: run scoped-secrets migrate`);
  return value;
}

/** Sets a row that may not exist yet. */
export async function upsertMeta(knex: Knex, name: string, value: string): Promise<void> {
  await knex('service_meta').insert({ name, value }).onConflict('name').merge();
}

export async function deleteMeta(knex: Knex, name: string): Promise<void> {
  await knex('service_meta').where({ name }).delete();
}

export async function writeMeta(trx: Knex.Transaction, name: string, value: string): Promise<void> {
  await trx('service_meta').where({ name }).update({ value });
}

/**
 * Takes a lock on one row for the rest of the transaction and reads it.
 * A no-op UPDATE does it on both databases: a row lock on PostgreSQL, and
 * on SQLite the database write lock, taken up front (waiting on
 * busy_timeout) instead of failing later when a read would upgrade.
 */
export async function lockMeta(trx: Knex.Transaction, name: string): Promise<string> {
  await trx('service_meta')
    .where({ name })
    .update({ value: trx.ref('value') });
  return readMeta(trx, name);
}

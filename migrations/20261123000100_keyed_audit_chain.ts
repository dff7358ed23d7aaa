import type { Knex } from 'knex';

/**
 * From here on the audit chain's hashes are HMACs under the keyring's audit
 * key. Events already written keep their SHA-256 hashes: the boundary
 * records where they end (the genesis on a new database).
 */
export async function up(knex: Knex): Promise<void> {
  const head = await knex('service_meta').where({ name: 'audit_head' }).first<{ value: string } | undefined>('value');
  if (!head) throw new Error('service_meta has no audit_head: an earlier migration did not run');
  await knex('service_meta').insert({ name: 'audit_keyed_from', value: head.value });
}

export async function down(knex: Knex): Promise<void> {
  await knex('service_meta').where({ name: 'audit_keyed_from' }).delete();
}

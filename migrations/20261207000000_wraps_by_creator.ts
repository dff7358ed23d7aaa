import type { Knex } from 'knex';

/**
 * Each subject's live wraps are counted before every wrap it creates (its
 * quota): an index by creator and expiry keeps that count to the
 * subject's own rows.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('wraps', (table) => {
    table.index(['creator', 'expires_at'], 'wraps_creator_expires_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('wraps', (table) => {
    table.dropIndex(['creator', 'expires_at'], 'wraps_creator_expires_at');
  });
}

import type { Knex } from 'knex';

/** Replicas read only the revocations made since their last look: an index on when each was made. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('revocations', (table) => {
    table.index(['revoked_at'], 'revocations_revoked_at_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('revocations', (table) => {
    table.dropIndex(['revoked_at'], 'revocations_revoked_at_index');
  });
}

import type { Knex } from 'knex';

/**
 * One-time hand-offs. A wrap is found by the SHA-256 of its token (the
 * token itself is never stored) and holds a sealed copy of a value, bound
 * to the wrap's id; unwrapping deletes the row in the statement that reads
 * it, so a value is handed out once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('wraps', (table) => {
    table.string('id', 32).primary();
    table.string('token_hash', 64).notNullable().unique();
    table.string('key', 512).nullable();
    table.string('creator', 512).notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('expires_at').notNullable().index();
    table.string('kek_id', 64).notNullable().index();
    table.binary('wrapped_key').notNullable();
    table.binary('ciphertext').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('wraps');
}

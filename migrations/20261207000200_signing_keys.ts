import type { Knex } from 'knex';

/**
 * The keys that sign tokens, shared by every replica: each key's public
 * half (its JWK), where its private half lives (the keyring, wrapped like
 * a data key; or a reference into an HSM or AWS KMS), and its lifetime:
 * published at once, signing from `sign_from`, verifying until
 * `verify_until` once a later key took over, then retired. Each issued
 * token records the kid that signed it, so that an administrator sees
 * how many live tokens each key may still verify.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('signing_keys', (table) => {
    table.string('kid', 64).primary();
    table.string('provider', 16).notNullable();
    table.string('algorithm', 8).notNullable();
    table.text('reference').nullable();
    table.text('public_jwk').notNullable();
    table.text('private_key').nullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('sign_from').notNullable();
    table.bigInteger('superseded_at').nullable();
    table.bigInteger('verify_until').nullable();
    table.bigInteger('retired_at').nullable();
    table.integer('retire_attempts').notNullable().defaultTo(0);
  });
  await knex.schema.alterTable('issued_tokens', (table) => {
    table.string('kid', 64).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('issued_tokens', (table) => {
    table.dropColumn('kid');
  });
  await knex.schema.dropTable('signing_keys');
}

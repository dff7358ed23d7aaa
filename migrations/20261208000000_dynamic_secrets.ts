import type { Knex } from 'knex';

/**
 * Dynamic secrets. A backend is a database or broker where credentials
 * are made on demand: how to reach it (its administrative password sealed
 * like a secret's value) and what to run to create and revoke one. A
 * lease is one credential drawn from a backend: who drew it, with which
 * token and that token's ancestry (so that revoking any of them revokes
 * the lease), until when, and what revocation needs, sealed.
 *
 * `revoke_at` is when the sweeper next acts on a lease: its expiry, or
 * sooner once it is revoked; a replica that claims it pushes it past its
 * attempt, and a failure past the backoff, so that each lease is worked
 * on by one replica at a time.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dynamic_backends', (table) => {
    table.string('key', 512).primary();
    table.string('kind', 16).notNullable();
    table.text('settings').notNullable();
    table.string('kek_id', 64).notNullable().index();
    table.binary('wrapped_key').notNullable();
    table.binary('ciphertext').notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
  });
  await knex.schema.createTable('leases', (table) => {
    table.string('id', 40).primary();
    table.string('backend_key', 512).notNullable().index();
    table.string('subject', 512).notNullable();
    table.string('jti', 64).nullable();
    table.text('token_chain').notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('expires_at').notNullable();
    table.bigInteger('max_expires_at').notNullable();
    table.bigInteger('revoke_at').notNullable().index();
    table.string('revoke_reason', 16).nullable();
    table.string('claim', 32).nullable();
    table.integer('attempts').notNullable().defaultTo(0);
    table.text('last_error').nullable();
    table.string('kek_id', 64).notNullable().index();
    table.binary('wrapped_key').notNullable();
    table.binary('ciphertext').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('leases');
  await knex.schema.dropTable('dynamic_backends');
}

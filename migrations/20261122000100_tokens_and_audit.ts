import type { Knex } from 'knex';

/**
 * Tokens the server minted (for revocation by subject and by ancestry),
 * revocations (kept until the revoked token's exp), and the audit chain:
 * events with consecutive `seq`, each hashing its predecessor, plus the
 * chain's head and the anchor left by retention in service_meta.
 */
export const GENESIS_HASH = '0'.repeat(64);

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('issued_tokens', (table) => {
    table.string('jti', 128).primary();
    table.string('subject', 512).notNullable().index();
    table.text('ancestors').notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('expires_at').notNullable().index();
  });

  await knex.schema.createTable('revocations', (table) => {
    table.string('jti', 128).primary();
    table.bigInteger('revoked_at').notNullable();
    // Null when the revoked token's exp is unknown (a token this server never minted).
    table.bigInteger('expires_at').nullable().index();
  });

  await knex.schema.createTable('audit_events', (table) => {
    table.bigInteger('seq').primary();
    table.bigInteger('time').notNullable().index();
    table.string('subject', 512).nullable();
    table.string('jti', 128).nullable();
    table.string('action', 32).notNullable();
    table.string('key', 1024).nullable();
    table.integer('outcome').notNullable();
    table.string('request_id', 64).nullable();
    table.string('client', 128).nullable();
    table.string('prev_hash', 64).notNullable();
    table.string('hash', 64).notNullable();
    table.index(['key', 'seq']);
    table.index(['subject', 'seq']);
  });

  const start = JSON.stringify({ seq: 0, hash: GENESIS_HASH });
  await knex('service_meta').insert([
    { name: 'audit_head', value: start },
    { name: 'audit_anchor', value: start },
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await knex('service_meta').whereIn('name', ['audit_head', 'audit_anchor']).delete();
  await knex.schema.dropTable('audit_events');
  await knex.schema.dropTable('revocations');
  await knex.schema.dropTable('issued_tokens');
}

import type { Knex } from 'knex';

/**
 * A write stages its audit event here, in its own transaction, so that the
 * write and its event commit together; the audit log then moves staged
 * events into the chain, each exactly once, in the transaction that
 * appends them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_outbox', (table) => {
    table.bigIncrements('id').primary();
    table.bigInteger('time').notNullable();
    table.string('subject', 512).nullable();
    table.string('jti', 128).nullable();
    table.string('action', 32).notNullable();
    table.string('key', 1024).nullable();
    table.integer('outcome').notNullable();
    table.string('request_id', 64).nullable();
    table.string('client', 128).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_outbox');
}

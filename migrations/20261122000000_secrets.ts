import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { isPostgres } from '../src/storage/knex/connect';

/**
 * Secrets and their versions. Times are integer milliseconds from the
 * application's clock, so SQLite and PostgreSQL agree. On PostgreSQL keys
 * sort by code point (COLLATE "C"), as SQLite's BINARY collation does.
 */
export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  const keyColumn = (table: Knex.CreateTableBuilder, name: string) =>
    pg ? table.specificType(name, 'varchar(512) COLLATE "C"') : table.string(name, 512);

  await knex.schema.createTable('secrets', (table) => {
    keyColumn(table, 'key').primary();
    table.integer('version').notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.bigInteger('expires_at').notNullable().index();
  });

  await knex.schema.createTable('secret_versions', (table) => {
    keyColumn(table, 'key').notNullable().references('key').inTable('secrets').onDelete('CASCADE');
    table.integer('version').notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('expires_at').notNullable();
    table.string('kek_id', 64).notNullable().index();
    table.binary('wrapped_key').notNullable();
    table.binary('ciphertext').notNullable();
    table.primary(['key', 'version']);
  });

  await knex.schema.createTable('service_meta', (table) => {
    table.string('name', 64).primary();
    table.text('value').notNullable();
  });
  // Signs listing continuation tokens; shared by every replica through the database.
  await knex('service_meta').insert({ name: 'listing_hmac_key', value: randomBytes(32).toString('base64') });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('secret_versions');
  await knex.schema.dropTable('secrets');
  await knex.schema.dropTable('service_meta');
}

import type { Knex } from 'knex';
import { isPostgres } from '../src/storage/knex/connect';

/**
 * Federated CI identity: trust rules, a version every write bumps (so
 * replicas reload only when something changed), and an optional `detail`
 * on audit events, for what an event must say beyond its key (an
 * exchange's issuer, ID-token subject and rules). Events without one keep
 * the hashes they had.
 */
export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  await knex.schema.createTable('trust_rules', (table) => {
    if (pg) table.specificType('name', 'varchar(512) COLLATE "C"').primary();
    else table.string('name', 512).primary();
    table.text('body').notNullable();
    table.bigInteger('updated_at').notNullable();
  });
  await knex('service_meta').insert({ name: 'trust_rules_version', value: '0' });
  for (const table of ['audit_events', 'audit_outbox']) {
    await knex.schema.alterTable(table, (columns) => {
      columns.text('detail').nullable();
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['audit_events', 'audit_outbox']) {
    await knex.schema.alterTable(table, (columns) => {
      columns.dropColumn('detail');
    });
  }
  await knex('service_meta').where('name', 'trust_rules_version').delete();
  await knex.schema.dropTable('trust_rules');
}

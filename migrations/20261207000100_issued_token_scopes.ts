import type { Knex } from 'knex';

/**
 * An administrator lists the tokens still valid with their scopes and how
 * they were made: each record keeps its scopes (unknown, so null, for
 * tokens recorded before) and its kind. Listings walk subjects in order,
 * a subject's tokens by jti.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('issued_tokens', (table) => {
    table.text('scopes').nullable();
    table.string('kind', 16).nullable();
    table.index(['subject', 'jti'], 'issued_tokens_subject_jti');
  });
  // Exchanged tokens have no parent; a derived one always has at least the token it came from.
  await knex('issued_tokens').update({ kind: knex.raw("CASE WHEN ancestors = '[]' THEN 'exchanged' ELSE 'derived' END") });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('issued_tokens', (table) => {
    table.dropIndex(['subject', 'jti'], 'issued_tokens_subject_jti');
    table.dropColumn('kind');
    table.dropColumn('scopes');
  });
}

/**
 * The migrations in `migrations/`, listed explicitly so that they load the
 * same way from the compiled build, the tests and a container image.
 */
import type { Knex } from 'knex';
import * as secrets from '../../../migrations/20261122000000_secrets';
import * as tokensAndAudit from '../../../migrations/20261122000100_tokens_and_audit';
import * as revocationsByTime from '../../../migrations/20261123000000_revocations_by_time';
import * as keyedAuditChain from '../../../migrations/20261123000100_keyed_audit_chain';
import * as auditOutbox from '../../../migrations/20261123000200_audit_outbox';
import * as wraps from '../../../migrations/20261124000000_wraps';
import * as federation from '../../../migrations/20261124000100_federation';
import * as wrapsByCreator from '../../../migrations/20261207000000_wraps_by_creator';
import * as issuedTokenScopes from '../../../migrations/20261207000100_issued_token_scopes';
import * as signingKeys from '../../../migrations/20261207000200_signing_keys';
import * as dynamicSecrets from '../../../migrations/20261208000000_dynamic_secrets';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const MIGRATIONS: ReadonlyArray<[string, Migration]> = [
  ['20261122000000_secrets', secrets],
  ['20261122000100_tokens_and_audit', tokensAndAudit],
  ['20261123000000_revocations_by_time', revocationsByTime],
  ['20261123000100_keyed_audit_chain', keyedAuditChain],
  ['20261123000200_audit_outbox', auditOutbox],
  ['20261124000000_wraps', wraps],
  ['20261124000100_federation', federation],
  ['20261207000000_wraps_by_creator', wrapsByCreator],
  ['20261207000100_issued_token_scopes', issuedTokenScopes],
  ['20261207000200_signing_keys', signingKeys],
  ['20261208000000_dynamic_secrets', dynamicSecrets],
];

export const migrationSource: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};

export async function migrateToLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

/** True when the database is reachable and every migration is applied. */
export async function isMigrated(knex: Knex): Promise<boolean> {
  const [, pending] = (await knex.migrate.list({ migrationSource })) as [unknown[], unknown[]];
  return pending.length === 0;
}

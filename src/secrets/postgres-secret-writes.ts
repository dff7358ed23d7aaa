/**
 * Secret writes on PostgreSQL in one statement each: the compare-and-set,
 * the new version, the pruning of old ones and the staged audit event as
 * data-modifying CTEs of one statement, which PostgreSQL runs as one
 * transaction. One round trip instead of seven (BEGIN, the row lock, the
 * update, the version, the pruning, the event, COMMIT). The compare-and-set
 * is the UPDATE's own WHERE: under a concurrent write PostgreSQL waits for
 * the row, then checks the condition against the version that committed.
 *
 * A version 1 over an existing (expired) secret, which clears its history,
 * and a write with other than one event take the transactional steps.
 */
import type { Knex } from 'knex';
import type { AuditEventInput } from '../audit/audit-event';
import { inputToColumns } from '../audit/audit-rows';
import type { PutCommand, SecretWrites } from './secret-writes';

const STAGE_EVENT = `staged AS (
  INSERT INTO audit_outbox (time, subject, jti, action, key, outcome, request_id, client, detail)
  SELECT :time::bigint, :subject::varchar, :jti::varchar, :action::varchar, :event_key::varchar, :outcome::int,
         :request_id::varchar, :client::varchar, :detail::text
    FROM written)`;

const ADD_VERSION = `added AS (
  INSERT INTO secret_versions (key, version, created_at, expires_at, kek_id, wrapped_key, ciphertext)
  SELECT key, :version::int, :updated_at::bigint, :expires_at::bigint, :kek_id::varchar, :wrapped_key::bytea, :ciphertext::bytea
    FROM written)`;

/** A new secret: a key that exists by now (another creator came first) writes nothing. */
const CREATE_SQL = `WITH written AS (
  INSERT INTO secrets (key, version, created_at, updated_at, expires_at)
  VALUES (:key, :version, :created_at, :updated_at, :expires_at)
  ON CONFLICT (key) DO NOTHING
  RETURNING key),
${ADD_VERSION},
${STAGE_EVENT}
SELECT count(*)::int AS written FROM written`;

/** A next version, if the secret is still the version and expiry the write was planned on. */
const UPDATE_SQL = `WITH written AS (
  UPDATE secrets SET version = :version, created_at = :created_at, updated_at = :updated_at, expires_at = :expires_at
   WHERE key = :key AND version = :expected_version AND expires_at = :expected_expires_at
  RETURNING key),
${ADD_VERSION},
pruned AS (
  DELETE FROM secret_versions WHERE key = :key AND version <= :prune_to::int AND EXISTS (SELECT 1 FROM written)),
${STAGE_EVENT}
SELECT count(*)::int AS written FROM written`;

function eventBindings(event: AuditEventInput): Record<string, string | number | null> {
  const { key, ...columns } = inputToColumns(event);
  return { ...columns, event_key: key };
}

export function postgresSecretWrites(knex: Knex, transactional: SecretWrites): SecretWrites {
  return {
    async put(command: PutCommand): Promise<boolean> {
      const [event, ...more] = command.events;
      const { record, sealed, expected } = command;
      const fresh = expected === null;
      if (!event || more.length > 0 || (record.version === 1) !== fresh) return transactional.put(command);
      const bindings = {
        key: record.key,
        version: record.version,
        created_at: record.createdAt,
        updated_at: record.updatedAt,
        expires_at: record.expiresAt,
        kek_id: sealed.keyId,
        wrapped_key: sealed.wrappedKey,
        ciphertext: sealed.ciphertext,
        ...eventBindings(event),
        ...(fresh ? {} : { expected_version: expected.version, expected_expires_at: expected.expiresAt, prune_to: record.version - command.keepVersions }),
      };
      // Named, so that each connection parses and plans these five-part statements once.
      const result = await knex
        .raw<{ rows: Array<{ written: number }> }>(fresh ? CREATE_SQL : UPDATE_SQL, bindings)
        .options({ name: fresh ? 'scoped-secrets-create-secret' : 'scoped-secrets-update-secret' });
      return result.rows[0]?.written === 1;
    },
    delete: (command) => transactional.delete(command),
  };
}

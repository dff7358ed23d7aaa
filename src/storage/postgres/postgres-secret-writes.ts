/**
 * Secret writes on PostgreSQL: the PUTs that reach here in one turn of the
 * event loop go as one statement, and so one transaction and one commit.
 * Each write's compare-and-set, new version, pruning of old versions and
 * staged audit event are data-modifying CTEs over the batch's rows. Under
 * the PUT load each statement is a round trip, a socket write that wakes a
 * backend on the same cores, and a WAL flush: per write, they cost more
 * than the write.
 *
 * The compare-and-set is the UPDATE's own WHERE: under a concurrent write
 * PostgreSQL waits for the row, then checks the condition against the
 * version that committed. The rows to update are locked first in key
 * order, so two batches never wait on each other crosswise; new keys are
 * inserted in key order too. A batch that fails (a deadlock with another
 * replica, say) leaves nothing behind, and its writes go one by one.
 *
 * Version 1 over an existing (expired) secret, which clears its history, a
 * write with other than one event, and a second write to a key already in
 * the batch take the transactional steps.
 */
import type { Knex } from 'knex';
import { arrayColumns, type ColumnValue } from './array-columns';
import type { PutCommand, SecretWrites } from '../../secrets/secret-writes';

const PUT_SECRETS_SQL = `WITH input AS (
  SELECT * FROM unnest(?::varchar[], ?::int[], ?::bigint[], ?::bigint[], ?::bigint[], ?::varchar[], ?::bytea[], ?::bytea[],
                       ?::int[], ?::bigint[], ?::int[],
                       ?::bigint[], ?::varchar[], ?::varchar[], ?::varchar[], ?::int[], ?::varchar[], ?::varchar[], ?::text[])
    AS i(key, version, created_at, updated_at, expires_at, kek_id, wrapped_key, ciphertext,
         expected_version, expected_expires_at, prune_to,
         time, subject, jti, action, outcome, request_id, client, detail)),
locked AS (
  SELECT s.key FROM secrets s JOIN input i ON i.key = s.key
   WHERE i.expected_version IS NOT NULL
   ORDER BY s.key
     FOR UPDATE OF s),
updated AS (
  UPDATE secrets s SET version = i.version, created_at = i.created_at, updated_at = i.updated_at, expires_at = i.expires_at
    FROM input i JOIN locked l ON l.key = i.key
   WHERE s.key = i.key AND s.version = i.expected_version AND s.expires_at = i.expected_expires_at
  RETURNING s.key),
created AS (
  INSERT INTO secrets (key, version, created_at, updated_at, expires_at)
  SELECT key, version, created_at, updated_at, expires_at FROM input WHERE expected_version IS NULL ORDER BY key
  ON CONFLICT (key) DO NOTHING
  RETURNING key),
written AS (
  SELECT i.* FROM input i JOIN (SELECT key FROM updated UNION ALL SELECT key FROM created) w ON w.key = i.key),
added AS (
  INSERT INTO secret_versions (key, version, created_at, expires_at, kek_id, wrapped_key, ciphertext)
  SELECT key, version, updated_at, expires_at, kek_id, wrapped_key, ciphertext FROM written),
pruned AS (
  DELETE FROM secret_versions v USING written w WHERE v.key = w.key AND v.version <= w.prune_to),
staged AS (
  INSERT INTO audit_outbox (time, subject, jti, action, key, outcome, request_id, client, detail)
  SELECT time, subject, jti, action, key, outcome, request_id, client, detail FROM written)
SELECT key FROM written`;

/** The batch as one array per column, in the order of the statement's parameters. */
function columnsOf(commands: readonly PutCommand[]): Knex.RawBinding[] {
  const rows = commands.map(({ record, sealed, expected, keepVersions, events }): ColumnValue[] => {
    const event = events[0];
    if (!event) throw new TypeError('a batched secret write has one event');
    return [
      record.key,
      record.version,
      record.createdAt,
      record.updatedAt,
      record.expiresAt,
      sealed.keyId,
      sealed.wrappedKey,
      sealed.ciphertext,
      expected?.version ?? null,
      expected?.expiresAt ?? null,
      expected ? record.version - keepVersions : null,
      event.time,
      event.subject,
      event.jti,
      event.action,
      event.outcome,
      event.requestId,
      event.client,
      event.detail ?? null,
    ];
  });
  return arrayColumns(rows, 19);
}

interface Pending {
  readonly command: PutCommand;
  resolve(written: boolean): void;
  reject(error: unknown): void;
}

/** At most this many writes per statement: a bounded statement and transaction, whatever the load. */
const MAX_BATCH = 64;

export function postgresSecretWrites(knex: Knex, transactional: SecretWrites): SecretWrites {
  let batch = new Map<string, Pending>();

  async function commit(pending: Pending[]): Promise<void> {
    let written: Set<string>;
    try {
      // Named, so that each connection parses and plans this statement once.
      const result = await knex
        .raw<{ rows: Array<{ key: string }> }>(PUT_SECRETS_SQL, columnsOf(pending.map((item) => item.command)))
        .options({ name: 'scoped-secrets-put-secrets' });
      written = new Set(result.rows.map((row) => row.key));
    } catch {
      // Nothing of the batch committed: each write on its own, where it succeeds or fails alone.
      for (const item of pending)
        transactional.put(item.command).then(
          (done) => item.resolve(done),
          (error: unknown) => item.reject(error),
        );
      return;
    }
    for (const item of pending) item.resolve(written.has(item.command.record.key));
  }

  function flush(): void {
    const pending = [...batch.values()];
    batch = new Map();
    for (let i = 0; i < pending.length; i += MAX_BATCH) void commit(pending.slice(i, i + MAX_BATCH));
  }

  return {
    put(command: PutCommand): Promise<boolean> {
      const { record, expected, events } = command;
      if (events.length !== 1 || (record.version === 1) !== (expected === null) || batch.has(record.key)) return transactional.put(command);
      return new Promise((resolve, reject) => {
        // After the I/O callbacks of this turn: every PUT that reached here in it joins.
        if (batch.size === 0) setImmediate(flush);
        batch.set(record.key, { command, resolve, reject });
      });
    },
    delete: (command) => transactional.delete(command),
  };
}

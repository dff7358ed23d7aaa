/**
 * Secrets on PostgreSQL.
 *
 * Reads: the lookups by key of one turn of the event loop go as one named
 * statement (for the current versions, one for the records).
 *
 * Writes: the PUTs that reach here in one turn of the event loop go as one
 * statement, and so one transaction and one commit.
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
 * write with other than one event, a second write to a key already in the
 * batch, and a delete take the transactional steps: the record locked, the
 * compare, the write, the events staged.
 */
import type { Knex } from 'knex';
import {
  expiredEvent,
  unchanged,
  type DeleteCommand,
  type PutCommand,
  type EncryptedSecret,
  type SecretRecord,
  type SecretStorage,
} from '../../secrets/secret-storage';
import type { KeyRange } from '../../secrets/listing-ranges';
import type { EncryptedValue } from '../../crypto/envelope';
import { SecretLookups } from '../knex/secret-lookups';
import { stageEvents } from '../knex/audit-outbox';
import {
  countLiveSecrets,
  CURRENT_VERSION_SQL,
  listSecretRange,
  ONE_VERSION_SQL,
  RECORD_SQL,
  rowToRecord,
  rowToEncrypted,
  type EncryptedRow,
  type SecretRow,
} from '../knex/secret-rows';
import { inTransaction } from '../knex/transactions';
import { arrayColumns, type ColumnValue } from './array-columns';

const CURRENT_VERSIONS_SQL = CURRENT_VERSION_SQL.replace('WHERE s.key = ?', 'WHERE s.key = ANY(?::varchar[])');
const RECORDS_SQL = RECORD_SQL.replace('WHERE key = ?', 'WHERE key = ANY(?::varchar[])');

/** Replicas sweep at once: SKIP LOCKED lets each take rows the others are not deleting; versions go by cascade. */
const PURGE_EXPIRED_SQL = `DELETE FROM secrets WHERE key IN (
     SELECT key FROM secrets WHERE expires_at <= ? ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED
   ) AND expires_at <= ? RETURNING key`;

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
  const rows = commands.map(({ record, encrypted, expected, keepVersions, events }): ColumnValue[] => {
    const event = events[0];
    if (!event) throw new TypeError('a batched secret write has one event');
    return [
      record.key,
      record.version,
      record.createdAt,
      record.updatedAt,
      record.expiresAt,
      encrypted.keyId,
      encrypted.wrappedKey,
      encrypted.ciphertext,
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

export class PostgresSecretStorage implements SecretStorage {
  private batch = new Map<string, Pending>();
  private readonly lookups: SecretLookups;

  constructor(private readonly knex: Knex) {
    // Named, so that each connection parses and plans them once.
    const rows = async <T>(name: string, sql: string, keys: string[]) =>
      (await this.knex.raw<{ rows: T[] }>(sql, [keys]).options({ name })).rows;
    this.lookups = new SecretLookups({
      currentOf: (keys) => rows<EncryptedRow>('scoped-secrets-current-versions', CURRENT_VERSIONS_SQL, keys),
      recordsOf: (keys) => rows<SecretRow>('scoped-secrets-records', RECORDS_SQL, keys),
    });
  }

  getCurrent(key: string): Promise<EncryptedSecret | undefined> {
    return this.lookups.getCurrent(key);
  }

  getRecord(key: string): Promise<SecretRecord | undefined> {
    return this.lookups.getRecord(key);
  }

  async getVersion(key: string, version: number): Promise<EncryptedSecret | undefined> {
    const row = (await this.knex.raw<{ rows: EncryptedRow[] }>(ONE_VERSION_SQL, [key, version])).rows[0];
    return row ? rowToEncrypted(row) : undefined;
  }

  listRange(range: KeyRange, afterKey: string | undefined, limit: number): Promise<SecretRecord[]> {
    return listSecretRange(this.knex, range, afterKey, limit);
  }

  countLive(now: number): Promise<number> {
    return countLiveSecrets(this.knex, now);
  }

  put(command: PutCommand): Promise<boolean> {
    const { record, expected, events } = command;
    if (events.length !== 1 || (record.version === 1) !== (expected === null) || this.batch.has(record.key)) {
      return this.putAlone(command);
    }
    return new Promise((resolve, reject) => {
      // After the I/O callbacks of this turn: every PUT that reached here in it joins.
      if (this.batch.size === 0) setImmediate(() => this.flush());
      this.batch.set(record.key, { command, resolve, reject });
    });
  }

  delete(command: DeleteCommand): Promise<boolean> {
    return inTransaction(this.knex, async (trx) => {
      if (!unchanged(await this.lockRecord(command.key, trx), command.expected)) return false;
      await this.remove(command.key, trx);
      await stageEvents(trx, command.events);
      return true;
    });
  }

  purgeExpired(now: number, limit: number): Promise<string[]> {
    return inTransaction(this.knex, async (trx) => {
      const result = await trx.raw<{ rows: Array<{ key: string }> }>(PURGE_EXPIRED_SQL, [now, limit, now]);
      const keys = result.rows.map((row) => row.key);
      await stageEvents(
        trx,
        keys.map((key) => expiredEvent(now, key)),
      );
      return keys;
    });
  }

  /** A PUT in a transaction of its own. */
  private putAlone(command: PutCommand): Promise<boolean> {
    return inTransaction(this.knex, async (trx) => {
      const found = await this.lockRecord(command.record.key, trx);
      if (!unchanged(found, command.expected)) return false;
      // Version 1 over an existing (expired) secret: a fresh life, its history cleared.
      if (found && command.record.version === 1) await this.remove(found.key, trx);
      await this.writeVersion(command.record, command.encrypted, command.keepVersions, trx);
      await stageEvents(trx, command.events);
      return true;
    });
  }

  private flush(): void {
    const pending = [...this.batch.values()];
    this.batch = new Map();
    for (let i = 0; i < pending.length; i += MAX_BATCH) void this.commit(pending.slice(i, i + MAX_BATCH));
  }

  private async commit(pending: Pending[]): Promise<void> {
    let written: Set<string>;
    try {
      // Named, so that each connection parses and plans this statement once.
      const result = await this.knex
        .raw<{ rows: Array<{ key: string }> }>(PUT_SECRETS_SQL, columnsOf(pending.map((item) => item.command)))
        .options({ name: 'scoped-secrets-put-secrets' });
      written = new Set(result.rows.map((row) => row.key));
    } catch {
      // Nothing of the batch committed: each write on its own, where it succeeds or fails alone.
      for (const item of pending)
        this.putAlone(item.command).then(
          (done) => item.resolve(done),
          (error: unknown) => item.reject(error),
        );
      return;
    }
    for (const item of pending) item.resolve(written.has(item.command.record.key));
  }

  /** The current metadata, locked against concurrent writers until the transaction ends. */
  private async lockRecord(key: string, trx: Knex.Transaction): Promise<SecretRecord | undefined> {
    const row = await trx<SecretRow>('secrets').where({ key }).first().forUpdate();
    return row ? rowToRecord(row) : undefined;
  }

  private async writeVersion(record: SecretRecord, encrypted: EncryptedValue, keepVersions: number, trx: Knex.Transaction): Promise<void> {
    const row = {
      version: record.version,
      created_at: record.createdAt,
      updated_at: record.updatedAt,
      expires_at: record.expiresAt,
    };
    if (record.version === 1) {
      // A plain insert: two creators racing on an absent key must collide
      // (and the loser retry), not merge into one another.
      await trx('secrets').insert({ key: record.key, ...row });
    } else {
      await trx('secrets').where({ key: record.key }).update(row);
    }
    await trx('secret_versions').insert({
      key: record.key,
      version: record.version,
      created_at: record.updatedAt,
      expires_at: record.expiresAt,
      kek_id: encrypted.keyId,
      wrapped_key: encrypted.wrappedKey,
      ciphertext: encrypted.ciphertext,
    });
    await trx('secret_versions')
      .where('key', record.key)
      .andWhere('version', '<=', record.version - keepVersions)
      .delete();
  }

  private async remove(key: string, trx: Knex.Transaction): Promise<void> {
    await trx('secret_versions').where({ key }).delete();
    await trx('secrets').where({ key }).delete();
  }
}

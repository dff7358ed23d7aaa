/** The SQL behind SecretStore, for SQLite and PostgreSQL alike. */
import type { Knex } from 'knex';
import { isPostgres } from './connect';
import { BatchedLookups } from '../batched-lookups';
import { inTransaction } from './transactions';
import type { SealedSecret, SecretRecord, SecretStore } from '../../secrets/secret-store-type';
import type { KeyRange } from '../../secrets/listing-ranges';
import { rowToRecord, rowToSealed, type SealedRow, type SecretRow } from './secret-rows';
import type { SqliteSecretReader } from '../sqlite/sqlite-secret-reader';

/**
 * The two reads of a sealed secret. The same text runs through knex on
 * PostgreSQL and as statements prepared once on SQLite's read connection
 * (sqlite-secret-reader.ts).
 */
export const CURRENT_VERSION_SQL = `SELECT s.key, s.version, s.created_at, s.updated_at, s.expires_at, v.kek_id, v.wrapped_key, v.ciphertext
  FROM secrets s JOIN secret_versions v ON v.key = s.key AND v.version = s.version
 WHERE s.key = ?`;

export const RECORD_SQL = 'SELECT key, version, created_at, updated_at, expires_at FROM secrets WHERE key = ?';

/** PostgreSQL: the current versions and the records of several keys, for lookups batched per turn (SQLite's are in its reader). */
const CURRENT_VERSIONS_SQL = CURRENT_VERSION_SQL.replace('WHERE s.key = ?', 'WHERE s.key = ANY(?::varchar[])');
const RECORDS_SQL = RECORD_SQL.replace('WHERE key = ?', 'WHERE key = ANY(?::varchar[])');

export const ONE_VERSION_SQL = `SELECT v.key, v.version, s.created_at, v.created_at AS updated_at, s.expires_at, v.kek_id, v.wrapped_key, v.ciphertext
  FROM secret_versions v JOIN secrets s ON s.key = v.key
 WHERE v.key = ? AND v.version = ?`;

/** SQLite: up to a limit of the secrets expired at a time (bound three times: now, limit, now), their versions with them by cascade. */
export const PURGE_EXPIRED_SQLITE_SQL = `DELETE FROM secrets WHERE key IN (
     SELECT key FROM secrets WHERE expires_at <= ? ORDER BY expires_at LIMIT ?
   ) AND expires_at <= ? RETURNING key`;

export class KnexSecretStore implements SecretStore {
  private readonly pg: boolean;
  /** Serving: the GET and PUT lookups of one turn of the event loop, one query each (SQLite's reader or PostgreSQL). */
  private readonly batched?: { readonly current: BatchedLookups<SealedRow>; readonly records: BatchedLookups<SecretRow> };

  /** `reader` serves the lookups by key on SQLite without knex (and so `serve`'s lookups are batched). */
  constructor(
    private readonly knex: Knex,
    private readonly reader?: SqliteSecretReader,
  ) {
    this.pg = isPostgres(knex);
    if (reader) {
      this.batched = {
        current: new BatchedLookups(
          async (keys) => reader.currentOf(keys),
          (row) => row.key,
        ),
        records: new BatchedLookups(
          async (keys) => reader.recordsOf(keys),
          (row) => row.key,
        ),
      };
    } else if (this.pg) {
      // Named, so that each connection parses and plans them once.
      const rows = async <T>(name: string, sql: string, keys: string[]) =>
        (await this.knex.raw<{ rows: T[] }>(sql, [keys]).options({ name })).rows;
      this.batched = {
        current: new BatchedLookups(
          (keys) => rows<SealedRow>('scoped-secrets-current-versions', CURRENT_VERSIONS_SQL, keys),
          (row) => row.key,
        ),
        records: new BatchedLookups(
          (keys) => rows<SecretRow>('scoped-secrets-records', RECORDS_SQL, keys),
          (row) => row.key,
        ),
      };
    }
  }

  inTransaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return inTransaction(this.knex, work);
  }

  async lockRecord(key: string, db: Knex.Transaction): Promise<SecretRecord | undefined> {
    if (!this.pg) {
      // A write as the first statement takes SQLite's write lock now, waiting on
      // busy_timeout, rather than failing later when a read would upgrade.
      await db('secrets')
        .where({ key })
        .update({ version: db.ref('version') });
    }
    const query = db<SecretRow>('secrets').where({ key }).first();
    const row = await (this.pg ? query.forUpdate() : query);
    return row ? rowToRecord(row) : undefined;
  }

  async writeVersion(record: SecretRecord, sealed: SealedSecret['sealed'], keepVersions: number, db: Knex.Transaction): Promise<void> {
    const row = {
      version: record.version,
      created_at: record.createdAt,
      updated_at: record.updatedAt,
      expires_at: record.expiresAt,
    };
    if (record.version === 1) {
      // A plain insert: two creators racing on an absent key must collide
      // (and the loser retry), not merge into one another.
      await db('secrets').insert({ key: record.key, ...row });
    } else {
      await db('secrets').where({ key: record.key }).update(row);
    }
    await db('secret_versions').insert({
      key: record.key,
      version: record.version,
      created_at: record.updatedAt,
      expires_at: record.expiresAt,
      kek_id: sealed.keyId,
      wrapped_key: sealed.wrappedKey,
      ciphertext: sealed.ciphertext,
    });
    await db('secret_versions')
      .where('key', record.key)
      .andWhere('version', '<=', record.version - keepVersions)
      .delete();
  }

  async remove(key: string, trx?: Knex.Transaction): Promise<void> {
    const db = trx ?? this.knex;
    await db('secret_versions').where({ key }).delete();
    await db('secrets').where({ key }).delete();
  }

  async getCurrent(key: string): Promise<SealedSecret | undefined> {
    if (this.batched) {
      const row = await this.batched.current.get(key);
      return row ? rowToSealed(row) : undefined;
    }
    return this.readOne(CURRENT_VERSION_SQL, [key]);
  }

  async getRecord(key: string): Promise<SecretRecord | undefined> {
    const row = this.batched ? await this.batched.records.get(key) : await this.knex<SecretRow>('secrets').where({ key }).first();
    return row ? rowToRecord(row) : undefined;
  }

  async getVersion(key: string, version: number): Promise<SealedSecret | undefined> {
    if (this.reader) return this.reader.getVersion(key, version);
    return this.readOne(ONE_VERSION_SQL, [key, version]);
  }

  private async readOne(sql: string, bindings: readonly (string | number)[]): Promise<SealedSecret | undefined> {
    const result = (await this.knex.raw(sql, bindings)) as SealedRow[] | { rows: SealedRow[] };
    const row = (Array.isArray(result) ? result : result.rows)[0];
    return row ? rowToSealed(row) : undefined;
  }

  async listRange(range: KeyRange, afterKey: string | undefined, limit: number): Promise<SecretRecord[]> {
    // A keyset query on the primary key: each call reads at most `limit` index entries, expired ones
    // included (the caller skips them), however many keys exist outside the range.
    const query = this.knex<SecretRow>('secrets')
      .select('key', 'version', 'created_at', 'updated_at', 'expires_at')
      .where('key', '<', range.to)
      .orderBy('key')
      .limit(limit);
    if (afterKey !== undefined && afterKey >= range.from) query.andWhere('key', '>', afterKey);
    else query.andWhere('key', '>=', range.from);
    return (await query).map(rowToRecord);
  }

  async purgeExpiredBatch(now: number, limit: number, trx?: Knex.Transaction): Promise<string[]> {
    // SKIP LOCKED lets several replicas sweep at once without waiting on or
    // double-deleting each other's rows; versions go with ON DELETE CASCADE.
    const sql = this.pg
      ? `DELETE FROM secrets WHERE key IN (
           SELECT key FROM secrets WHERE expires_at <= ? ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED
         ) AND expires_at <= ? RETURNING key`
      : PURGE_EXPIRED_SQLITE_SQL;
    const result = (await (trx ?? this.knex).raw(sql, [now, limit, now])) as Array<{ key: string }> | { rows: Array<{ key: string }> };
    const rows = Array.isArray(result) ? result : result.rows;
    return rows.map((row) => row.key);
  }

  async countLive(now: number): Promise<number> {
    const row = await this.knex('secrets').where('expires_at', '>', now).count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }
}

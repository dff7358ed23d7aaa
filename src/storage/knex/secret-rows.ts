/**
 * The secrets tables' rows and the reads both backends run: the same SQL
 * text through knex on PostgreSQL and prepared once on SQLite's read
 * connection; and the listing, through knex on both.
 */
import type { Knex } from 'knex';
import type { KeyRange } from '../../secrets/listing-ranges';
import type { EncryptedSecret, SecretRecord } from '../../secrets/secret-storage';

export interface SecretRow {
  key: string;
  version: number;
  created_at: number;
  updated_at: number;
  expires_at: number;
}

export interface EncryptedRow extends SecretRow {
  kek_id: string;
  wrapped_key: Buffer;
  ciphertext: Buffer;
}

export function rowToRecord(row: SecretRow): SecretRecord {
  return {
    key: row.key,
    version: Number(row.version),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    expiresAt: Number(row.expires_at),
  };
}

export function rowToEncrypted(row: EncryptedRow): EncryptedSecret {
  return {
    ...rowToRecord(row),
    encrypted: { keyId: row.kek_id, wrappedKey: row.wrapped_key, ciphertext: row.ciphertext },
  };
}

export const CURRENT_VERSION_SQL = `SELECT s.key, s.version, s.created_at, s.updated_at, s.expires_at, v.kek_id, v.wrapped_key, v.ciphertext
  FROM secrets s JOIN secret_versions v ON v.key = s.key AND v.version = s.version
 WHERE s.key = ?`;

export const RECORD_SQL = 'SELECT key, version, created_at, updated_at, expires_at FROM secrets WHERE key = ?';

export const ONE_VERSION_SQL = `SELECT v.key, v.version, s.created_at, v.created_at AS updated_at, s.expires_at, v.kek_id, v.wrapped_key, v.ciphertext
  FROM secret_versions v JOIN secrets s ON s.key = v.key
 WHERE v.key = ? AND v.version = ?`;

/** Up to `limit` secrets in `range` after `afterKey`, ordered by key, expired ones included. */
export async function listSecretRange(knex: Knex, range: KeyRange, afterKey: string | undefined, limit: number): Promise<SecretRecord[]> {
  // A keyset query on the primary key: each call reads at most `limit` index entries, expired ones
  // included (the caller skips them), however many keys exist outside the range.
  const query = knex<SecretRow>('secrets')
    .select('key', 'version', 'created_at', 'updated_at', 'expires_at')
    .where('key', '<', range.to)
    .orderBy('key')
    .limit(limit);
  if (afterKey !== undefined && afterKey >= range.from) query.andWhere('key', '>', afterKey);
  else query.andWhere('key', '>=', range.from);
  return (await query).map(rowToRecord);
}

export async function countLiveSecrets(knex: Knex, now: number): Promise<number> {
  const row = await knex('secrets').where('expires_at', '>', now).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

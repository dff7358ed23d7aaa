/** The row <-> object mapping of secrets, shared by the knex store and the SQLite read path. */
import type { SealedSecret, SecretRecord } from '../../secrets/secret-store-type';

export interface SecretRow {
  key: string;
  version: number;
  created_at: number;
  updated_at: number;
  expires_at: number;
}

export interface SealedRow extends SecretRow {
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

export function rowToSealed(row: SealedRow): SealedSecret {
  return {
    ...rowToRecord(row),
    sealed: { keyId: row.kek_id, wrappedKey: row.wrapped_key, ciphertext: row.ciphertext },
  };
}

import type { Knex } from 'knex';
import type { SealedValue } from '../crypto/envelope';
import type { KeyRange } from './listing-ranges';

/** A secret's metadata, times in milliseconds from the application clock. */
export interface SecretRecord {
  readonly key: string;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly expiresAt: number;
}

export interface SealedSecret extends SecretRecord {
  readonly sealed: SealedValue;
}

export interface SecretStore {
  /** Runs `work` in one transaction, retried when a concurrent writer collided. */
  inTransaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  /** The current metadata, locked against concurrent writers until the transaction ends. */
  lockRecord(key: string, trx: Knex.Transaction): Promise<SecretRecord | undefined>;
  /**
   * Makes `record` current with this sealed value, keeping at most
   * `keepVersions` versions. Version 1 creates the secret, and fails when a
   * concurrent writer created it first; a later version updates it.
   */
  writeVersion(record: SecretRecord, sealed: SealedValue, keepVersions: number, trx: Knex.Transaction): Promise<void>;
  /** Removes the secret with all its versions. */
  remove(key: string, trx?: Knex.Transaction): Promise<void>;
  getCurrent(key: string): Promise<SealedSecret | undefined>;
  /** The current metadata alone: what a write plans on, without reading the value. */
  getRecord(key: string): Promise<SecretRecord | undefined>;
  /** One version; `expiresAt` is the secret's current expiry, which decides 410. */
  getVersion(key: string, version: number): Promise<SealedSecret | undefined>;
  /** Up to `limit` secrets in `range` after `afterKey`, ordered by key, expired ones included. */
  listRange(range: KeyRange, afterKey: string | undefined, limit: number): Promise<SecretRecord[]>;
  /** Deletes up to `limit` secrets expired at `now`; replicas never take the same rows. */
  purgeExpiredBatch(now: number, limit: number, trx?: Knex.Transaction): Promise<string[]>;
  countLive(now: number): Promise<number>;
}

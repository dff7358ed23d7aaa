/**
 * A secret's current version and its record, looked up by key: the
 * lookups of one turn of the event loop read together, one query for the
 * versions and one for the records (batched-lookups.ts). Each backend
 * says how it reads many keys at once.
 */
import type { EncryptedSecret, SecretRecord } from '../../secrets/secret-storage';
import { BatchedLookups } from '../batched-lookups';
import { rowToEncrypted, rowToRecord, type EncryptedRow, type SecretRow } from './secret-rows';

export interface ManyKeys {
  /** The current versions of these keys, those that exist. */
  currentOf(keys: string[]): Promise<EncryptedRow[]>;
  /** The records of these keys, those that exist. */
  recordsOf(keys: string[]): Promise<SecretRow[]>;
}

export class SecretLookups {
  private readonly current: BatchedLookups<EncryptedRow>;
  private readonly records: BatchedLookups<SecretRow>;

  constructor(read: ManyKeys) {
    this.current = new BatchedLookups(
      (keys) => read.currentOf(keys),
      (row) => row.key,
    );
    this.records = new BatchedLookups(
      (keys) => read.recordsOf(keys),
      (row) => row.key,
    );
  }

  async getCurrent(key: string): Promise<EncryptedSecret | undefined> {
    const row = await this.current.get(key);
    return row ? rowToEncrypted(row) : undefined;
  }

  async getRecord(key: string): Promise<SecretRecord | undefined> {
    const row = await this.records.get(key);
    return row ? rowToRecord(row) : undefined;
  }
}

/**
 * Secrets on SQLite, as the main thread sees them: lookups by key on the
 * reader's connection, batched per turn of the event loop; the listing
 * through knex; every write through the write thread.
 */
import type { Knex } from 'knex';
import type { KeyRange } from '../../secrets/listing-ranges';
import type { DeleteCommand, PutCommand, EncryptedSecret, SecretRecord, SecretStorage } from '../../secrets/secret-storage';
import { BatchedLookups } from '../batched-lookups';
import { countLiveSecrets, listSecretRange, rowToRecord, rowToEncrypted, type EncryptedRow, type SecretRow } from '../knex/secret-rows';
import type { SqliteSecretReader } from './sqlite-secret-reader';
import type { SqliteWriteThread } from './write-thread';

export class SqliteSecretStorage implements SecretStorage {
  private readonly current: BatchedLookups<EncryptedRow>;
  private readonly records: BatchedLookups<SecretRow>;

  constructor(
    private readonly knex: Knex,
    private readonly reader: SqliteSecretReader,
    private readonly writer: SqliteWriteThread,
  ) {
    this.current = new BatchedLookups(
      async (keys) => reader.currentOf(keys),
      (row) => row.key,
    );
    this.records = new BatchedLookups(
      async (keys) => reader.recordsOf(keys),
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

  async getVersion(key: string, version: number): Promise<EncryptedSecret | undefined> {
    return this.reader.getVersion(key, version);
  }

  listRange(range: KeyRange, afterKey: string | undefined, limit: number): Promise<SecretRecord[]> {
    return listSecretRange(this.knex, range, afterKey, limit);
  }

  countLive(now: number): Promise<number> {
    return countLiveSecrets(this.knex, now);
  }

  put(command: PutCommand): Promise<boolean> {
    return this.writer.put(command);
  }

  delete(command: DeleteCommand): Promise<boolean> {
    return this.writer.delete(command);
  }

  purgeExpired(now: number, limit: number): Promise<string[]> {
    return this.writer.purgeExpiredSecrets(now, limit);
  }
}

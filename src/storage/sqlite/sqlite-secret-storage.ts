/**
 * Secrets on SQLite, as the main thread sees them: lookups by key on the
 * reader's connection, batched per turn of the event loop; the listing
 * through knex; every write through the write thread.
 */
import type { Knex } from 'knex';
import type { KeyRange } from '../../secrets/listing-ranges';
import type { DeleteCommand, PutCommand, EncryptedSecret, SecretRecord, SecretStorage } from '../../secrets/secret-storage';
import { SecretLookups } from '../knex/secret-lookups';
import { countLiveSecrets, listSecretRange } from '../knex/secret-rows';
import type { SqliteSecretReader } from './sqlite-secret-reader';
import type { SqliteWriteThread } from './write-thread';

export class SqliteSecretStorage implements SecretStorage {
  private readonly lookups: SecretLookups;

  constructor(
    private readonly knex: Knex,
    private readonly reader: SqliteSecretReader,
    private readonly writer: SqliteWriteThread,
  ) {
    this.lookups = new SecretLookups({
      currentOf: async (keys) => reader.currentOf(keys),
      recordsOf: async (keys) => reader.recordsOf(keys),
    });
  }

  getCurrent(key: string): Promise<EncryptedSecret | undefined> {
    return this.lookups.getCurrent(key);
  }

  getRecord(key: string): Promise<SecretRecord | undefined> {
    return this.lookups.getRecord(key);
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

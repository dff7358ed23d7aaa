/**
 * The GET and PUT lookups on SQLite, without knex: a connection of its own
 * (WAL lets it read while the write thread writes) and statements prepared
 * once (the store's own SQL text). Measured with `npm run bench`: knex
 * prepares each statement anew and adds an async hop, about a quarter of a
 * GET's CPU time. The lookups of one turn of the event loop read together
 * (batched-lookups.ts): the first read after a pause, and the first after a
 * commit, cost several times the ones that follow it.
 */
import Database from 'better-sqlite3';
import type { EncryptedSecret } from '../../secrets/secret-storage';
import { CURRENT_VERSION_SQL, ONE_VERSION_SQL, RECORD_SQL, rowToEncrypted, type EncryptedRow, type SecretRow } from '../knex/secret-rows';

/** A statement for one key, turned into one for a JSON array of keys (each still a primary-key lookup). */
const forKeys = (sql: string) =>
  sql.replace(/WHERE (s\.)?key = \?/, (where) => where.replace('= ?', 'IN (SELECT value FROM json_each(?))'));

export class SqliteSecretReader {
  private readonly db: Database.Database;
  private readonly current: Database.Statement<[string], EncryptedRow>;
  private readonly version: Database.Statement<[string, number], EncryptedRow>;
  private readonly records: Database.Statement<[string], SecretRow>;

  constructor(filename: string) {
    this.db = new Database(filename, { fileMustExist: true });
    this.db.pragma('busy_timeout = 5000');
    // No memory mapping: every commit by another connection empties this connection's page cache and, when
    // mapped, unmaps the file too, so that the next read maps and faults its pages in again, several times
    // slower than reading them (measured in the commit that turned it off).
    this.db.pragma('wal_autocheckpoint = 0');
    this.current = this.db.prepare(forKeys(CURRENT_VERSION_SQL));
    this.version = this.db.prepare(ONE_VERSION_SQL);
    this.records = this.db.prepare(forKeys(RECORD_SQL));
  }

  /** The current versions of these keys, those that exist, in one read. */
  currentOf(keys: readonly string[]): EncryptedRow[] {
    return this.current.all(JSON.stringify(keys));
  }

  /** The records of these keys, those that exist, in one read. */
  recordsOf(keys: readonly string[]): SecretRow[] {
    return this.records.all(JSON.stringify(keys));
  }

  getVersion(key: string, version: number): EncryptedSecret | undefined {
    const row = this.version.get(key, version);
    return row ? rowToEncrypted(row) : undefined;
  }

  close(): void {
    this.db.close();
  }
}

/**
 * The GET hot path on SQLite, without knex: a connection of its own (WAL
 * lets it read while the knex connection writes) and statements prepared
 * once (the store's own SQL text). Measured with `npm run bench`: knex prepares each statement anew
 * and adds an async hop, about a quarter of a GET's CPU time.
 */
import Database from 'better-sqlite3';
import type { SealedSecret, SecretRecord } from './secret-store-type';
import { CURRENT_VERSION_SQL, ONE_VERSION_SQL, RECORD_SQL } from './knex-secret-store';
import { rowToRecord, rowToSealed, type SealedRow, type SecretRow } from './secret-rows';

export class SqliteSecretReader {
  private readonly db: Database.Database;
  private readonly current: Database.Statement<[string], SealedRow>;
  private readonly version: Database.Statement<[string, number], SealedRow>;
  private readonly record: Database.Statement<[string], SecretRow>;

  constructor(filename: string) {
    this.db = new Database(filename, { fileMustExist: true });
    this.db.pragma('busy_timeout = 5000');
    // No memory mapping: every commit by another connection empties this connection's page cache and, when
    // mapped, unmaps the file too, so that the next read maps and faults its pages in again. Measured in
    // `serve` under the GET load: a read after a commit took 340-400 µs mapped, 50 µs not; other reads 70 and 35.
    this.db.pragma('wal_autocheckpoint = 0');
    this.current = this.db.prepare(CURRENT_VERSION_SQL);
    this.version = this.db.prepare(ONE_VERSION_SQL);
    this.record = this.db.prepare(RECORD_SQL);
  }

  getCurrent(key: string): SealedSecret | undefined {
    const row = this.current.get(key);
    return row ? rowToSealed(row) : undefined;
  }

  getRecord(key: string): SecretRecord | undefined {
    const row = this.record.get(key);
    return row ? rowToRecord(row) : undefined;
  }

  getVersion(key: string, version: number): SealedSecret | undefined {
    const row = this.version.get(key, version);
    return row ? rowToSealed(row) : undefined;
  }

  close(): void {
    this.db.close();
  }
}

/**
 * Secret writes on SQLite: on the write thread's connection with
 * statements prepared once, and synchronous, so that a group commit runs
 * a batch of them without leaving the thread. Measured
 * with `npm run bench` (profile of the write thread under the PUT load):
 * knex built and prepared every statement anew, about a fifth of the
 * thread's time, and most of its garbage.
 */
import type Database from 'better-sqlite3';
import type { AuditEventInput } from '../../audit/audit-event';
import { inputToColumns } from '../knex/audit-rows';
import { unchanged, type DeleteCommand, type PutCommand } from '../../secrets/secret-storage';
import { RECORD_SQL, rowToRecord, type SecretRow } from '../knex/secret-rows';
import { preparedPerConnection } from './prepared-per-connection';

export class SqliteSecretWrites {
  private readonly record: Database.Statement<[string], SecretRow>;
  private readonly insertSecret: Database.Statement;
  private readonly updateSecret: Database.Statement;
  private readonly insertVersion: Database.Statement;
  private readonly pruneVersions: Database.Statement;
  private readonly removeVersions: Database.Statement;
  private readonly removeSecret: Database.Statement;
  private readonly stageEvent: Database.Statement;

  constructor(db: Database.Database) {
    this.record = db.prepare(RECORD_SQL);
    this.insertSecret = db.prepare('INSERT INTO secrets (key, version, created_at, updated_at, expires_at) VALUES (?, ?, ?, ?, ?)');
    this.updateSecret = db.prepare('UPDATE secrets SET version = ?, created_at = ?, updated_at = ?, expires_at = ? WHERE key = ?');
    this.insertVersion = db.prepare(
      'INSERT INTO secret_versions (key, version, created_at, expires_at, kek_id, wrapped_key, ciphertext) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.pruneVersions = db.prepare('DELETE FROM secret_versions WHERE key = ? AND version <= ?');
    this.removeVersions = db.prepare('DELETE FROM secret_versions WHERE key = ?');
    this.removeSecret = db.prepare('DELETE FROM secrets WHERE key = ?');
    this.stageEvent = db.prepare(
      `INSERT INTO audit_outbox (time, subject, jti, action, key, outcome, request_id, client, detail)
       VALUES (@time, @subject, @jti, @action, @key, @outcome, @request_id, @client, @detail)`,
    );
  }

  /** Inside a transaction that holds the write lock: the record read here cannot change before the commit. */
  put(command: PutCommand): boolean {
    const { record, encrypted } = command;
    const found = this.readRecord(record.key);
    if (!unchanged(found, command.expected)) return false;
    if (record.version === 1) {
      // A fresh life over an expired secret: its history goes. A plain insert, so that two creators collide.
      if (found) this.remove(record.key);
      this.insertSecret.run(record.key, record.version, record.createdAt, record.updatedAt, record.expiresAt);
    } else {
      this.updateSecret.run(record.version, record.createdAt, record.updatedAt, record.expiresAt, record.key);
    }
    this.insertVersion.run(
      record.key,
      record.version,
      record.updatedAt,
      record.expiresAt,
      encrypted.keyId,
      encrypted.wrappedKey,
      encrypted.ciphertext,
    );
    this.pruneVersions.run(record.key, record.version - command.keepVersions);
    this.stage(command.events);
    return true;
  }

  delete(command: DeleteCommand): boolean {
    if (!unchanged(this.readRecord(command.key), command.expected)) return false;
    this.remove(command.key);
    this.stage(command.events);
    return true;
  }

  private readRecord(key: string) {
    const row = this.record.get(key);
    return row ? rowToRecord(row) : undefined;
  }

  private remove(key: string): void {
    this.removeVersions.run(key);
    this.removeSecret.run(key);
  }

  private stage(events: readonly AuditEventInput[]): void {
    for (const event of events) this.stageEvent.run(inputToColumns(event));
  }
}

/** The writes prepared on this connection. */
export const sqliteSecretWrites = preparedPerConnection((db) => new SqliteSecretWrites(db));

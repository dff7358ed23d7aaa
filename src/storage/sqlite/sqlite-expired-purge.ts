/**
 * Purging expired secrets on the write thread: a batch deletes the secrets
 * (their versions go with them) and appends their `secret.expired` events
 * to the audit chain in the same transaction, with statements prepared
 * once. Staging the events for the audit log to move, as PostgreSQL
 * does, would cost this thread a second commit, and a second fsync, for
 * every batch, whose kernel work competes with the requests for the cores.
 */
import type Database from 'better-sqlite3';
import { expiredEvent } from '../../secrets/secret-storage';
import type { SqliteAuditAppend } from './sqlite-audit-append';

/** Up to a limit of the secrets expired at a time (bound three times: now, limit, now), their versions with them by cascade. */
const PURGE_EXPIRED_SQL = `DELETE FROM secrets WHERE key IN (
     SELECT key FROM secrets WHERE expires_at <= ? ORDER BY expires_at LIMIT ?
   ) AND expires_at <= ? RETURNING key`;

export class SqliteExpiredPurge {
  private readonly purge: Database.Statement<[number, number, number], string>;

  constructor(
    db: Database.Database,
    private readonly audit: SqliteAuditAppend,
  ) {
    this.purge = db.prepare<[number, number, number], string>(PURGE_EXPIRED_SQL).pluck();
  }

  /** Inside a transaction that holds the write lock; the keys purged. */
  purgeBatch(now: number, limit: number): string[] {
    const keys = this.purge.all(now, limit, now);
    this.audit.append(
      keys.map((key) => expiredEvent(now, key)),
      false,
    );
    return keys;
  }
}

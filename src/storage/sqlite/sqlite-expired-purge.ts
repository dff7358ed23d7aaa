/**
 * Purging expired secrets on the write thread: a batch deletes the secrets
 * (their versions go with them) and appends their `secret.expired` events
 * to the audit chain in the same transaction, with statements prepared
 * once. The shared path (expired-secrets.ts) stages the events for the
 * audit log to move, which on this thread was a second commit, and a
 * second fsync, for every batch; under a purge of 100,000 secrets the
 * write thread used a third of a core, and the fsyncs' kernel work
 * competed with the requests for the two cores.
 */
import type Database from 'better-sqlite3';
import { expiredEvent } from '../../secrets/expired-secrets';
import { PURGE_EXPIRED_SQLITE_SQL } from '../knex/knex-secret-store';
import type { SqliteAuditAppend } from './sqlite-audit-append';

export class SqliteExpiredPurge {
  private readonly purge: Database.Statement<[number, number, number], string>;

  constructor(
    db: Database.Database,
    private readonly audit: SqliteAuditAppend,
  ) {
    this.purge = db.prepare<[number, number, number], string>(PURGE_EXPIRED_SQLITE_SQL).pluck();
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

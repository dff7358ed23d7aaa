/**
 * The audit append on SQLite: on the write thread's connection, with
 * statements prepared once, synchronous so that it runs in a group commit.
 * Every audited GET ends here within a few milliseconds, so the statements
 * are prepared once per connection: through knex, each append would build
 * and prepare them anew, a large share of the thread's time under a
 * read-heavy load (the figures are in the commit that made the change).
 */
import type Database from 'better-sqlite3';
import type { AuditEventInput, ChainLink } from '../../audit/audit-event';
import type { AuditChain } from '../../audit/audit-chain';
import { linkAppendBatch } from '../../audit/append-batch';
import { columnsToInput, eventToRow, headAfter, type OutboxRow } from '../knex/audit-rows';
import { OUTBOX_BATCH } from '../../audit/audit-storage';

export class SqliteAuditAppend {
  private readonly head: Database.Statement<[], string>;
  private readonly staged: Database.Statement<[number], OutboxRow>;
  private readonly insertEvent: Database.Statement;
  private readonly unstage: Database.Statement;
  private readonly moveHead: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly chain: AuditChain,
  ) {
    this.head = db.prepare<[], string>("SELECT value FROM service_meta WHERE name = 'audit_head'").pluck();
    this.staged = db.prepare('SELECT * FROM audit_outbox ORDER BY id LIMIT ?');
    this.insertEvent = db.prepare(
      `INSERT INTO audit_events (seq, time, subject, jti, action, key, outcome, request_id, client, detail, prev_hash, hash)
       VALUES (@seq, @time, @subject, @jti, @action, @key, @outcome, @request_id, @client, @detail, @prev_hash, @hash)`,
    );
    this.unstage = db.prepare('DELETE FROM audit_outbox WHERE id = ?');
    this.moveHead = db.prepare("UPDATE service_meta SET value = ? WHERE name = 'audit_head'");
  }

  /** Inside a transaction that holds the write lock, which serialises appenders as the head row's lock does elsewhere. */
  append(events: readonly AuditEventInput[], moveStaged: boolean): number {
    if (events.length === 0 && !moveStaged) return 0;
    const head = this.head.get();
    if (head === undefined) throw new Error('service_meta has no row audit_head: run scoped-secrets migrate');
    const staged = moveStaged ? this.staged.all(OUTBOX_BATCH) : [];
    const linked = linkAppendBatch(this.chain, JSON.parse(head) as ChainLink, staged.map(columnsToInput), events);
    if (linked.length === 0) return 0;
    for (const event of linked) this.insertEvent.run(eventToRow(event));
    for (const row of staged) this.unstage.run(row.id);
    this.moveHead.run(headAfter(linked));
    return staged.length;
  }
}

/**
 * Staging: a write inserts its audit events into audit_outbox in its own
 * transaction, so that they commit, or vanish, with it; the audit log then
 * moves them into the chain.
 */
import type { Knex } from 'knex';
import type { AuditEventInput } from '../../audit/audit-event';
import { inputToColumns } from './audit-rows';

/** Rows per INSERT: knex writes a multi-row insert on SQLite as a compound SELECT, of which SQLite takes at most 500 terms. */
const ROWS_PER_INSERT = 200;

export async function stageEvents(trx: Knex.Transaction, events: readonly AuditEventInput[]): Promise<void> {
  for (let start = 0; start < events.length; start += ROWS_PER_INSERT) {
    await trx('audit_outbox').insert(events.slice(start, start + ROWS_PER_INSERT).map(inputToColumns));
  }
}

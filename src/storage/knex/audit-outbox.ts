/**
 * Staging: a write inserts its audit events into audit_outbox in its own
 * transaction, so that they commit, or vanish, with it; the audit log then
 * moves them into the chain.
 */
import type { Knex } from 'knex';
import type { AuditEventInput } from '../../audit/audit-event';
import { inputToColumns } from './audit-rows';

export async function stageEvents(trx: Knex.Transaction, events: readonly AuditEventInput[]): Promise<void> {
  if (events.length > 0) await trx('audit_outbox').insert(events.map(inputToColumns));
}

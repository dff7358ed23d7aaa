import type { AuditChain, AuditEvent, AuditEventInput, ChainLink } from './audit-event';
import { columnsToInput, type OutboxRow } from '../storage/knex/audit-rows';

/**
 * One append's events in chain order, linked after the head: the staged
 * ones and the queued ones, oldest first (a write staged its event before,
 * or after, events still queued for this batch).
 */
export function linkAppendBatch(
  chain: AuditChain,
  head: ChainLink,
  staged: readonly OutboxRow[],
  queued: readonly AuditEventInput[],
): AuditEvent[] {
  const all = [...staged.map(columnsToInput), ...queued].sort((a, b) => a.time - b.time);
  return chain.link(head, all);
}

/** The chain's head once `linked` (not empty) is appended, as service_meta keeps it. */
export function headAfter(linked: readonly AuditEvent[]): string {
  const last = linked[linked.length - 1] as AuditEvent;
  return JSON.stringify({ seq: last.seq, hash: last.hash });
}

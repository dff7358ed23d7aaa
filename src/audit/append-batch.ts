import type { AuditEvent, AuditEventInput, ChainLink } from './audit-event';
import type { AuditChain } from './audit-chain';

/**
 * One append's events in chain order, linked after the head: the staged
 * ones and the queued ones, oldest first (a write staged its event before,
 * or after, events still queued for this batch).
 */
export function linkAppendBatch(
  chain: AuditChain,
  head: ChainLink,
  staged: readonly AuditEventInput[],
  queued: readonly AuditEventInput[],
): AuditEvent[] {
  const all = [...staged, ...queued].sort((a, b) => a.time - b.time);
  return chain.link(head, all);
}

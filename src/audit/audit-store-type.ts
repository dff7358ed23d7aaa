import type { AuditEvent, AuditEventInput, ChainLink } from './audit-event';

export interface AuditQuery {
  readonly key?: string;
  readonly subject?: string;
  readonly since?: number;
  readonly afterSeq?: number;
  readonly limit: number;
}

export interface AuditStore {
  /** Appends after the chain's head, serialised against every other appender. */
  append(events: readonly AuditEventInput[]): Promise<void>;
  /** Events matching the query, oldest first. */
  query(query: AuditQuery): Promise<AuditEvent[]>;
  /** Events in seq order after `afterSeq`, for verification. */
  range(afterSeq: number, limit: number): Promise<AuditEvent[]>;
  /** Where the chain starts (after retention) and where it ends. */
  endpoints(): Promise<{ anchor: ChainLink; head: ChainLink }>;
  /** Deletes up to `limit` of the oldest events older than `cutoff`, moving the anchor; how many. */
  purgeOlderThan(cutoff: number, limit: number): Promise<number>;
}

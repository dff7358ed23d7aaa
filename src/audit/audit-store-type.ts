import type { AuditEvent, AuditEventInput, ChainAnchor, ChainLink } from './audit-event';

export interface AuditQuery {
  readonly key?: string;
  readonly subject?: string;
  readonly since?: number;
  readonly afterSeq?: number;
  readonly limit: number;
}

export interface ChainEndpoints {
  readonly anchor: ChainAnchor;
  readonly head: ChainLink;
  /** Events up to this one were written before the chain was keyed. */
  readonly keyedFrom: ChainAnchor;
}

export interface AuditStore {
  /** Appends after the chain's head, serialised against every other appender. */
  append(events: readonly AuditEventInput[]): Promise<void>;
  /** Events matching the query, oldest first. */
  query(query: AuditQuery): Promise<AuditEvent[]>;
  /** Events in seq order after `afterSeq`, for verification. */
  range(afterSeq: number, limit: number): Promise<AuditEvent[]>;
  /** Where the chain starts (after retention), where it ends, and up to where hashes are unkeyed. */
  endpoints(): Promise<ChainEndpoints>;
  /** Seals the boundary of unkeyed hashes with a MAC, once keyed events may follow it. */
  sealKeyedBoundary(): Promise<void>;
  /** Deletes up to `limit` of the oldest events older than `cutoff`, moving the anchor; how many. */
  purgeOlderThan(cutoff: number, limit: number): Promise<number>;
}

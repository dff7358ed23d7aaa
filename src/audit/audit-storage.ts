/** What the audit feature needs of storage: the chain's appends, reads, endpoints and retention. */
import type { AuditEvent, AuditEventInput, ChainAnchor, ChainLink } from './audit-event';

export interface AuditQuery {
  readonly key?: string;
  readonly subject?: string;
  readonly since?: number;
  /** Oldest first (the default) or newest first. */
  readonly order?: AuditOrder;
  /** Where the previous page ended: events after it in `order`. */
  readonly afterSeq?: number;
  readonly limit: number;
}

export type AuditOrder = 'oldest' | 'newest';

/** Staged events moved into the chain per append, at most. */
export const OUTBOX_BATCH = 1000;

export interface ChainEndpoints {
  readonly anchor: ChainAnchor;
  readonly head: ChainLink;
  /** Events up to this one were written before the chain was keyed. */
  readonly keyedFrom: ChainAnchor;
}

export interface AuditStorage {
  /**
   * Appends `events` and, when `moveStaged`, moves events that writes
   * committed with them (up to a batch) into the chain, in one transaction
   * serialised against every other appender; how many staged events it moved.
   */
  append(events: readonly AuditEventInput[], moveStaged: boolean): Promise<number>;
  /** Events matching the query, in its order. */
  query(query: AuditQuery): Promise<AuditEvent[]>;
  /** Events in seq order after `afterSeq`, for verification. */
  range(afterSeq: number, limit: number): Promise<AuditEvent[]>;
  /** Where the chain starts (after retention), where it ends, and up to where hashes are unkeyed. */
  endpoints(): Promise<ChainEndpoints>;
  /** Deletes up to `limit` of the oldest events older than `cutoff`, moving the anchor; how many. */
  purgeOlderThan(cutoff: number, limit: number): Promise<number>;
}

/** Who did something: the part of an audit event that the request knows. */
export interface Actor {
  readonly subject: string | null;
  readonly jti: string | null;
  readonly requestId: string | null;
  readonly client: string | null;
}

import type { Knex } from 'knex';
import type { AuditEvent, AuditEventInput, ChainAnchor, ChainLink } from './audit-event';

export interface AuditQuery {
  readonly key?: string;
  readonly subject?: string;
  readonly since?: number;
  readonly afterSeq?: number;
  readonly limit: number;
}

/** Staged events moved into the chain per append, at most. */
export const OUTBOX_BATCH = 1000;

export interface ChainEndpoints {
  readonly anchor: ChainAnchor;
  readonly head: ChainLink;
  /** Events up to this one were written before the chain was keyed. */
  readonly keyedFrom: ChainAnchor;
}

export interface AuditStore {
  /** Stages events in the transaction of the write they describe: they commit, or vanish, with it. */
  stage(events: readonly AuditEventInput[], trx: Knex.Transaction): Promise<void>;
  /**
   * Appends `events` and, when `moveStaged`, moves staged events (up to a
   * batch) into the chain with them, in one transaction serialised against
   * every other appender; how many staged events it moved.
   */
  append(events: readonly AuditEventInput[], moveStaged: boolean): Promise<number>;
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

/** Who did something: the part of an audit event that the request knows. */
export interface Actor {
  readonly subject: string | null;
  readonly jti: string | null;
  readonly requestId: string | null;
  readonly client: string | null;
}

/** What a write needs to commit its event with it: stage in the transaction, then ask for the move into the chain. */
export interface AuditStaging {
  stage(events: readonly AuditEventInput[], trx: Knex.Transaction): Promise<void>;
  kick(): void;
}

/** What the wraps feature needs of storage: one wrap each, found by the hash of its token, taken once. */
import type { Actor } from '../audit/audit-storage';
import type { AuditEventInput } from '../audit/audit-event';
import type { WrapQuota } from '../config';
import type { EncryptedValue } from '../crypto/envelope';

export interface WrapRecord {
  readonly id: string;
  readonly tokenHash: string;
  /** The secret it copies, or null for a value the creator supplied. */
  readonly key: string | null;
  readonly creator: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly encrypted: EncryptedValue;
}

/** What a lookup shows: everything but the encrypted value. */
export type WrapInfo = Omit<WrapRecord, 'encrypted'>;

/** What one creator's live wraps hold: how many, their encrypted bytes, and when the first of them expires (null when none). */
export interface WrapUsage {
  readonly wraps: number;
  readonly bytes: number;
  readonly soonestExpiry: number | null;
}

/** Why a wrap was not created: which quota its creator's live wraps would pass, and what they hold now. */
export interface QuotaRefusal {
  readonly exceeded: 'wraps' | 'bytes';
  readonly usage: WrapUsage;
}

/** The writes of wraps, each with its audit events in one transaction. */
export interface WrapWrites {
  /** Creates the wrap with its events, unless its creator's live wraps would then pass `quota`; two creations at once cannot both pass. */
  createWrap(wrap: WrapRecord, events: readonly AuditEventInput[], quota: WrapQuota): Promise<QuotaRefusal | undefined>;
  /** The wrap, deleted, with its `wrap.unwrap` event; undefined when no live wrap has this hash. Of concurrent takers, one gets it. */
  takeWrap(tokenHash: string, now: number, actor: Actor): Promise<WrapRecord | undefined>;
  /** Deletes a batch of expired wraps, each with its `wrap.expired` event; how many. */
  purgeExpiredWraps(now: number, limit: number): Promise<number>;
}

export interface WrapStorage extends WrapWrites {
  find(tokenHash: string, now: number): Promise<WrapInfo | undefined>;
}

/** The event of a wrap purged unused at `now`. */
export function expiredWrapEvent(now: number, key: string | null): AuditEventInput {
  return { time: now, subject: null, jti: null, action: 'wrap.expired', key, outcome: 200, requestId: null, client: null };
}

/** The event of a wrap taken at `now`. */
export function unwrapEvent(now: number, actor: Actor, key: string | null): AuditEventInput {
  return { ...actor, time: now, action: 'wrap.unwrap', key, outcome: 200 };
}

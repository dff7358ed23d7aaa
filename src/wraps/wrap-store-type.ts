/** Where wraps live: one row each, found by the hash of its token. */
import type { Knex } from 'knex';
import type { SealedValue } from '../crypto/envelope';

export interface WrapRecord {
  readonly id: string;
  readonly tokenHash: string;
  /** The secret it copies, or null for a value the creator supplied. */
  readonly key: string | null;
  readonly creator: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly sealed: SealedValue;
}

/** What a lookup shows: everything but the sealed value. */
export type WrapInfo = Omit<WrapRecord, 'sealed'>;

/** What one creator's live wraps hold: how many, their sealed bytes, and when the first of them expires (null when none). */
export interface WrapUsage {
  readonly wraps: number;
  readonly bytes: number;
  readonly soonestExpiry: number | null;
}

export interface WrapStore {
  inTransaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  insert(wrap: WrapRecord, trx: Knex.Transaction): Promise<void>;
  /** The creator's live wraps, read after taking a lock that serialises its creators, so that two at once cannot both pass a quota. */
  usageOf(creator: string, now: number, trx: Knex.Transaction): Promise<WrapUsage>;
  /** Deletes the live wrap with this token hash and returns it, in one statement: of concurrent takers, one gets it. */
  take(tokenHash: string, now: number, trx: Knex.Transaction): Promise<WrapRecord | undefined>;
  find(tokenHash: string, now: number): Promise<WrapInfo | undefined>;
  /** Deletes a batch of expired wraps; returns each one's key (null for supplied values). */
  purgeExpiredBatch(now: number, limit: number, trx: Knex.Transaction): Promise<Array<string | null>>;
}

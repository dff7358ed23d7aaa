import type { Knex } from 'knex';

/** A token this server minted: enough to revoke it by subject or by ancestry. */
export interface IssuedToken {
  readonly jti: string;
  readonly subject: string;
  /** The jtis it was derived from, oldest first. */
  readonly ancestors: readonly string[];
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface Revocation {
  readonly jti: string;
  /** The revoked token's exp in milliseconds; null when unknown. */
  readonly expiresAt: number | null;
}

/**
 * A token is accepted until its exp plus the clock leeway (at most 60 s),
 * so its revocation is kept that much longer than its exp.
 */
export const REVOCATION_GRACE_MS = 60_000;

export interface TokenStore {
  inTransaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  recordIssued(token: IssuedToken, trx?: Knex.Transaction): Promise<void>;
  findIssued(jti: string): Promise<IssuedToken | undefined>;
  /** Idempotent; `expiresAt` null when the revoked token's exp is unknown. */
  revoke(jti: string, revokedAt: number, expiresAt: number | null, trx?: Knex.Transaction): Promise<void>;
  /** Revocations in force at `now`, in jti order after `afterJti`, at most `limit`: a page of the full list. */
  revocationsInForce(now: number, afterJti: string | undefined, limit: number): Promise<Revocation[]>;
  /** Revocations made at or after `since` (by the clock of the replica that made them). */
  revokedSince(since: number): Promise<Revocation[]>;
  /** Deletes up to `limit` revocations and issued-token records whose token can no longer be used; how many. */
  purgeExpiredBatch(now: number, limit: number): Promise<number>;
}

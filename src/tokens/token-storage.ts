/** What the tokens feature needs of storage: minted tokens, revocations, and their purge. */
import type { AuditEventInput } from '../audit/audit-event';
import type { KeyRange } from '../secrets/listing-ranges';

/** How the server came to sign a token. */
export type TokenKind = 'derived' | 'exchanged';

/** A token this server minted: enough to revoke it by subject or by ancestry, and to list it. */
export interface IssuedToken {
  readonly jti: string;
  readonly subject: string;
  readonly kind: TokenKind;
  /** Undefined for tokens recorded before scopes were kept. */
  readonly scopes?: readonly string[];
  /** The jtis it was derived from, oldest first. */
  readonly ancestors: readonly string[];
  readonly createdAt: number;
  readonly expiresAt: number;
  /** The signing key's kid; undefined for a key with none (HS256) and for tokens recorded before kids were. */
  readonly kid?: string;
}

/** Where a listing of issued tokens stopped: listings go by subject, then jti. */
export interface IssuedPosition {
  readonly subject: string;
  readonly jti: string;
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

/** A revocation being made; what storage keeps of it is a Revocation. */
export interface NewRevocation {
  readonly jti: string;
  readonly revokedAt: number;
  /** The revoked token's exp; null when unknown. */
  readonly expiresAt: number | null;
}

/** The writes of the tokens feature, each with its audit events in one transaction. */
export interface TokenWrites {
  recordIssued(token: IssuedToken, events: readonly AuditEventInput[]): Promise<void>;
  /** Idempotent. */
  revoke(revocation: NewRevocation, events: readonly AuditEventInput[]): Promise<void>;
}

export interface TokenStorage extends TokenWrites {
  findIssued(jti: string): Promise<IssuedToken | undefined>;
  /** Up to `limit` records with a subject in `range`, after `after`, whose token expires after `now`, by subject then jti. */
  listIssued(range: KeyRange, after: IssuedPosition | undefined, now: number, limit: number): Promise<IssuedToken[]>;
  /** Revocations in force at `now`, in jti order after `afterJti`, at most `limit`: a page of the full list. */
  revocationsInForce(now: number, afterJti: string | undefined, limit: number): Promise<Revocation[]>;
  /** Revocations made at or after `since` (by the clock of the replica that made them). */
  revokedSince(since: number): Promise<Revocation[]>;
  /** Deletes up to `limit` revocations and issued-token records whose token can no longer be used; how many. */
  purgeExpired(now: number, limit: number): Promise<number>;
}

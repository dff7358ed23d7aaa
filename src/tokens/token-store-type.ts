/** A token this server minted: enough to revoke it by subject or by ancestry. */
export interface IssuedToken {
  readonly jti: string;
  readonly subject: string;
  /** The jtis it was derived from, oldest first. */
  readonly ancestors: readonly string[];
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface TokenStore {
  recordIssued(token: IssuedToken): Promise<void>;
  findIssued(jti: string): Promise<IssuedToken | undefined>;
  /** Idempotent; `expiresAt` null when the revoked token's exp is unknown. */
  revoke(jti: string, revokedAt: number, expiresAt: number | null): Promise<void>;
  /** Every revocation still in force at `now`. */
  revokedJtis(now: number): Promise<string[]>;
  /** Deletes up to `limit` revocations and issued-token records whose token expired; how many. */
  purgeExpiredBatch(now: number, limit: number): Promise<number>;
}

/**
 * The writes of the tokens feature, each with its audit event in one
 * transaction: recording a minted token, and a revocation. On SQLite these
 * run in the write thread; on PostgreSQL on the event loop.
 */
import type { AuditEventInput } from '../audit/audit-event';
import type { AuditStore } from '../audit/audit-store-type';
import type { IssuedToken, TokenStore } from './token-store-type';

/** A revocation being made; what the store keeps of it is a Revocation (token-store-type). */
export interface NewRevocation {
  readonly jti: string;
  readonly revokedAt: number;
  /** The revoked token's exp; null when unknown. */
  readonly expiresAt: number | null;
}

export interface TokenWrites {
  recordIssued(token: IssuedToken, events: readonly AuditEventInput[]): Promise<void>;
  revoke(revocation: NewRevocation, events: readonly AuditEventInput[]): Promise<void>;
}

export function tokenWrites(deps: {
  store: Pick<TokenStore, 'inTransaction' | 'recordIssued' | 'revoke'>;
  audit: Pick<AuditStore, 'stage'>;
}): TokenWrites {
  const { store, audit } = deps;
  return {
    recordIssued: (token, events) =>
      store.inTransaction(async (trx) => {
        await store.recordIssued(token, trx);
        await audit.stage(events, trx);
      }),
    revoke: ({ jti, revokedAt, expiresAt }, events) =>
      store.inTransaction(async (trx) => {
        await store.revoke(jti, revokedAt, expiresAt, trx);
        await audit.stage(events, trx);
      }),
  };
}

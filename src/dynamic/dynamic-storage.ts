/** What dynamic secrets need of storage: backends by key, and leases, each revoked by one replica at a time. */
import type { AuditEventInput } from '../audit/audit-event';
import type { EncryptedValue } from '../crypto/envelope';
import type { BackendSettings } from './backend-kind';

export interface BackendRecord {
  readonly key: string;
  readonly settings: BackendSettings;
  /** The administrative password, sealed and bound to the backend's key. */
  readonly encrypted: EncryptedValue;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Why a lease is being revoked before its expiry: by hand, or because a token that drew it (or an ancestor) was revoked. */
export type RevokeReason = 'revoked' | 'token';

/** Which live leases a revocation marks: one by id, every one under a prefix, or every one a token (or a token derived from it) drew. */
export type LeaseTarget = { readonly id: string } | { readonly prefix: string } | { readonly jti: string };

/** The events a marked lease's revocation request commits with. */
export type MarkEvents = (lease: LeaseRecord) => readonly AuditEventInput[];

export interface LeaseRecord {
  readonly id: string;
  readonly backendKey: string;
  readonly subject: string;
  readonly jti: string | null;
  /** The drawing token's jti after its ancestors': revoking any of them revokes the lease. */
  readonly tokenChain: readonly string[];
  readonly createdAt: number;
  readonly expiresAt: number;
  /** The latest a renewal may take it to: the backend's maximum TTL, and the drawing token's expiry. */
  readonly maxExpiresAt: number;
  /** When the sweeper next acts on it: its expiry, or sooner once revoked, or after a failed attempt's backoff. */
  readonly revokeAt: number;
  readonly revokeReason: RevokeReason | null;
  readonly attempts: number;
  /** Why the last revocation attempt failed, passwords removed. */
  readonly lastError: string | null;
  /** What revocation needs (the credential's user name), sealed and bound to the lease's id. */
  readonly encrypted: EncryptedValue;
}

/** A lease a replica claimed for revocation: `claim` proves it still holds it when it finishes. */
export interface ClaimedLease extends LeaseRecord {
  readonly claim: string;
}

export interface DynamicStorage {
  /** Creates or replaces the backend with its event; true when it was created. */
  putBackend(record: BackendRecord, events: readonly AuditEventInput[]): Promise<boolean>;
  findBackend(key: string): Promise<BackendRecord | undefined>;
  /** Deletes the backend with its event, unless a lease of it is still live or pending: then 'leased'. */
  deleteBackend(key: string, events: readonly AuditEventInput[]): Promise<'deleted' | 'absent' | 'leased'>;
  /** The backends whose key is `prefix` or under it (all when empty), by key, at most `limit`. */
  listBackends(prefix: string, limit: number): Promise<BackendRecord[]>;

  createLease(lease: LeaseRecord, events: readonly AuditEventInput[]): Promise<void>;
  findLease(id: string): Promise<LeaseRecord | undefined>;
  /** The leases of backends at `prefix` or under it, by backend and id, after `after` (a lease id), at most `limit`. */
  listLeases(prefix: string, after: { backendKey: string; id: string } | undefined, limit: number): Promise<LeaseRecord[]>;
  /** Moves a live lease's expiry, with its event; false when it is no longer live (revoked, pending or gone). */
  renewLease(id: string, expiresAt: number, now: number, events: readonly AuditEventInput[]): Promise<boolean>;
  /**
   * Marks the live leases `target` names for revocation now; of those,
   * only the ones `may` allows (a caller's scopes).
   */
  markRevoked(
    target: LeaseTarget,
    reason: RevokeReason,
    now: number,
    events: MarkEvents,
    may?: (lease: LeaseRecord) => boolean,
  ): Promise<LeaseRecord[]>;
  /**
   * Claims up to `limit` leases whose revocation is due at `now`, each for
   * `holdMs`: concurrent claimers, on any replica, get different leases.
   * One filter limits the claim to one lease (a revocation by hand).
   */
  claimDue(now: number, holdMs: number, limit: number, only?: { id: string }): Promise<ClaimedLease[]>;
  /** Deletes a revoked lease with its events, if this claim still holds it; false when it does not. */
  finishRevocation(lease: ClaimedLease, events: readonly AuditEventInput[]): Promise<boolean>;
  /** Releases a claim after a failed attempt, to be tried again at `retryAt`, with its events. */
  failRevocation(lease: ClaimedLease, retryAt: number, error: string, events: readonly AuditEventInput[]): Promise<void>;
}

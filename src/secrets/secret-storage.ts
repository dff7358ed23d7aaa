/**
 * What the secrets feature needs of storage: reads by key, a keyset listing,
 * and writes that commit with their audit events as compare-and-set. Each
 * backend under src/storage implements it; the service never knows which.
 */
import type { AuditEventInput } from '../audit/audit-event';
import type { EncryptedValue } from '../crypto/envelope';
import type { KeyRange } from './listing-ranges';

/** A secret's metadata, times in milliseconds from the application clock. */
export interface SecretRecord {
  readonly key: string;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly expiresAt: number;
}

export interface EncryptedSecret extends SecretRecord {
  readonly encrypted: EncryptedValue;
}

/** The record a write was planned on, or null when it was planned on no secret. */
export type Expected = { readonly version: number; readonly expiresAt: number } | null;

/**
 * Makes `record` current with this encrypted value, keeping at most
 * `keepVersions` versions. Version 1 creates the secret (over an expired
 * one, its history cleared); a later version updates it.
 */
export interface PutCommand {
  readonly expected: Expected;
  readonly record: SecretRecord;
  readonly encrypted: EncryptedValue;
  readonly keepVersions: number;
  readonly events: readonly AuditEventInput[];
}

export interface DeleteCommand {
  readonly key: string;
  readonly expected: NonNullable<Expected>;
  readonly events: readonly AuditEventInput[];
}

/**
 * The writes of secrets, each with its audit events in one transaction, as
 * compare-and-set: the service plans a write on the record it read (and
 * seals the value for the version it plans), and the write commits only if
 * the record is still as it was read.
 */
export interface SecretWrites {
  /** Commits the write and its events if the secret is still as expected; false when another write came first. */
  put(command: PutCommand): Promise<boolean>;
  delete(command: DeleteCommand): Promise<boolean>;
}

export interface SecretReads {
  getCurrent(key: string): Promise<EncryptedSecret | undefined>;
  /** The current metadata alone: what a write plans on, without reading the value. */
  getRecord(key: string): Promise<SecretRecord | undefined>;
  /** One version; `expiresAt` is the secret's current expiry, which decides 410. */
  getVersion(key: string, version: number): Promise<EncryptedSecret | undefined>;
  /** Up to `limit` secrets in `range` after `afterKey`, ordered by key, expired ones included. */
  listRange(range: KeyRange, afterKey: string | undefined, limit: number): Promise<SecretRecord[]>;
  countLive(now: number): Promise<number>;
}

export interface SecretStorage extends SecretReads, SecretWrites {
  /**
   * Deletes up to `limit` secrets expired at `now`, with their versions, and
   * commits a `secret.expired` event for each with them; the keys purged.
   * Replicas never take the same rows.
   */
  purgeExpired(now: number, limit: number): Promise<string[]>;
}

/** Whether the record is still the one the write was planned on: the compare of every backend's compare-and-set. */
export function unchanged(found: SecretRecord | undefined, expected: Expected): boolean {
  if (expected === null) return found === undefined;
  return found !== undefined && found.version === expected.version && found.expiresAt === expected.expiresAt;
}

/** The event of a secret purged at `now`: by the service, so no subject. */
export function expiredEvent(now: number, key: string): AuditEventInput {
  return { time: now, subject: null, jti: null, action: 'secret.expired', key, outcome: 200, requestId: null, client: null };
}

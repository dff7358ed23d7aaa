/**
 * The writes of secrets, each with its audit event in one transaction, as
 * compare-and-set: the service plans a write on the record it read (and
 * seals the value for the version it plans), and the write commits only if
 * the record is still as it was read. On PostgreSQL these run on the event
 * loop (the PUTs of one turn as one statement, postgres-secret-writes.ts);
 * on SQLite the write thread runs the same steps on prepared statements
 * (sqlite-secret-writes.ts).
 */
import type { AuditEventInput } from '../audit/audit-event';
import type { AuditStore } from '../audit/audit-store-type';
import type { SealedValue } from '../crypto/envelope';
import type { SecretRecord, SecretStore } from './secret-store-type';

/** The record a write was planned on, or null when it was planned on no secret. */
export type Expected = { readonly version: number; readonly expiresAt: number } | null;

export interface PutCommand {
  readonly expected: Expected;
  readonly record: SecretRecord;
  readonly sealed: SealedValue;
  readonly keepVersions: number;
  readonly events: readonly AuditEventInput[];
}

export interface DeleteCommand {
  readonly key: string;
  readonly expected: NonNullable<Expected>;
  readonly events: readonly AuditEventInput[];
}

export interface SecretWrites {
  /** Commits the write and its events if the secret is still as expected; false when another write came first. */
  put(command: PutCommand): Promise<boolean>;
  delete(command: DeleteCommand): Promise<boolean>;
}

/** Whether the record is still the one the write was planned on. */
export function unchanged(found: SecretRecord | undefined, expected: Expected): boolean {
  if (expected === null) return found === undefined;
  return found !== undefined && found.version === expected.version && found.expiresAt === expected.expiresAt;
}

/** The writes, each in a transaction of its own (the SQLite write thread runs the same steps in sqlite-secret-writes.ts). */
export function secretWrites(deps: {
  store: Pick<SecretStore, 'inTransaction' | 'lockRecord' | 'remove' | 'writeVersion'>;
  audit: Pick<AuditStore, 'stage'>;
}): SecretWrites {
  const { store, audit } = deps;
  return {
    put: (command) =>
      store.inTransaction(async (trx) => {
        const found = await store.lockRecord(command.record.key, trx);
        if (!unchanged(found, command.expected)) return false;
        // Version 1 over an existing (expired) secret: a fresh life, its history cleared.
        if (found && command.record.version === 1) await store.remove(found.key, trx);
        await store.writeVersion(command.record, command.sealed, command.keepVersions, trx);
        await audit.stage(command.events, trx);
        return true;
      }),
    delete: (command) =>
      store.inTransaction(async (trx) => {
        if (!unchanged(await store.lockRecord(command.key, trx), command.expected)) return false;
        await store.remove(command.key, trx);
        await audit.stage(command.events, trx);
        return true;
      }),
  };
}

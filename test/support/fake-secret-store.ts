/**
 * The secrets tables and the audit outbox in memory, with transactions that
 * roll back: for unit tests of SecretService without a database. A write
 * and the events staged in its transaction are kept, or dropped, together.
 */
import type { Knex } from 'knex';
import type { AuditEventInput } from '../../src/audit/audit-event';
import type { AuditStaging } from '../../src/audit/audit-store-type';
import type { KeyRange } from '../../src/secrets/listing-ranges';
import type { SealedSecret, SecretRecord, SecretStore } from '../../src/secrets/secret-store-type';
import type { SealedValue } from '../../src/crypto/envelope';

interface State {
  secrets: Map<string, SecretRecord>;
  versions: Map<string, Map<number, SealedValue & { createdAt: number }>>;
  staged: AuditEventInput[];
}

function copy(state: State): State {
  return {
    secrets: new Map(state.secrets),
    versions: new Map([...state.versions].map(([key, versions]) => [key, new Map(versions)])),
    staged: [...state.staged],
  };
}

/** Stands for a transaction: the fake needs none, only something to pass along. */
const TRANSACTION = {} as Knex.Transaction;

export class FakeSecretStore implements Pick<
  SecretStore,
  'inTransaction' | 'lockRecord' | 'writeVersion' | 'remove' | 'getCurrent' | 'getRecord' | 'getVersion' | 'listRange'
> {
  private state: State = { secrets: new Map(), versions: new Map(), staged: [] };
  kicks = 0;

  /** The staging half of the audit log, sharing this store's transactions. */
  readonly staging: AuditStaging = {
    stage: async (events) => {
      this.state.staged.push(...events);
    },
    kick: () => {
      this.kicks += 1;
    },
  };

  /** Events committed with their writes. */
  get stagedEvents(): readonly AuditEventInput[] {
    return this.state.staged;
  }

  async inTransaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    const before = copy(this.state);
    try {
      return await work(TRANSACTION);
    } catch (error) {
      this.state = before;
      throw error;
    }
  }

  async lockRecord(key: string): Promise<SecretRecord | undefined> {
    return this.state.secrets.get(key);
  }

  async writeVersion(record: SecretRecord, sealed: SealedValue, keepVersions: number): Promise<void> {
    this.state.secrets.set(record.key, record);
    const versions = this.state.versions.get(record.key) ?? new Map<number, SealedValue & { createdAt: number }>();
    versions.set(record.version, { ...sealed, createdAt: record.updatedAt });
    for (const version of versions.keys()) if (version <= record.version - keepVersions) versions.delete(version);
    this.state.versions.set(record.key, versions);
  }

  async remove(key: string): Promise<void> {
    this.state.secrets.delete(key);
    this.state.versions.delete(key);
  }

  async getCurrent(key: string): Promise<SealedSecret | undefined> {
    const record = this.state.secrets.get(key);
    const sealed = record && this.state.versions.get(key)?.get(record.version);
    return record && sealed ? { ...record, sealed } : undefined;
  }

  async getRecord(key: string): Promise<SecretRecord | undefined> {
    return this.state.secrets.get(key);
  }

  async getVersion(key: string, version: number): Promise<SealedSecret | undefined> {
    const record = this.state.secrets.get(key);
    const sealed = this.state.versions.get(key)?.get(version);
    return record && sealed ? { ...record, version, updatedAt: sealed.createdAt, sealed } : undefined;
  }

  async listRange(range: KeyRange, afterKey: string | undefined, limit: number): Promise<SecretRecord[]> {
    return [...this.state.secrets.values()]
      .filter((record) => record.key >= range.from && record.key < range.to && (afterKey === undefined || record.key > afterKey))
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .slice(0, limit);
  }

  /** How many versions of `key` are kept. */
  versionsOf(key: string): number[] {
    return [...(this.state.versions.get(key)?.keys() ?? [])];
  }
}

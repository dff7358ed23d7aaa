/** Secrets in memory, with the same compare-and-set, history and purge as the databases. */
import type { EncryptedValue } from '../../crypto/envelope';
import type { KeyRange } from '../../secrets/listing-ranges';
import {
  expiredEvent,
  unchanged,
  type DeleteCommand,
  type PutCommand,
  type EncryptedSecret,
  type SecretRecord,
  type SecretStorage,
} from '../../secrets/secret-storage';
import type { MemoryAudit } from './memory-audit';
import type { EncryptedVersions } from './memory-key-rotation';
import type { WrappedVersion } from '../../keyring/key-rotation';

interface StoredVersion {
  readonly encrypted: EncryptedValue;
  /** When this version was written: a version's updatedAt. */
  readonly writtenAt: number;
}

interface StoredSecret {
  readonly record: SecretRecord;
  readonly versions: Map<number, StoredVersion>;
}

export class MemorySecrets implements SecretStorage, EncryptedVersions {
  private readonly secrets = new Map<string, StoredSecret>();

  constructor(private readonly audit: Pick<MemoryAudit, 'stage'>) {}

  async getCurrent(key: string): Promise<EncryptedSecret | undefined> {
    const found = this.secrets.get(key);
    return found && this.versionOf(found, found.record.version);
  }

  async getRecord(key: string): Promise<SecretRecord | undefined> {
    return this.secrets.get(key)?.record;
  }

  async getVersion(key: string, version: number): Promise<EncryptedSecret | undefined> {
    const found = this.secrets.get(key);
    return found && this.versionOf(found, version);
  }

  async listRange(range: KeyRange, afterKey: string | undefined, limit: number): Promise<SecretRecord[]> {
    const from = (key: string) => (afterKey !== undefined && afterKey >= range.from ? key > afterKey : key >= range.from);
    return [...this.secrets.keys()]
      .filter((key) => from(key) && key < range.to)
      .sort(byCodePoint)
      .slice(0, limit)
      .flatMap((key) => this.secrets.get(key)?.record ?? []);
  }

  async countLive(now: number): Promise<number> {
    return [...this.secrets.values()].filter((secret) => secret.record.expiresAt > now).length;
  }

  async put(command: PutCommand): Promise<boolean> {
    const { record, encrypted, keepVersions } = command;
    const found = this.secrets.get(record.key);
    if (!unchanged(found?.record, command.expected)) return false;
    // Version 1 starts a fresh life: over an expired secret, its history goes.
    const versions = record.version === 1 || !found ? new Map<number, StoredVersion>() : found.versions;
    versions.set(record.version, { encrypted, writtenAt: record.updatedAt });
    for (const version of versions.keys()) if (version <= record.version - keepVersions) versions.delete(version);
    this.secrets.set(record.key, { record, versions });
    this.audit.stage(command.events);
    return true;
  }

  async delete(command: DeleteCommand): Promise<boolean> {
    if (!unchanged(this.secrets.get(command.key)?.record, command.expected)) return false;
    this.secrets.delete(command.key);
    this.audit.stage(command.events);
    return true;
  }

  async purgeExpired(now: number, limit: number): Promise<string[]> {
    const keys = [...this.secrets.values()]
      .filter((secret) => secret.record.expiresAt <= now)
      .sort((a, b) => a.record.expiresAt - b.record.expiresAt)
      .slice(0, limit)
      .map((secret) => secret.record.key);
    for (const key of keys) this.secrets.delete(key);
    this.audit.stage(keys.map((key) => expiredEvent(now, key)));
    return keys;
  }

  versions(): WrappedVersion[] {
    return [...this.secrets.values()].flatMap(({ record, versions }) =>
      [...versions].map(([version, stored]) => ({ key: record.key, version, encrypted: stored.encrypted })),
    );
  }

  replace(key: string, version: number, previousKeyId: string, encrypted: EncryptedValue): void {
    const versions = this.secrets.get(key)?.versions;
    const stored = versions?.get(version);
    // The data key is re-wrapped; the value it encrypts stays as it was.
    if (stored && stored.encrypted.keyId === previousKeyId) {
      versions?.set(version, { ...stored, encrypted: { ...stored.encrypted, keyId: encrypted.keyId, wrappedKey: encrypted.wrappedKey } });
    }
  }

  private versionOf(secret: StoredSecret, version: number): EncryptedSecret | undefined {
    const stored = secret.versions.get(version);
    return stored && { ...secret.record, version, updatedAt: stored.writtenAt, encrypted: stored.encrypted };
  }
}

/** Keys in the order of the databases' primary key (code points: keys are ASCII). */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

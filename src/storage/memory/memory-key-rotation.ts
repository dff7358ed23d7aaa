/** Key rotation over the secrets held in memory. */
import type { EncryptedValue } from '../../crypto/envelope';
import type { KeyRotationStorage, WrappedVersion } from '../../keyring/key-rotation';
import type { MemoryDynamic } from './memory-dynamic';
import type { MemorySigningKeys } from './memory-signing-keys';

/** What rotation reaches into: every encrypted secret version, by key and version. */
export interface EncryptedVersions {
  versions(): WrappedVersion[];
  /** Replaces a version's encrypted value if it is still wrapped by `previousKeyId`. */
  replace(key: string, version: number, previousKeyId: string, encrypted: EncryptedValue): void;
}

export class MemoryKeyRotation implements KeyRotationStorage {
  private rotatingTo?: string;

  constructor(
    private readonly versions: EncryptedVersions,
    /** The other encrypted values a key wraps (wraps not yet taken): counted, never re-wrapped. */
    private readonly others: () => readonly EncryptedValue[],
    private readonly signingKeys: MemorySigningKeys,
    private readonly dynamic: MemoryDynamic,
  ) {}

  async wrappedBackendPasswords(): Promise<Array<{ key: string; encrypted: EncryptedValue }>> {
    return this.dynamic.sealedPasswords();
  }

  async replaceWrappedBackendPassword(key: string, previousKeyId: string, encrypted: EncryptedValue): Promise<void> {
    this.dynamic.replaceSealedPassword(key, previousKeyId, encrypted);
  }

  async wrappedSigningKeys(): Promise<Array<{ kid: string; encrypted: EncryptedValue }>> {
    return this.signingKeys.wrapped();
  }

  async replaceWrappedSigningKey(kid: string, previousKeyId: string, encrypted: EncryptedValue): Promise<void> {
    this.signingKeys.replaceWrapped(kid, previousKeyId, encrypted);
  }

  async countByKeyId(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const sealed = [
      ...this.versions.versions().map((v) => v.encrypted),
      ...this.others(),
      ...this.dynamic.sealedPasswords().map((p) => p.encrypted),
      ...this.dynamic.sealedLeases(),
    ];
    for (const encrypted of sealed) {
      counts.set(encrypted.keyId, (counts.get(encrypted.keyId) ?? 0) + 1);
    }
    return counts;
  }

  async notWrappedBy(keyId: string, after: { key: string; version: number } | undefined, limit: number): Promise<WrappedVersion[]> {
    const isAfter = (v: WrappedVersion) => !after || v.key > after.key || (v.key === after.key && v.version > after.version);
    return this.versions
      .versions()
      .filter((v) => v.encrypted.keyId !== keyId && isAfter(v))
      .sort((a, b) => (a.key === b.key ? a.version - b.version : a.key < b.key ? -1 : 1))
      .slice(0, limit);
  }

  async replaceWrapped(
    updates: ReadonlyArray<{ key: string; version: number; previousKeyId: string; encrypted: EncryptedValue }>,
  ): Promise<void> {
    for (const update of updates) this.versions.replace(update.key, update.version, update.previousKeyId, update.encrypted);
  }

  async unfinishedRotation(): Promise<string | undefined> {
    return this.rotatingTo;
  }

  async beginRotation(targetKeyId: string): Promise<void> {
    this.rotatingTo = targetKeyId;
  }

  async finishRotation(): Promise<void> {
    this.rotatingTo = undefined;
  }
}

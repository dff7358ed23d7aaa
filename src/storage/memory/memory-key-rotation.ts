/** Key rotation over the secrets held in memory. */
import type { SealedValue } from '../../crypto/envelope';
import type { KeyRotationStorage, WrappedVersion } from '../../keyring/key-rotation';

/** What rotation reaches into: every sealed secret version, by key and version. */
export interface SealedVersions {
  versions(): WrappedVersion[];
  /** Replaces a version's sealed value if it is still wrapped by `previousKeyId`. */
  replace(key: string, version: number, previousKeyId: string, sealed: SealedValue): void;
}

export class MemoryKeyRotation implements KeyRotationStorage {
  private rotatingTo?: string;

  constructor(
    private readonly sealed: SealedVersions,
    /** The other sealed values a key wraps (wraps not yet taken): counted, never re-wrapped. */
    private readonly others: () => readonly SealedValue[],
  ) {}

  async countByKeyId(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const sealed of [...this.sealed.versions().map((v) => v.sealed), ...this.others()]) {
      counts.set(sealed.keyId, (counts.get(sealed.keyId) ?? 0) + 1);
    }
    return counts;
  }

  async notWrappedBy(keyId: string, after: { key: string; version: number } | undefined, limit: number): Promise<WrappedVersion[]> {
    const isAfter = (v: WrappedVersion) => !after || v.key > after.key || (v.key === after.key && v.version > after.version);
    return this.sealed
      .versions()
      .filter((v) => v.sealed.keyId !== keyId && isAfter(v))
      .sort((a, b) => (a.key === b.key ? a.version - b.version : a.key < b.key ? -1 : 1))
      .slice(0, limit);
  }

  async replaceWrapped(
    updates: ReadonlyArray<{ key: string; version: number; previousKeyId: string; sealed: SealedValue }>,
  ): Promise<void> {
    for (const update of updates) this.sealed.replace(update.key, update.version, update.previousKeyId, update.sealed);
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

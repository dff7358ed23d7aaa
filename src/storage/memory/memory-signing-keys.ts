/** Token signing keys in memory, with the databases' rules for who supersedes whom. */
import type { EncryptedValue } from '../../crypto/envelope';
import { parseEncrypted, serializeEncrypted } from '../../tokens/keyring-signing-keys';
import type { SigningKeyRecord, SigningKeyStorage } from '../../tokens/signing-key-storage';
import type { IssuedToken } from '../../tokens/token-storage';

export class MemorySigningKeys implements SigningKeyStorage {
  private keys: SigningKeyRecord[] = [];

  /** `issued`: the tokens recorded beside these keys, for how many each key signed. */
  constructor(private readonly issued: () => Iterable<IssuedToken> = () => []) {}

  async liveTokensByKid(now: number): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const token of this.issued()) {
      if (token.kid !== undefined && token.expiresAt > now) counts.set(token.kid, (counts.get(token.kid) ?? 0) + 1);
    }
    return counts;
  }

  async allSigningKeys(): Promise<SigningKeyRecord[]> {
    return [...this.keys];
  }

  async addFirstSigningKey(record: SigningKeyRecord): Promise<boolean> {
    if (this.keys.length > 0) return false;
    this.keys.push(record);
    return true;
  }

  async addNextSigningKey(record: SigningKeyRecord, verifyUntil: number): Promise<void> {
    this.keys = this.keys.map((key) => {
      if (key.retiredAt !== undefined || (key.supersededAt !== undefined && key.supersededAt <= record.signFrom)) return key;
      return { ...key, supersededAt: record.signFrom, verifyUntil: Math.max(key.verifyUntil ?? 0, verifyUntil) };
    });
    this.keys.push(record);
  }

  async extendSigningKey(kid: string, until: number): Promise<void> {
    this.update(kid, (key) => ({ ...key, verifyUntil: Math.max(key.verifyUntil ?? 0, until) }));
  }

  async retireSigningKey(kid: string, at: number): Promise<void> {
    this.update(kid, (key) => ({ ...key, retiredAt: at, wrappedPrivateKey: undefined }));
  }

  async countRetireAttempt(kid: string): Promise<void> {
    this.update(kid, (key) => ({ ...key, retireAttempts: key.retireAttempts + 1 }));
  }

  /** The keyring provider's private halves, as key rotation re-wraps them. */
  wrapped(): Array<{ kid: string; encrypted: EncryptedValue }> {
    return this.keys.flatMap((key) =>
      key.wrappedPrivateKey === undefined ? [] : [{ kid: key.kid, encrypted: parseEncrypted(key.wrappedPrivateKey) }],
    );
  }

  replaceWrapped(kid: string, previousKeyId: string, encrypted: EncryptedValue): void {
    this.update(kid, (key) =>
      key.wrappedPrivateKey !== undefined && parseEncrypted(key.wrappedPrivateKey).keyId === previousKeyId
        ? { ...key, wrappedPrivateKey: serializeEncrypted(encrypted) }
        : key,
    );
  }

  private update(kid: string, change: (key: SigningKeyRecord) => SigningKeyRecord): void {
    this.keys = this.keys.map((key) => (key.kid === kid ? change(key) : key));
  }
}

/** What the token signing keys need of storage: the keys every replica signs and verifies with. */
import type { JsonWebKey } from 'node:crypto';

export type SigningKeyProvider = 'keyring' | 'pkcs11' | 'awskms';

export interface SigningKeyRecord {
  /** The RFC 7638 thumbprint of its public half: the `kid` its tokens carry. */
  readonly kid: string;
  readonly provider: SigningKeyProvider;
  readonly algorithm: 'ES256';
  /** Where the private half is: the KMS key's ARN, or the PKCS#11 key label. None for the keyring. */
  readonly reference?: string;
  readonly publicJwk: JsonWebKey;
  /** The keyring provider's private key (PKCS#8), encrypted under the keyring like a data key; gone once retired. */
  readonly wrappedPrivateKey?: string;
  readonly createdAt: number;
  /** Published from creation; signs from this time until a later key's sign_from. */
  readonly signFrom: number;
  /** When a later key took over signing. */
  readonly supersededAt?: number;
  /** Once superseded: past this, no token it signed is still live, and it leaves the key set. Before, the longest offline token's expiry. */
  readonly verifyUntil?: number;
  readonly retiredAt?: number;
  readonly retireAttempts: number;
}

export interface SigningKeyStorage {
  /** Every key, retired ones too, oldest first. */
  allSigningKeys(): Promise<SigningKeyRecord[]>;
  /** Adds the first key; false, adding nothing, when there is one already (another replica's first start came first). */
  addFirstSigningKey(record: SigningKeyRecord): Promise<boolean>;
  /**
   * Adds the next key. Every live key that would sign past its sign_from is
   * superseded then, and verifies until `verifyUntil` (or later, if it already had to).
   */
  addNextSigningKey(record: SigningKeyRecord, verifyUntil: number): Promise<void>;
  /** A token signed offline by `kid` lives until `until`: the key verifies at least that long. */
  extendSigningKey(kid: string, until: number): Promise<void>;
  /** The key's private half is gone (deleted, destroyed or dropped): it is retired. */
  retireSigningKey(kid: string, at: number): Promise<void>;
  /** Retiring failed; the next sweep tries again. */
  countRetireAttempt(kid: string): Promise<void>;
  /** How many tokens the service minted and recorded, unexpired at `now`, each key signed (by kid). */
  liveTokensByKid(now: number): Promise<Map<string, number>>;
}

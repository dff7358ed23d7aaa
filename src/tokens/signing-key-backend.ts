/**
 * Where a signing key's private half lives, as the set of signing keys
 * sees it: the keyring, an HSM (PKCS#11) or AWS KMS. Each makes keys,
 * signs with one named by its record, and retires one whose tokens have
 * all expired.
 */
import type { JsonWebKey } from 'node:crypto';
import type { SigningKeyProvider, SigningKeyRecord } from './signing-key-storage';
import type { TokenMinter } from './token-signer';

/** What a backend says about a key it made or found: the rest of its record is the key set's. */
export interface BackendKey {
  readonly kid: string;
  readonly reference?: string;
  readonly publicJwk: JsonWebKey;
  readonly wrappedPrivateKey?: string;
}

export interface SigningKeyBackend {
  readonly provider: SigningKeyProvider;
  /** The first key: the one the configuration names (HSM, KMS), or a new one (keyring). */
  firstKey(): Promise<BackendKey>;
  /** A new key for a rotation. */
  nextKey(): Promise<BackendKey>;
  /** What signs with `record`'s key; it may fail later with Unavailable when the HSM or KMS does. */
  minter(record: SigningKeyRecord): Promise<TokenMinter & { close?(): void }>;
  /** Deletes (KMS: schedules deletion of) or destroys the private half, or leaves it, as configured. */
  retire(record: SigningKeyRecord): Promise<void>;
}

/**
 * A seal encrypts the keyring's keys under a key that never leaves an HSM
 * or a cloud KMS. Only start-up and keyring changes call it; requests use
 * the keys it opened, held in memory.
 */
export type SealProvider = 'pkcs11' | 'awskms';

export const SEAL_PROVIDERS: readonly SealProvider[] = ['pkcs11', 'awskms'];

/** A keyring entry as the seal left it, and which seal key did it. */
export interface SealedEntry {
  readonly sealed: Buffer;
  /** The seal key, as the provider names it: a KMS key ARN, a PKCS#11 URI. */
  readonly by: string;
}

/** What a sealed entry belongs to: bound into the ciphertext, so an entry moved to another keyring or key fails to open. */
export interface SealContext {
  readonly keyringId: string;
  /** A key id, or `audit`. */
  readonly entry: string;
}

export interface Seal {
  readonly provider: SealProvider;
  /** The seal key new entries are sealed with, named as entries record it. */
  currentKey(): Promise<string>;
  seal(plaintext: Buffer, context: SealContext): Promise<SealedEntry>;
  unseal(entry: SealedEntry, context: SealContext): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * Why the seal could not be used. Transient failures (throttling, an HSM or
 * KMS out of reach) are worth retrying; the rest (a wrong PIN, a missing
 * key, an entry the key does not open) are not: retrying a wrong PIN can
 * lock the token.
 */
export class SealError extends Error {
  constructor(
    readonly provider: SealProvider,
    readonly sealKey: string,
    readonly reason: string,
    readonly transient: boolean,
  ) {
    super(`${provider} key ${sealKey}: ${reason}`);
    this.name = 'SealError';
  }
}

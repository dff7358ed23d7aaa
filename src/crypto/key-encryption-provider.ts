/**
 * Wraps and unwraps per-version data keys. The local keyring is the default;
 * a cloud KMS or Vault Transit can take its place behind this interface.
 */
export interface WrappedDataKey {
  /** Which key-encryption key wrapped it; stored beside the row. */
  readonly keyId: string;
  readonly wrapped: Buffer;
}

export interface KeyEncryptionProvider {
  /** Wraps under the active key; `context` is bound as associated data. */
  wrap(dataKey: Buffer, context: Buffer): Promise<WrappedDataKey>;
  /** Fails unless `context` is the one given to wrap. */
  unwrap(wrapped: WrappedDataKey, context: Buffer): Promise<Buffer>;
}

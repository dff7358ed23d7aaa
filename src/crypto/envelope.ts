/**
 * Envelope encryption: every version of a secret gets a fresh 256-bit data
 * key; the value is sealed under it, and the data key is wrapped by the
 * key-encryption provider. Both layers bind the secret's key and version (or
 * the wrap's id) as associated data, so a row copied to another key,
 * version or wrap fails to open.
 */
import { randomBytes } from 'node:crypto';
import { openAesGcm, sealAesGcm } from './aes-gcm';
import type { KeyEncryptionProvider } from './key-encryption-provider';

export interface SealedValue {
  readonly keyId: string;
  readonly wrappedKey: Buffer;
  readonly ciphertext: Buffer;
}

/** What a sealed value belongs to: a version of a secret, or a wrap. */
export type ValueBinding = { readonly key: string; readonly version: number } | { readonly wrapId: string };

function valueContext(binding: ValueBinding): Buffer {
  if ('wrapId' in binding) return Buffer.from(`scoped-secrets:wrap-value:v1:${binding.wrapId}`, 'utf8');
  return Buffer.from(`scoped-secrets:value:v1:${binding.key}:${binding.version}`, 'utf8');
}

function dataKeyContext(binding: ValueBinding): Buffer {
  if ('wrapId' in binding) return Buffer.from(`scoped-secrets:wrap-data-key:v1:${binding.wrapId}`, 'utf8');
  return Buffer.from(`scoped-secrets:data-key:v1:${binding.key}:${binding.version}`, 'utf8');
}

export class Envelope {
  constructor(private readonly provider: KeyEncryptionProvider) {}

  async seal(plaintext: Buffer, binding: ValueBinding): Promise<SealedValue> {
    const dataKey = randomBytes(32);
    try {
      const ciphertext = sealAesGcm(dataKey, plaintext, valueContext(binding));
      const { keyId, wrapped } = await this.provider.wrap(dataKey, dataKeyContext(binding));
      return { keyId, wrappedKey: wrapped, ciphertext };
    } finally {
      dataKey.fill(0);
    }
  }

  async open(sealed: SealedValue, binding: ValueBinding): Promise<Buffer> {
    const dataKey = await this.provider.unwrap({ keyId: sealed.keyId, wrapped: sealed.wrappedKey }, dataKeyContext(binding));
    try {
      return openAesGcm(dataKey, sealed.ciphertext, valueContext(binding));
    } finally {
      dataKey.fill(0);
    }
  }

  /** Re-wraps a data key under the provider's active key; the value itself is not re-encrypted. */
  async rewrap(sealed: SealedValue, binding: ValueBinding): Promise<SealedValue> {
    const context = dataKeyContext(binding);
    const dataKey = await this.provider.unwrap({ keyId: sealed.keyId, wrapped: sealed.wrappedKey }, context);
    try {
      const { keyId, wrapped } = await this.provider.wrap(dataKey, context);
      return { keyId, wrappedKey: wrapped, ciphertext: sealed.ciphertext };
    } finally {
      dataKey.fill(0);
    }
  }
}

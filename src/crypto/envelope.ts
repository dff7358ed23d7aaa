/**
 * Envelope encryption: every version of a secret gets a fresh 256-bit data
 * key; the value is encrypted under it, and the data key is wrapped by the
 * key-encryption provider. Both layers bind the secret's key and version (or
 * the wrap's id) as associated data, so a row copied to another key,
 * version or wrap fails to open.
 */
import { randomBytes } from 'node:crypto';
import { decryptAesGcm, encryptAesGcm } from './aes-gcm';
import type { KeyEncryptionProvider } from './key-encryption-provider';

export interface EncryptedValue {
  readonly keyId: string;
  readonly wrappedKey: Buffer;
  readonly ciphertext: Buffer;
}

/** What an encrypted value belongs to: a version of a secret, a wrap, a token signing key's private half, a dynamic backend's connection, or a lease. */
export type ValueBinding =
  | { readonly key: string; readonly version: number }
  | { readonly wrapId: string }
  | { readonly signingKid: string }
  | { readonly dynamicBackend: string }
  | { readonly leaseId: string };

function valueContext(binding: ValueBinding): Buffer {
  if ('signingKid' in binding) return Buffer.from(`scoped-secrets:signing-key:v1:${binding.signingKid}`, 'utf8');
  if ('wrapId' in binding) return Buffer.from(`scoped-secrets:wrap-value:v1:${binding.wrapId}`, 'utf8');
  if ('dynamicBackend' in binding) return Buffer.from(`scoped-secrets:dynamic-backend:v1:${binding.dynamicBackend}`, 'utf8');
  if ('leaseId' in binding) return Buffer.from(`scoped-secrets:lease:v1:${binding.leaseId}`, 'utf8');
  return Buffer.from(`scoped-secrets:value:v1:${binding.key}:${binding.version}`, 'utf8');
}

function dataKeyContext(binding: ValueBinding): Buffer {
  if ('signingKid' in binding) return Buffer.from(`scoped-secrets:signing-data-key:v1:${binding.signingKid}`, 'utf8');
  if ('wrapId' in binding) return Buffer.from(`scoped-secrets:wrap-data-key:v1:${binding.wrapId}`, 'utf8');
  if ('dynamicBackend' in binding) return Buffer.from(`scoped-secrets:dynamic-backend-data-key:v1:${binding.dynamicBackend}`, 'utf8');
  if ('leaseId' in binding) return Buffer.from(`scoped-secrets:lease-data-key:v1:${binding.leaseId}`, 'utf8');
  return Buffer.from(`scoped-secrets:data-key:v1:${binding.key}:${binding.version}`, 'utf8');
}

export class Envelope {
  constructor(private readonly provider: KeyEncryptionProvider) {}

  async encrypt(plaintext: Buffer, binding: ValueBinding): Promise<EncryptedValue> {
    const dataKey = randomBytes(32);
    try {
      const ciphertext = encryptAesGcm(dataKey, plaintext, valueContext(binding));
      const { keyId, wrapped } = await this.provider.wrap(dataKey, dataKeyContext(binding));
      return { keyId, wrappedKey: wrapped, ciphertext };
    } finally {
      dataKey.fill(0);
    }
  }

  async decrypt(encrypted: EncryptedValue, binding: ValueBinding): Promise<Buffer> {
    const dataKey = await this.provider.unwrap({ keyId: encrypted.keyId, wrapped: encrypted.wrappedKey }, dataKeyContext(binding));
    try {
      return decryptAesGcm(dataKey, encrypted.ciphertext, valueContext(binding));
    } finally {
      dataKey.fill(0);
    }
  }

  /** Re-wraps a data key under the provider's active key; the value itself is not re-encrypted. */
  async rewrap(encrypted: EncryptedValue, binding: ValueBinding): Promise<EncryptedValue> {
    const context = dataKeyContext(binding);
    const dataKey = await this.provider.unwrap({ keyId: encrypted.keyId, wrapped: encrypted.wrappedKey }, context);
    try {
      const { keyId, wrapped } = await this.provider.wrap(dataKey, context);
      return { keyId, wrappedKey: wrapped, ciphertext: encrypted.ciphertext };
    } finally {
      dataKey.fill(0);
    }
  }
}

/**
 * Signing keys kept with the keyring (SECRETS_SIGNER=keyring, the
 * default): an ES256 (P-256) key pair made here, its private half (PKCS#8)
 * encrypted under the keyring as a data key is, bound to its kid, and
 * stored in the database beside the public half. So it is sealed whenever
 * the keyring is, every replica reads the same keys, and no file of its
 * own ever holds it.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import type { Clock } from '../common/clock';
import { Envelope, type EncryptedValue } from '../crypto/envelope';
import type { KeyEncryptionProvider } from '../crypto/key-encryption-provider';
import type { BackendKey, SigningKeyBackend } from './signing-key-backend';
import type { SigningKeyRecord } from './signing-key-storage';
import { jwkThumbprint, publicJwk } from './signing-keys';
import { TokenSigner } from './token-signer';

export function serializeEncrypted(value: EncryptedValue): string {
  return JSON.stringify({
    keyId: value.keyId,
    wrappedKey: value.wrappedKey.toString('base64'),
    ciphertext: value.ciphertext.toString('base64'),
  });
}

export function parseEncrypted(text: string): EncryptedValue {
  const parsed = JSON.parse(text) as { keyId: string; wrappedKey: string; ciphertext: string };
  return {
    keyId: parsed.keyId,
    wrappedKey: Buffer.from(parsed.wrappedKey, 'base64'),
    ciphertext: Buffer.from(parsed.ciphertext, 'base64'),
  };
}

export class KeyringSigningKeys implements SigningKeyBackend {
  readonly provider = 'keyring' as const;
  private readonly envelope: Envelope;

  constructor(
    keyring: KeyEncryptionProvider,
    private readonly clock: Clock,
    private readonly claims: { issuer?: string; audience?: string },
  ) {
    this.envelope = new Envelope(keyring);
  }

  firstKey(): Promise<BackendKey> {
    return this.nextKey();
  }

  async nextKey(): Promise<BackendKey> {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kid = jwkThumbprint(privateKey);
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    try {
      const encrypted = await this.envelope.encrypt(der, { signingKid: kid });
      return { kid, publicJwk: publicJwk(privateKey), wrappedPrivateKey: serializeEncrypted(encrypted) };
    } finally {
      der.fill(0);
    }
  }

  async minter(record: SigningKeyRecord): Promise<TokenSigner> {
    if (record.wrappedPrivateKey === undefined) throw new Error(`the signing key ${record.kid} has no private key: it was retired`);
    const der = await this.envelope.decrypt(parseEncrypted(record.wrappedPrivateKey), { signingKid: record.kid });
    try {
      const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      return new TokenSigner({ algorithm: 'ES256', key, kid: record.kid }, this.clock, this.claims);
    } finally {
      der.fill(0);
    }
  }

  /** The store drops the encrypted private key with the retirement: nothing else holds it. */
  async retire(): Promise<void> {}
}

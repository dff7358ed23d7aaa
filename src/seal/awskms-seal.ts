/**
 * The AWS KMS seal: Encrypt and Decrypt under SECRETS_AWSKMS_KEY_ID (a key
 * id, an ARN or alias/<name>), with an encryption context naming the
 * keyring and the entry. Entries record the ARN of the key that sealed
 * them, so a moved alias shows up as entries to reseal. The SDK's own
 * retries are off: the caller retries, and logs each attempt.
 */
import { DecryptCommand, DescribeKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import type { AwsKmsSettings } from './seal-config';
import { SealError, type Seal, type SealContext, type SealedEntry } from './seal';

/** KMS errors that say "not now" rather than "no". */
const TRANSIENT_ERRORS = new Set([
  'ThrottlingException',
  'KMSInternalException',
  'DependencyTimeoutException',
  'TimeoutError',
  'RequestTimeout',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

interface AwsError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export function encryptionContext(context: SealContext): Record<string, string> {
  return { 'scoped-secrets:keyring': context.keyringId, 'scoped-secrets:entry': context.entry };
}

export class AwsKmsSeal implements Seal {
  readonly provider = 'awskms' as const;
  private readonly client: KMSClient;

  constructor(private readonly settings: AwsKmsSettings) {
    // The SDK warns, in eight lines, that its releases after January 2027 need Node 22; the locked
    // version runs on Node 20, and commands promise one line of output on failure.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new KMSClient({ maxAttempts: 1, requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 } });
  }

  async currentKey(): Promise<string> {
    const { keyId } = this.settings;
    const described = await this.call(keyId, () => this.client.send(new DescribeKeyCommand({ KeyId: keyId })));
    const metadata = described.KeyMetadata;
    if (!metadata?.Arn) throw new SealError('awskms', keyId, 'DescribeKey named no key', false);
    if (metadata.Enabled === false)
      throw new SealError('awskms', metadata.Arn, `the key is not enabled (${metadata.KeyState ?? 'disabled'})`, false);
    return metadata.Arn;
  }

  async seal(plaintext: Buffer, context: SealContext): Promise<SealedEntry> {
    const { keyId } = this.settings;
    const output = await this.call(keyId, () =>
      this.client.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: encryptionContext(context) })),
    );
    if (!output.CiphertextBlob || !output.KeyId) throw new SealError('awskms', keyId, 'Encrypt returned no ciphertext', false);
    return { sealed: Buffer.from(output.CiphertextBlob), by: output.KeyId };
  }

  async unseal(entry: SealedEntry, context: SealContext): Promise<Buffer> {
    const output = await this.call(entry.by, () =>
      this.client.send(
        new DecryptCommand({ KeyId: entry.by, CiphertextBlob: entry.sealed, EncryptionContext: encryptionContext(context) }),
      ),
    );
    if (!output.Plaintext) throw new SealError('awskms', entry.by, 'Decrypt returned no plaintext', false);
    return Buffer.from(output.Plaintext);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private async call<T>(sealKey: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw classify(sealKey, error as AwsError);
    }
  }
}

function classify(sealKey: string, error: AwsError): SealError {
  const status = error.$metadata?.httpStatusCode;
  const name = error.name ?? 'Error';
  // Only the error's name and KMS's own message: neither carries key material or credentials.
  const detail = error.message && error.message !== name ? `${name}: ${error.message}` : name;
  if (TRANSIENT_ERRORS.has(name) || (status !== undefined && status >= 500) || NETWORK_CODES.has(error.code ?? '')) {
    return new SealError(
      'awskms',
      sealKey,
      status !== undefined ? `${detail} (HTTP ${status})` : `KMS is out of reach (${error.code ?? detail})`,
      true,
    );
  }
  if (name === 'InvalidCiphertextException' || name === 'IncorrectKeyException') {
    return new SealError(
      'awskms',
      sealKey,
      `${name}: the key does not open the entry with this keyring's encryption context (sealed for another keyring, or altered)`,
      false,
    );
  }
  return new SealError('awskms', sealKey, detail, false);
}

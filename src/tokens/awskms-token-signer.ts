/**
 * Tokens signed in AWS KMS: an asymmetric ECC_NIST_P256 key with
 * SIGN_VERIFY usage (SECRETS_SIGNER=awskms, SECRETS_SIGNER_AWSKMS_KEY_ID a
 * key id, ARN or alias/<name>). The private key never leaves KMS: each
 * token is one `Sign` call (ECDSA_SHA_256 over the digest of the JWS
 * signing input). The public key is read once, with `GetPublicKey`, and
 * verifies tokens here and in the published key set. When KMS is out of
 * reach, minting answers 503; nothing falls back to a key on disk.
 */
import { createHash, createPublicKey } from 'node:crypto';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  GetPublicKeyCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
  SignCommand,
} from '@aws-sdk/client-kms';
import type { Clock } from '../common/clock';
import { ConfigError } from '../config-error';
import { Unavailable } from '../errors';
import { derToJose, SignatureFormatError } from './ecdsa-der';
import { jwkThumbprint, type VerificationKey } from './signing-keys';
import { es256SigningInput, tokenPayload, type SignedToken, type TokenMinter, type TokenRequest } from './token-signer';

const KEY_VARIABLE = 'SECRETS_SIGNER_AWSKMS_KEY_ID';

function kmsClient(): KMSClient {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new KMSClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000 } });
}

/**
 * Makes an ECC_NIST_P256 SIGN_VERIFY key and points `alias` (alias/<name>,
 * its prefix keeping deployments in one account apart) at it; its ARN.
 */
export async function createAwsKmsSigningKey(alias: string): Promise<string> {
  if (!alias.startsWith('alias/')) throw new ConfigError(KEY_VARIABLE, 'name the key to create as alias/<name>');
  const client = kmsClient();
  const failed = (error: unknown) =>
    error instanceof ConfigError
      ? error
      : new ConfigError(KEY_VARIABLE, `cannot create ${alias}: ${(error as Error).name}: ${(error as Error).message}`);
  let arn: string | undefined;
  try {
    const created = await client.send(
      new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: `scoped-secrets token signer ${alias}` }),
    );
    arn = created.KeyMetadata?.Arn;
    if (!arn) throw new ConfigError(KEY_VARIABLE, 'KMS created a key but named none');
  } catch (error) {
    throw failed(error);
  }
  try {
    await client.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: arn }));
    return arn;
  } catch (error) {
    // A key nobody can find by its alias is only a cost: schedule it for deletion, with KMS's shortest wait.
    await client.send(new ScheduleKeyDeletionCommand({ KeyId: arn, PendingWindowInDays: 7 })).catch(() => undefined);
    throw failed(error);
  }
}

export class AwsKmsTokenSigner implements TokenMinter {
  private constructor(
    private readonly client: KMSClient,
    /** The key's ARN, as KMS named it: an alias moved later does not move this signer. */
    readonly keyArn: string,
    readonly verification: VerificationKey,
    private readonly clock: Clock,
    private readonly claims: { issuer?: string; audience?: string },
  ) {}

  /** Reads the key's public half once, and checks that it can sign ES256 tokens. */
  static async open(keyId: string, clock: Clock, claims: { issuer?: string; audience?: string }): Promise<AwsKmsTokenSigner> {
    const client = kmsClient();
    let answer;
    try {
      answer = await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
    } catch (error) {
      throw new ConfigError(KEY_VARIABLE, `cannot read the public key of ${keyId}: ${(error as Error).name}: ${(error as Error).message}`);
    }
    if (answer.KeySpec !== 'ECC_NIST_P256' || answer.KeyUsage !== 'SIGN_VERIFY' || !answer.PublicKey || !answer.KeyId) {
      throw new ConfigError(KEY_VARIABLE, `${keyId} must be an ECC_NIST_P256 key with SIGN_VERIFY usage`);
    }
    const key = createPublicKey({ key: Buffer.from(answer.PublicKey), format: 'der', type: 'spki' });
    return new AwsKmsTokenSigner(client, answer.KeyId, { algorithm: 'ES256', key, kid: jwkThumbprint(key) }, clock, claims);
  }

  async sign(request: TokenRequest): Promise<SignedToken> {
    const { payload, jti, expiresAt } = tokenPayload(request, this.clock.now(), this.claims);
    const input = es256SigningInput(this.verification.kid, payload);
    let signature: Uint8Array | undefined;
    try {
      const answer = await this.client.send(
        new SignCommand({
          KeyId: this.keyArn,
          Message: createHash('sha256').update(input).digest(),
          MessageType: 'DIGEST',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      signature = answer.Signature;
    } catch (error) {
      throw new Unavailable(`AWS KMS did not sign the token (${(error as Error).name}); try again shortly`);
    }
    if (!signature) throw new Unavailable('AWS KMS answered without a signature; try again shortly');
    try {
      return { token: `${input}.${derToJose(signature).toString('base64url')}`, jti, expiresAt };
    } catch (error) {
      if (error instanceof SignatureFormatError)
        throw new Unavailable(`AWS KMS answered with a signature that is not ECDSA: ${error.message}`);
      throw error;
    }
  }
}

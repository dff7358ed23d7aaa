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
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import type { Clock } from '../common/clock';
import { ConfigError } from '../config-error';
import { Unavailable } from '../errors';
import { derToJose, SignatureFormatError } from './ecdsa-der';
import type { BackendKey, SigningKeyBackend } from './signing-key-backend';
import type { SigningKeyRecord } from './signing-key-storage';
import { jwkThumbprint, publicJwk, type VerificationKey } from './signing-keys';
import { es256SigningInput, tokenPayload, type SignedToken, type TokenMinter, type TokenRequest } from './token-signer';

const KEY_VARIABLE = 'SECRETS_SIGNER_AWSKMS_KEY_ID';

function kmsClient(): KMSClient {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new KMSClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000 } });
}

/** Makes an ECC_NIST_P256 SIGN_VERIFY key; its ARN. */
async function createSigningKey(client: KMSClient, alias: string): Promise<string> {
  const created = await client.send(
    new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: `scoped-secrets token signer ${alias}` }),
  );
  const arn = created.KeyMetadata?.Arn;
  if (!arn) throw new ConfigError(KEY_VARIABLE, 'KMS created a key but named none');
  return arn;
}

function failure(action: string, error: unknown): ConfigError {
  return error instanceof ConfigError
    ? error
    : new ConfigError(KEY_VARIABLE, `cannot ${action}: ${(error as Error).name}: ${(error as Error).message}`);
}

/**
 * Makes an ECC_NIST_P256 SIGN_VERIFY key and points `alias` (alias/<name>,
 * its prefix keeping deployments in one account apart) at it; its ARN.
 * With `move`, the alias exists already and moves to the new key (a rotation).
 */
export async function createAwsKmsSigningKey(alias: string, move = false): Promise<string> {
  if (!alias.startsWith('alias/')) throw new ConfigError(KEY_VARIABLE, 'name the key to create as alias/<name>');
  const client = kmsClient();
  let arn: string;
  try {
    arn = await createSigningKey(client, alias);
  } catch (error) {
    throw failure(`create ${alias}`, error);
  }
  try {
    await client.send(
      move
        ? new UpdateAliasCommand({ AliasName: alias, TargetKeyId: arn })
        : new CreateAliasCommand({ AliasName: alias, TargetKeyId: arn }),
    );
    return arn;
  } catch (error) {
    // A key nobody can find by its alias is only a cost: schedule it for deletion, with KMS's shortest wait.
    await client.send(new ScheduleKeyDeletionCommand({ KeyId: arn, PendingWindowInDays: 7 })).catch(() => undefined);
    throw failure(move ? `move ${alias} to the new key` : `create ${alias}`, error);
  }
}

/** The public half of `keyId` (a key id, ARN or alias), checked to be an ES256 signing key, with the key's ARN. */
async function readPublicKey(client: KMSClient, keyId: string): Promise<{ arn: string; key: ReturnType<typeof createPublicKey> }> {
  let answer;
  try {
    answer = await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
  } catch (error) {
    throw new ConfigError(KEY_VARIABLE, `cannot read the public key of ${keyId}: ${(error as Error).name}: ${(error as Error).message}`);
  }
  if (answer.KeySpec !== 'ECC_NIST_P256' || answer.KeyUsage !== 'SIGN_VERIFY' || !answer.PublicKey || !answer.KeyId) {
    throw new ConfigError(KEY_VARIABLE, `${keyId} must be an ECC_NIST_P256 key with SIGN_VERIFY usage`);
  }
  return { arn: answer.KeyId, key: createPublicKey({ key: Buffer.from(answer.PublicKey), format: 'der', type: 'spki' }) };
}

/** How long a retired key waits in KMS before it is gone: KMS's shortest window, the seed's choice too. */
const DELETION_WINDOW_DAYS = 7;

/**
 * Signing keys in AWS KMS (SECRETS_SIGNER=awskms). The first is the key
 * the alias names (made by `keys signer create`); a rotation makes another
 * and moves the alias to it. The database keeps each key's ARN and public
 * half, so that a start makes no KMS call at all.
 */
export class AwsKmsSigningKeys implements SigningKeyBackend {
  readonly provider = 'awskms' as const;
  private readonly client = kmsClient();

  constructor(
    private readonly alias: string,
    private readonly clock: Clock,
    private readonly claims: { issuer?: string; audience?: string },
  ) {}

  async firstKey(): Promise<BackendKey> {
    const { arn, key } = await readPublicKey(this.client, this.alias);
    return { kid: jwkThumbprint(key), reference: arn, publicJwk: publicJwk(key) };
  }

  async nextKey(): Promise<BackendKey> {
    const arn = await createAwsKmsSigningKey(this.alias, true);
    const { key } = await readPublicKey(this.client, arn);
    return { kid: jwkThumbprint(key), reference: arn, publicJwk: publicJwk(key) };
  }

  async minter(record: SigningKeyRecord): Promise<AwsKmsTokenSigner> {
    const key = createPublicKey({ key: record.publicJwk, format: 'jwk' });
    return AwsKmsTokenSigner.forKey(
      this.client,
      record.reference as string,
      { algorithm: 'ES256', key, kid: record.kid },
      this.clock,
      this.claims,
    );
  }

  /** Schedules the deletion; a key already pending deletion, or gone, is retired already. */
  async retire(record: SigningKeyRecord): Promise<void> {
    try {
      await this.client.send(new ScheduleKeyDeletionCommand({ KeyId: record.reference, PendingWindowInDays: DELETION_WINDOW_DAYS }));
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'NotFoundException' || name === 'KMSInvalidStateException') return;
      throw error;
    }
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

  /** A key whose public half is known already: no KMS call until the first signature. */
  static forKey(
    client: KMSClient,
    arn: string,
    verification: VerificationKey,
    clock: Clock,
    claims: { issuer?: string; audience?: string },
  ): AwsKmsTokenSigner {
    return new AwsKmsTokenSigner(client, arn, verification, clock, claims);
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

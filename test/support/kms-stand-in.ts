/**
 * A local stand-in for AWS KMS, speaking its JSON protocol (awsJson1_1:
 * `X-Amz-Target: TrentService.<Operation>`) for Encrypt, Decrypt and
 * DescribeKey, and for asymmetric signing keys CreateKey (ECC_NIST_P256,
 * SIGN_VERIFY), CreateAlias, UpdateAlias, GetPublicKey, Sign (ECDSA_SHA_256 over a
 * digest, answered in DER as KMS answers) and ScheduleKeyDeletion, with
 * keys, aliases, encryption contexts and injected faults
 * (ThrottlingException, HTTP 5xx, or no listener at all). The real AWS SDK
 * talks to it through AWS_ENDPOINT_URL_KMS. It is not AWS: it checks that a
 * SigV4 Authorization header is present, not that it is valid.
 */
import { createCipheriv, createDecipheriv, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signDigestP256 } from './ecdsa-p256-digest';

const REGION = 'us-east-1';
const ACCOUNT = '111122223333';

interface StandInKey {
  readonly id: string;
  readonly arn: string;
  readonly material: Buffer;
  /** For ECC_NIST_P256 SIGN_VERIFY keys: the key pair, whose private half no answer ever holds. */
  readonly signing?: { readonly privateKey: KeyObject; readonly publicKey: KeyObject };
  enabled: boolean;
  deletionScheduled?: boolean;
}

export interface KmsCall {
  readonly operation: string;
  readonly keyId?: string;
  readonly encryptionContext?: Record<string, string>;
}

type Fault = 'throttle' | '5xx';

class KmsFailure extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** The encryption context as bytes, independent of the order its pairs came in. */
function contextBytes(context: Record<string, string> | undefined): Buffer {
  const sorted = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(sorted), 'utf8');
}

export class KmsStandIn {
  readonly calls: KmsCall[] = [];
  /** Every plaintext Encrypt was given: the test's way to know the sealed keys, and look for them where they must not be. */
  readonly plaintexts: Buffer[] = [];
  private readonly keys = new Map<string, StandInKey>();
  private readonly aliases = new Map<string, string>();
  private readonly faults: Fault[] = [];
  private server?: http.Server;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<string> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this.url;
  }

  /** Stops listening: the SDK then meets a refused connection, as when KMS is out of reach. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async up(): Promise<void> {
    if (!this.server) await this.start();
  }

  close(): Promise<void> {
    return this.down();
  }

  createKey(): { id: string; arn: string } {
    const id = randomUUID();
    const key = { id, arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`, material: randomBytes(32), enabled: true };
    this.keys.set(id, key);
    return { id, arn: key.arn };
  }

  /** An asymmetric ECC_NIST_P256 key with SIGN_VERIFY usage. */
  createSigningKey(): { id: string; arn: string } {
    const id = randomUUID();
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.keys.set(id, { id, arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`, material: randomBytes(32), signing: pair, enabled: true });
    return { id, arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}` };
  }

  /** The public half of a signing key, as a test verifies with it. */
  publicKeyOf(keyId: string): KeyObject {
    const signing = this.resolve(keyId).signing;
    if (!signing) throw new Error(`${keyId} is not a signing key`);
    return signing.publicKey;
  }

  /** The private half of a signing key: the test's way to look for it where it must never be. */
  privateKeyOf(keyId: string): KeyObject {
    const signing = this.resolve(keyId).signing;
    if (!signing) throw new Error(`${keyId} is not a signing key`);
    return signing.privateKey;
  }

  isDeletionScheduled(keyId: string): boolean {
    return this.resolve(keyId).deletionScheduled === true;
  }

  /** Points `alias/<name>` at a key, creating or moving the alias. */
  setAlias(alias: string, keyId: string): void {
    this.aliases.set(alias, keyId);
  }

  disableKey(keyId: string): void {
    (this.keys.get(keyId) as StandInKey).enabled = false;
  }

  /** The next requests fail, one fault each, in order. */
  injectFaults(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  callsOf(operation: string): KmsCall[] {
    return this.calls.filter((call) => call.operation === operation);
  }

  private resolve(keyId: unknown): StandInKey {
    if (typeof keyId !== 'string') throw new KmsFailure('ValidationException', 'KeyId is required');
    const aliasName = keyId.startsWith('alias/') ? keyId : /^arn:aws:kms:[^:]+:\d+:(alias\/.+)$/.exec(keyId)?.[1];
    const id = aliasName !== undefined ? this.aliases.get(aliasName) : /^(?:arn:aws:kms:[^:]+:\d+:key\/)?([0-9a-f-]{36})$/.exec(keyId)?.[1];
    const key = id === undefined ? undefined : this.keys.get(id);
    if (!key) throw new KmsFailure('NotFoundException', `Key '${keyId}' does not exist`);
    return key;
  }

  private enabled(key: StandInKey): StandInKey {
    if (!key.enabled) throw new KmsFailure('DisabledException', `${key.arn} is disabled.`);
    return key;
  }

  private encrypt(body: { KeyId?: unknown; Plaintext?: unknown; EncryptionContext?: Record<string, string> }): object {
    const key = this.enabled(this.resolve(body.KeyId));
    const plaintext = Buffer.from(typeof body.Plaintext === 'string' ? body.Plaintext : '', 'base64');
    this.plaintexts.push(plaintext);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.material, iv);
    cipher.setAAD(contextBytes(body.EncryptionContext));
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    const blob = Buffer.concat([Buffer.from(key.id, 'ascii'), iv, sealed]);
    return { CiphertextBlob: blob.toString('base64'), KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  }

  private decrypt(body: { KeyId?: unknown; CiphertextBlob?: unknown; EncryptionContext?: Record<string, string> }): object {
    const blob = Buffer.from(typeof body.CiphertextBlob === 'string' ? body.CiphertextBlob : '', 'base64');
    const invalid = new KmsFailure('InvalidCiphertextException', '');
    const key = this.keys.get(blob.subarray(0, 36).toString('ascii'));
    if (!key || blob.length < 36 + 12 + 16) throw invalid;
    if (body.KeyId !== undefined && this.resolve(body.KeyId).id !== key.id) {
      throw new KmsFailure('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
    }
    this.enabled(key);
    const decipher = createDecipheriv('aes-256-gcm', key.material, blob.subarray(36, 48));
    decipher.setAAD(contextBytes(body.EncryptionContext));
    decipher.setAuthTag(blob.subarray(blob.length - 16));
    try {
      const plaintext = Buffer.concat([decipher.update(blob.subarray(48, blob.length - 16)), decipher.final()]);
      return { KeyId: key.arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    } catch {
      throw invalid;
    }
  }

  private describe(body: { KeyId?: unknown }): object {
    const key = this.resolve(body.KeyId);
    return {
      KeyMetadata: {
        AWSAccountId: ACCOUNT,
        KeyId: key.id,
        Arn: key.arn,
        Enabled: key.enabled,
        KeyState: key.enabled ? 'Enabled' : 'Disabled',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyManager: 'CUSTOMER',
        Origin: 'AWS_KMS',
        CreationDate: 1_700_000_000,
      },
    };
  }

  private signingKey(keyId: unknown): StandInKey & { signing: NonNullable<StandInKey['signing']> } {
    const key = this.enabled(this.resolve(keyId));
    if (!key.signing)
      throw new KmsFailure('InvalidKeyUsageException', `${key.arn} key usage is ENCRYPT_DECRYPT which is not valid for Sign.`);
    return key as StandInKey & { signing: NonNullable<StandInKey['signing']> };
  }

  private createKeyCall(body: { KeySpec?: unknown; KeyUsage?: unknown }): object {
    if (body.KeySpec !== 'ECC_NIST_P256' || body.KeyUsage !== 'SIGN_VERIFY') {
      throw new KmsFailure('ValidationException', 'the stand-in creates ECC_NIST_P256 SIGN_VERIFY keys only');
    }
    const { id, arn } = this.createSigningKey();
    return { KeyMetadata: { KeyId: id, Arn: arn, KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Enabled: true, KeyState: 'Enabled' } };
  }

  private createAlias(body: { AliasName?: unknown; TargetKeyId?: unknown }): object {
    if (typeof body.AliasName !== 'string' || !body.AliasName.startsWith('alias/'))
      throw new KmsFailure('ValidationException', 'AliasName');
    if (this.aliases.has(body.AliasName))
      throw new KmsFailure('AlreadyExistsException', `An alias with the name ${body.AliasName} already exists`);
    this.aliases.set(body.AliasName, this.resolve(body.TargetKeyId).id);
    return {};
  }

  private updateAlias(body: { AliasName?: unknown; TargetKeyId?: unknown }): object {
    if (typeof body.AliasName !== 'string' || !this.aliases.has(body.AliasName))
      throw new KmsFailure('NotFoundException', `Alias ${String(body.AliasName)} is not found.`);
    this.aliases.set(body.AliasName, this.resolve(body.TargetKeyId).id);
    return {};
  }

  private getPublicKey(body: { KeyId?: unknown }): object {
    const key = this.signingKey(body.KeyId);
    return {
      KeyId: key.arn,
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['ECDSA_SHA_256'],
      PublicKey: key.signing.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    };
  }

  private sign(body: { KeyId?: unknown; Message?: unknown; MessageType?: unknown; SigningAlgorithm?: unknown }): object {
    const key = this.signingKey(body.KeyId);
    if (body.SigningAlgorithm !== 'ECDSA_SHA_256')
      throw new KmsFailure('InvalidKeyUsageException', 'SigningAlgorithm must be ECDSA_SHA_256');
    const message = Buffer.from(typeof body.Message === 'string' ? body.Message : '', 'base64');
    if (body.MessageType !== 'DIGEST' || message.length !== 32) {
      throw new KmsFailure('ValidationException', 'the stand-in signs 32-byte SHA-256 digests (MessageType DIGEST) only');
    }
    return {
      KeyId: key.arn,
      Signature: signDigestP256(message, key.signing.privateKey).toString('base64'),
      SigningAlgorithm: 'ECDSA_SHA_256',
    };
  }

  private scheduleDeletion(body: { KeyId?: unknown; PendingWindowInDays?: unknown }): object {
    const key = this.resolve(body.KeyId);
    key.deletionScheduled = true;
    key.enabled = false;
    return { KeyId: key.arn, KeyState: 'PendingDeletion', PendingWindowInDays: body.PendingWindowInDays ?? 30 };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^TrentService\./, '');
    const reply = (status: number, payload: object) => {
      res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': randomUUID() });
      res.end(JSON.stringify(payload));
    };
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      this.calls.push({
        operation,
        keyId: body.KeyId as string | undefined,
        encryptionContext: body.EncryptionContext as Record<string, string> | undefined,
      });
      const fault = this.faults.shift();
      if (fault === 'throttle') throw new KmsFailure('ThrottlingException', 'Rate exceeded');
      if (fault === '5xx') throw new KmsFailure('KMSInternalException', 'We encountered an internal error. Please try again.', 500);
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 Credential=')) {
        throw new KmsFailure('MissingAuthenticationTokenException', 'Missing Authentication Token');
      }
      if (operation === 'Encrypt') return reply(200, this.encrypt(body));
      if (operation === 'Decrypt') return reply(200, this.decrypt(body));
      if (operation === 'DescribeKey') return reply(200, this.describe(body));
      if (operation === 'CreateKey') return reply(200, this.createKeyCall(body));
      if (operation === 'CreateAlias') return reply(200, this.createAlias(body));
      if (operation === 'UpdateAlias') return reply(200, this.updateAlias(body));
      if (operation === 'GetPublicKey') return reply(200, this.getPublicKey(body));
      if (operation === 'Sign') return reply(200, this.sign(body));
      if (operation === 'ScheduleKeyDeletion') return reply(200, this.scheduleDeletion(body));
      throw new KmsFailure('UnknownOperationException', `the stand-in does not do ${operation}`);
    } catch (error) {
      if (!(error instanceof KmsFailure)) throw error;
      reply(error.status, { __type: error.type, message: error.message });
    }
  }
}

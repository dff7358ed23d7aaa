/**
 * Tokens signed in an HSM through PKCS#11 (SECRETS_SIGNER=pkcs11): an EC
 * P-256 key pair on the token SECRETS_PKCS11_TOKEN_LABEL, found by
 * SECRETS_SIGNER_PKCS11_KEY_LABEL, its private key non-extractable and
 * sensitive (refused otherwise). Each token is one CKM_ECDSA signature of
 * the SHA-256 digest of its signing input, made inside the HSM; the public
 * key is read once and verifies tokens here and in the published key set.
 * When the HSM fails, minting answers 503; nothing falls back to a key on
 * disk.
 */
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import type { Clock } from '../common/clock';
import { ConfigError } from '../config-error';
import { Unavailable } from '../errors';
import { closePkcs11Session, cryptokiName, isTrue, openPkcs11Session, type Pkcs11Session, type Pkcs11Token } from '../seal/pkcs11-session';
import type { BackendKey, SigningKeyBackend } from './signing-key-backend';
import type { SigningKeyRecord } from './signing-key-storage';
import { jwkThumbprint, publicJwk, type VerificationKey } from './signing-keys';
import { es256SigningInput, tokenPayload, type SignedToken, type TokenMinter, type TokenRequest } from './token-signer';

const KEY_VARIABLE = 'SECRETS_SIGNER_PKCS11_KEY_LABEL';
/** The DER of the P-256 curve's OID, as CKA_EC_PARAMS holds it. */
const P256_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');
/** An SPKI for a P-256 public key is this prefix, then the 65-byte uncompressed point. */
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

export interface Pkcs11SignerSettings extends Pkcs11Token {
  readonly keyLabel: string;
  /** What becomes of a retired key's pair: destroyed on the token, or kept there. */
  readonly retired?: 'destroy' | 'keep';
}

function findObjects(session: Pkcs11Session, template: pkcs11js.Template): pkcs11js.Handle[] {
  session.module.C_FindObjectsInit(session.handle, template);
  try {
    return session.module.C_FindObjects(session.handle, 16);
  } finally {
    session.module.C_FindObjectsFinal(session.handle);
  }
}

function ecKeys(session: Pkcs11Session, objectClass: number, label: string): pkcs11js.Handle[] {
  return findObjects(session, [
    { type: pkcs11js.CKA_CLASS, value: objectClass },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC },
    { type: pkcs11js.CKA_LABEL, value: label },
  ]);
}

/** CKA_EC_POINT is the uncompressed point wrapped in a DER OCTET STRING (some modules give it bare). */
function publicKeyFromPoint(ecPoint: Buffer): ReturnType<typeof createPublicKey> {
  const point = ecPoint.length === 67 && ecPoint[0] === 0x04 && ecPoint[1] === 0x41 ? ecPoint.subarray(2) : ecPoint;
  if (point.length !== 65 || point[0] !== 0x04) throw new Error('the public key is not an uncompressed P-256 point');
  return createPublicKey({ key: Buffer.concat([P256_SPKI_PREFIX, point]), format: 'der', type: 'spki' });
}

/** Makes an EC P-256 key pair for signing on the token, its private key non-extractable and sensitive. */
export function createPkcs11SigningKey(settings: Pkcs11SignerSettings): void {
  const session = openPkcs11Session(settings, { readWrite: true }, (reason) => new ConfigError(KEY_VARIABLE, reason));
  try {
    if (ecKeys(session, pkcs11js.CKO_PRIVATE_KEY, settings.keyLabel).length > 0) {
      throw new ConfigError(KEY_VARIABLE, `the token already holds a key labelled ${settings.keyLabel}`);
    }
    const id = randomBytes(8);
    const common = [
      { type: pkcs11js.CKA_LABEL, value: settings.keyLabel },
      { type: pkcs11js.CKA_ID, value: id },
      { type: pkcs11js.CKA_TOKEN, value: true },
    ];
    session.module.C_GenerateKeyPair(
      session.handle,
      { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
      [...common, { type: pkcs11js.CKA_EC_PARAMS, value: P256_PARAMS }, { type: pkcs11js.CKA_VERIFY, value: true }],
      [
        ...common,
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_SIGN, value: true },
      ],
    );
  } finally {
    closePkcs11Session(session);
  }
}

export class Pkcs11TokenSigner implements TokenMinter {
  private session?: Pkcs11Session;
  private privateKey?: pkcs11js.Handle;
  /** One signature at a time: a PKCS#11 session runs one operation at once. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly settings: Pkcs11SignerSettings,
    readonly verification: VerificationKey,
    private readonly clock: Clock,
    private readonly claims: { issuer?: string; audience?: string },
  ) {}

  /** Finds the key pair, checks that its private half cannot leave the HSM, and reads its public half once. */
  static open(settings: Pkcs11SignerSettings, clock: Clock, claims: { issuer?: string; audience?: string }): Pkcs11TokenSigner {
    const fail = (reason: string) => new ConfigError(KEY_VARIABLE, reason);
    let session: Pkcs11Session;
    try {
      session = openPkcs11Session(settings, { readWrite: false }, fail);
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw fail(`the HSM refused (${cryptokiName(error) ?? (error as Error).message})`);
    }
    try {
      const [privateKey, ...more] = ecKeys(session, pkcs11js.CKO_PRIVATE_KEY, settings.keyLabel);
      if (privateKey === undefined) throw fail(`no EC private key labelled ${settings.keyLabel} on token ${settings.tokenLabel}`);
      if (more.length > 0)
        throw fail(`${more.length + 1} EC private keys are labelled ${settings.keyLabel}: give the signing key a label of its own`);
      const [extractable, sensitive] = session.module.C_GetAttributeValue(session.handle, privateKey, [
        { type: pkcs11js.CKA_EXTRACTABLE },
        { type: pkcs11js.CKA_SENSITIVE },
      ]);
      if (isTrue(extractable?.value) || !isTrue(sensitive?.value)) {
        throw fail(
          'the private key can be read out of the HSM (CKA_EXTRACTABLE or not CKA_SENSITIVE): sign with a non-extractable, sensitive key',
        );
      }
      const [publicObject] = ecKeys(session, pkcs11js.CKO_PUBLIC_KEY, settings.keyLabel);
      if (publicObject === undefined) throw fail(`no EC public key labelled ${settings.keyLabel} beside the private key`);
      const [point] = session.module.C_GetAttributeValue(session.handle, publicObject, [{ type: pkcs11js.CKA_EC_POINT }]);
      const key = publicKeyFromPoint(Buffer.from(point?.value ?? []));
      const signer = new Pkcs11TokenSigner(settings, { algorithm: 'ES256', key, kid: jwkThumbprint(key) }, clock, claims);
      signer.session = session;
      signer.privateKey = privateKey;
      return signer;
    } catch (error) {
      closePkcs11Session(session);
      if (error instanceof ConfigError) throw error;
      throw fail((error as Error).message);
    }
  }

  sign(request: TokenRequest): Promise<SignedToken> {
    const { payload, jti, expiresAt } = tokenPayload(request, this.clock.now(), this.claims);
    const input = es256SigningInput(this.verification.kid, payload);
    const digest = createHash('sha256').update(input).digest();
    const run = this.queue.then(async () => {
      const signature = await this.signDigest(digest);
      return { token: `${input}.${signature.toString('base64url')}`, jti, expiresAt };
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** CKM_ECDSA gives r‖s, as a JWS carries it; a failed signature drops the session, and the next opens another. */
  private async signDigest(digest: Buffer): Promise<Buffer> {
    try {
      const session = this.openSession();
      session.module.C_SignInit(session.handle, { mechanism: pkcs11js.CKM_ECDSA }, this.privateKey as pkcs11js.Handle);
      const signature = await session.module.C_SignAsync(session.handle, digest, Buffer.alloc(64));
      if (signature.length !== 64) throw new Error(`the HSM gave a signature of ${signature.length} bytes`);
      return signature;
    } catch (error) {
      this.close();
      throw new Unavailable(`the HSM did not sign the token (${cryptokiName(error) ?? (error as Error).message}); try again shortly`);
    }
  }

  private openSession(): Pkcs11Session {
    if (this.session) return this.session;
    const session = openPkcs11Session(this.settings, { readWrite: false }, (reason) => new Error(reason));
    const [privateKey] = ecKeys(session, pkcs11js.CKO_PRIVATE_KEY, this.settings.keyLabel);
    if (privateKey === undefined) {
      closePkcs11Session(session);
      throw new Error(`the signing key ${this.settings.keyLabel} is gone from the token`);
    }
    this.session = session;
    this.privateKey = privateKey;
    return session;
  }

  close(): void {
    if (this.session) closePkcs11Session(this.session);
    this.session = undefined;
  }
}

/**
 * Signing keys on a PKCS#11 token (SECRETS_SIGNER=pkcs11). The first is
 * the pair labelled SECRETS_SIGNER_PKCS11_KEY_LABEL (made by `keys signer
 * create`); a rotation makes another, labelled after it with a suffix of
 * its own. A retired pair is destroyed, or kept when
 * SECRETS_SIGNER_PKCS11_RETIRED=keep.
 */
export class Pkcs11SigningKeys implements SigningKeyBackend {
  readonly provider = 'pkcs11' as const;

  constructor(
    private readonly settings: Pkcs11SignerSettings,
    private readonly clock: Clock,
    private readonly claims: { issuer?: string; audience?: string },
  ) {}

  async firstKey(): Promise<BackendKey> {
    return this.describe(this.settings.keyLabel);
  }

  async nextKey(): Promise<BackendKey> {
    const label = `${this.settings.keyLabel}.${new Date(this.clock.now()).toISOString().replace(/[-:.]/g, '')}`;
    createPkcs11SigningKey({ ...this.settings, keyLabel: label });
    return this.describe(label);
  }

  async minter(record: SigningKeyRecord): Promise<Pkcs11TokenSigner> {
    const signer = Pkcs11TokenSigner.open({ ...this.settings, keyLabel: record.reference as string }, this.clock, this.claims);
    if (signer.verification.kid !== record.kid) {
      signer.close();
      throw new ConfigError(KEY_VARIABLE, `the key labelled ${record.reference} on the token is not the signing key ${record.kid}`);
    }
    return signer;
  }

  async retire(record: SigningKeyRecord): Promise<void> {
    if (this.settings.retired === 'keep' || record.reference === undefined) return;
    const session = openPkcs11Session(this.settings, { readWrite: true }, (reason) => new Error(reason));
    try {
      for (const objectClass of [pkcs11js.CKO_PRIVATE_KEY, pkcs11js.CKO_PUBLIC_KEY]) {
        for (const handle of ecKeys(session, objectClass, record.reference)) session.module.C_DestroyObject(session.handle, handle);
      }
    } finally {
      closePkcs11Session(session);
    }
  }

  private describe(label: string): BackendKey {
    const signer = Pkcs11TokenSigner.open({ ...this.settings, keyLabel: label }, this.clock, this.claims);
    try {
      return { kid: signer.verification.kid as string, reference: label, publicJwk: publicJwk(signer.verification.key) };
    } finally {
      signer.close();
    }
  }
}

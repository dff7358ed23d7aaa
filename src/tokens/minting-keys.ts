/**
 * The signing keys serving and the server-host commands use, with
 * SECRETS_SIGNER applied: the set of keys kept in the database, each with
 * its private half in the keyring, an HSM or AWS KMS, beside the keys the
 * configuration names. An install that signs with a configured key
 * (SECRETS_JWT_PRIVATE_KEY, or the HS256 secret) goes on signing with it
 * until its first key of the set is made; a new install gets its first
 * ES256 key on its first start.
 */
import type { Logger } from 'pino';
import type { Clock } from '../common/clock';
import type { Config } from '../config';
import type { KeyEncryptionProvider } from '../crypto/key-encryption-provider';
import { AwsKmsSigningKeys } from './awskms-token-signer';
import { KeyringSigningKeys } from './keyring-signing-keys';
import { Pkcs11SigningKeys } from './pkcs11-token-signer';
import type { SigningKeyBackend } from './signing-key-backend';
import { SigningKeySet } from './signing-key-set';
import type { SigningKeyRecord, SigningKeyStorage } from './signing-key-storage';
import type { VerificationKey } from './signing-keys';
import { derivationSigner, hasConfiguredSigningKey, verificationKeys } from './token-keys';

function signingKeyBackend(config: Config, clock: Clock, keyring: KeyEncryptionProvider): SigningKeyBackend {
  const claims = { issuer: config.jwtIssuer, audience: config.jwtAudience };
  const { signer } = config;
  if (signer.provider === 'awskms') return new AwsKmsSigningKeys(signer.keyId, clock, claims);
  if (signer.provider === 'pkcs11') return new Pkcs11SigningKeys(signer, clock, claims);
  return new KeyringSigningKeys(keyring, clock, claims);
}

/** A key the backend made or found, as the store keeps it. */
export function newRecord(
  key: Awaited<ReturnType<SigningKeyBackend['firstKey']>>,
  provider: SigningKeyRecord['provider'],
  now: number,
  signFrom: number,
): SigningKeyRecord {
  return { ...key, provider, algorithm: 'ES256', createdAt: now, signFrom, retireAttempts: 0 };
}

/**
 * Whether a first key may be made when there is none: always for an HSM
 * or KMS signer (its configured key), and for the keyring unless a
 * configured key signs (an install not moved yet).
 */
export function mayMakeFirstKey(config: Config): boolean {
  return config.signer.provider !== 'keyring' || !hasConfiguredSigningKey(config);
}

export interface OpenedSigningKeys {
  readonly keySet: SigningKeySet;
  /** Where the signer keeps keys: what a rotation makes the next one with. */
  readonly backend: SigningKeyBackend;
  /** True when this start made the set's first key: a first start, which writes a root token. */
  readonly createdFirst: boolean;
}

/**
 * Loads the set, making its first key when it has none and nothing else
 * signs: a first start (keyring), or the HSM or KMS key the configuration
 * names (read once; from then on its public half comes from the database).
 */
export async function openSigningKeys(deps: {
  config: Config;
  clock: Clock;
  store: SigningKeyStorage;
  keyring: KeyEncryptionProvider;
  /** Serving makes the first key; commands run beside it only read the keys. */
  makeFirstKey: boolean;
  logger?: Logger;
  onChange?: (keys: readonly VerificationKey[]) => void;
}): Promise<OpenedSigningKeys> {
  const { config, clock, store } = deps;
  const configuredKeys = verificationKeys(config);
  const backend = signingKeyBackend(config, clock, deps.keyring);
  let createdFirst = false;
  const noKeys = (await store.allSigningKeys()).length === 0;
  if (deps.makeFirstKey && noKeys && mayMakeFirstKey(config)) {
    const now = clock.now();
    createdFirst = await store.addFirstSigningKey(newRecord(await backend.firstKey(), backend.provider, now, now));
  }
  const keySet = new SigningKeySet({
    store,
    backend,
    clock,
    leewaySeconds: config.jwtLeewaySeconds,
    configuredKeys,
    fallback: derivationSigner(config, clock, configuredKeys),
    onChange: deps.onChange,
    logger: deps.logger,
  });
  await keySet.refresh();
  return { keySet, backend, createdFirst };
}

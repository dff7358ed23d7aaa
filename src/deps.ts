/**
 * The composition root: config → knex → stores → services, with plain
 * `new`. Every process (serve, a worker, a CLI command) builds what it
 * needs here and closes it again with `close()`.
 */
import fs from 'node:fs';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock } from './clock';
import type { Config } from './config';
import { ConfigError } from './config';
import { connectDatabase } from './db/connect';
import { isMigrated } from './db/migration-source';
import { Envelope } from './crypto/envelope';
import { LocalKeyring } from './crypto/local-keyring';
import { Metrics } from './metrics';
import { ContinuationTokens } from './secrets/continuation-token';
import { KnexSecretStore } from './secrets/knex-secret-store';
import { SecretService } from './secrets/secret-service';
import { Sweeper } from './secrets/sweeper';
import { hmacKey, KeyFileError, parsePrivateKey, parsePublicKeys, type SigningKey, type VerificationKey } from './tokens/signing-keys';
import { TokenSigner } from './tokens/token-signer';
import { TokenVerifier } from './tokens/token-verifier';

export interface StorageDeps {
  readonly knex: Knex;
  readonly store: KnexSecretStore;
  close(): Promise<void>;
}

export interface ServiceDeps extends StorageDeps {
  readonly keyring: LocalKeyring;
  readonly secrets: SecretService;
  readonly verifier: TokenVerifier;
  readonly sweeper: Sweeper;
  readonly metrics: Metrics;
  isReady(): Promise<boolean>;
}

export function createStorage(config: Config): StorageDeps {
  const knex = connectDatabase(config.db);
  return { knex, store: new KnexSecretStore(knex), close: () => knex.destroy() };
}

/** Verification keys from the configuration; at least one is required. */
export function verificationKeys(config: Config): VerificationKey[] {
  const keys: VerificationKey[] = [];
  if (config.jwtSecret !== undefined) keys.push(hmacKey(config.jwtSecret));
  if (config.jwtPublicKeysFile !== undefined) {
    try {
      keys.push(...parsePublicKeys(fs.readFileSync(config.jwtPublicKeysFile, 'utf8')));
    } catch (error) {
      const reason = error instanceof KeyFileError ? error.message : (error as Error).message;
      throw new ConfigError('SECRETS_JWT_PUBLIC_KEYS', `cannot use ${config.jwtPublicKeysFile}: ${reason}`);
    }
  }
  if (keys.length === 0) throw new ConfigError('SECRETS_JWT_SECRET', 'set it, or SECRETS_JWT_PUBLIC_KEYS, to verify tokens');
  return keys;
}

/** The key that signs tokens: SECRETS_JWT_PRIVATE_KEY (PEM text or a file) when set, else the HS256 secret. */
export function signingKey(config: Config): SigningKey {
  if (config.jwtPrivateKey !== undefined) {
    const pem = config.jwtPrivateKey.includes('-----BEGIN') ? config.jwtPrivateKey : readKeyFile(config.jwtPrivateKey);
    try {
      return parsePrivateKey(pem);
    } catch (error) {
      throw new ConfigError('SECRETS_JWT_PRIVATE_KEY', (error as Error).message);
    }
  }
  if (config.jwtSecret !== undefined) return hmacKey(config.jwtSecret);
  throw new ConfigError('SECRETS_JWT_PRIVATE_KEY', 'set it, or SECRETS_JWT_SECRET, to sign tokens');
}

function readKeyFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('SECRETS_JWT_PRIVATE_KEY', `cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
}

export function createSigner(config: Config, clock: Clock): TokenSigner {
  return new TokenSigner(signingKey(config), clock, { issuer: config.jwtIssuer, audience: config.jwtAudience });
}

async function listingHmacKey(knex: Knex): Promise<Buffer> {
  const row = await knex('service_meta').where({ name: 'listing_hmac_key' }).first('value');
  if (!row) throw new Error('the database is not migrated: run scoped-secrets migrate');
  return Buffer.from(row.value as string, 'base64');
}

/** Everything the HTTP service needs, on a migrated database. */
export async function createServices(config: Config, clock: Clock, logger: Logger): Promise<ServiceDeps> {
  const storage = createStorage(config);
  try {
    const keyring = new LocalKeyring(config.keyringFile);
    const metrics = new Metrics(() => storage.store.countLive(clock.now()));
    const secrets = new SecretService({
      store: storage.store,
      envelope: new Envelope(keyring),
      clock,
      continuation: new ContinuationTokens(await listingHmacKey(storage.knex)),
      historyVersions: config.historyVersions,
    });
    const verifier = new TokenVerifier({
      keys: verificationKeys(config),
      clock,
      leewaySeconds: config.jwtLeewaySeconds,
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
    });
    const sweeper = new Sweeper({
      store: storage.store,
      clock,
      logger: logger.child({ component: 'sweeper' }),
      onPurged: (keys) => metrics.secretsSwept.inc(keys.length),
    });
    return {
      ...storage,
      keyring,
      secrets,
      verifier,
      sweeper,
      metrics,
      isReady: () => isMigrated(storage.knex),
      close: async () => {
        await sweeper.stop();
        keyring.close();
        await storage.close();
      },
    };
  } catch (error) {
    await storage.close();
    throw error;
  }
}

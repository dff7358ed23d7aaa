/**
 * The composition root: config → knex → stores → services, with plain
 * `new`. Every process (serve, a worker, a CLI command) builds what it
 * needs here and closes it again with `close()`.
 */
import { createPublicKey } from 'node:crypto';
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
import { SqliteSecretReader } from './secrets/sqlite-secret-reader';
import { SecretService } from './secrets/secret-service';
import { Sweeper, type SweepJob } from './secrets/sweeper';
import { AuditChain } from './audit/audit-event';
import { AuditLog } from './audit/audit-log';
import { AuditHeadPublisher } from './audit/head-publisher';
import { KnexAuditStore } from './audit/knex-audit-store';
import { SqliteWriter } from './db/sqlite-writer';
import { RateLimiter } from './http/rate-limiter';
import { RequestAuditor } from './http/request-auditor';
import { KnexTokenStore } from './tokens/knex-token-store';
import { RevocationList } from './tokens/revocation-list';
import { TokenService } from './tokens/token-service';
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
  readonly tokens: TokenService;
  readonly verifier: TokenVerifier;
  readonly revocations: RevocationList;
  readonly audit: AuditLog;
  readonly auditStore: KnexAuditStore;
  readonly auditChain: AuditChain;
  readonly auditHeads: AuditHeadPublisher;
  readonly auditor: RequestAuditor;
  readonly continuation: ContinuationTokens;
  readonly sweeper: Sweeper;
  readonly metrics: Metrics;
  readonly subjectLimiter: RateLimiter;
  readonly addressLimiter: RateLimiter;
  readonly tokenLimiter: RateLimiter;
  isReady(): Promise<boolean>;
}

export function createStorage(config: Config): StorageDeps {
  const knex = connectDatabase(config.db);
  return { knex, store: new KnexSecretStore(knex), close: () => knex.destroy() };
}

/** The SQLite database file, when there is one that other connections can open too. */
function sqliteFile(config: Config): string | undefined {
  return config.db.client === 'sqlite' && config.db.filename !== ':memory:' ? config.db.filename : undefined;
}

/** Storage for serving: on SQLite, reads of single secrets take a prepared-statement path of their own. */
async function createServingStorage(config: Config): Promise<StorageDeps> {
  if (!sqliteFile(config)) return createStorage(config);
  const knex = connectDatabase(config.db, { walCheckpoints: false });
  // The reader needs the file and its tables: let knex open (and the caller migrate) it first.
  await knex.raw('select 1');
  const reader = new SqliteSecretReader(sqliteFile(config) as string);
  return {
    knex,
    store: new KnexSecretStore(knex, reader),
    close: async () => {
      reader.close();
      await knex.destroy();
    },
  };
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

export function createSigner(config: Config, clock: Clock, key: SigningKey = signingKey(config)): TokenSigner {
  return new TokenSigner(key, clock, { issuer: config.jwtIssuer, audience: config.jwtAudience });
}

async function listingHmacKey(knex: Knex): Promise<Buffer> {
  const row = await knex('service_meta').where({ name: 'listing_hmac_key' }).first('value');
  if (!row) throw new Error('the database is not migrated: run scoped-secrets migrate');
  return Buffer.from(row.value as string, 'base64');
}

/** The signer for derived tokens; its public half must be among the verification keys. */
function derivationSigner(config: Config, clock: Clock, keys: readonly VerificationKey[]): TokenSigner | undefined {
  if (config.jwtPrivateKey === undefined && config.jwtSecret === undefined) return undefined;
  const key = signingKey(config);
  if (config.jwtPrivateKey !== undefined) {
    const publicDer = createPublicKey(key.key).export({ format: 'der', type: 'spki' });
    const known = keys.some((verification) => verification.key.type === 'public' && verification.key.export({ format: 'der', type: 'spki' }).equals(publicDer));
    if (!known) throw new ConfigError('SECRETS_JWT_PRIVATE_KEY', 'its public half is not among SECRETS_JWT_PUBLIC_KEYS');
  }
  return createSigner(config, clock, key);
}

/** Everything the HTTP service needs, on a migrated database. */
export async function createServices(config: Config, clock: Clock, logger: Logger): Promise<ServiceDeps> {
  const storage = await createServingStorage(config);
  try {
    const { knex, store } = storage;
    const keyring = new LocalKeyring(config.keyringFile);
    const metrics = new Metrics(() => store.countLive(clock.now()));
    const continuation = new ContinuationTokens(await listingHmacKey(knex));
    const auditChain = new AuditChain(keyring.auditKey);
    const auditStore = new KnexAuditStore(knex, auditChain);
    await auditStore.sealKeyedBoundary();
    // On SQLite, background writes go through a thread of their own, off the event loop.
    const writer = sqliteFile(config) ? new SqliteWriter(sqliteFile(config) as string, keyring.auditKey) : undefined;
    const audit = new AuditLog(writer ?? auditStore);
    const tokenStore = new KnexTokenStore(knex);
    const revocations = new RevocationList({ store: tokenStore, clock, logger: logger.child({ component: 'revocations' }) });
    await revocations.refresh();
    const keys = verificationKeys(config);
    const verifier = new TokenVerifier({
      keys,
      clock,
      leewaySeconds: config.jwtLeewaySeconds,
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      isRevoked: (jti) => revocations.isRevoked(jti),
    });
    const secrets = new SecretService({
      store,
      envelope: new Envelope(keyring),
      clock,
      continuation,
      historyVersions: config.historyVersions,
    });
    const tokens = new TokenService({
      signer: derivationSigner(config, clock, keys),
      store: tokenStore,
      revocations,
      clock,
      maxTtlSeconds: config.maxTokenTtlSeconds,
    });
    const expiredSecrets: SweepJob = {
      name: 'secrets',
      async purgeBatch(now, limit) {
        if (writer) {
          // The writer thread deletes and audits each batch in one transaction.
          const purged = await writer.purgeExpired(now, limit);
          metrics.secretsSwept.inc(purged.length);
          return purged.length;
        }
        const keysPurged = await store.purgeExpiredBatch(now, limit);
        metrics.secretsSwept.inc(keysPurged.length);
        await Promise.all(
          keysPurged.map((key) =>
            audit.record({ time: now, subject: null, jti: null, action: 'secret.expired', key, outcome: 200, requestId: null, client: null }),
          ),
        );
        return keysPurged.length;
      },
    };
    const auditHeads = new AuditHeadPublisher({ store: auditStore, chain: auditChain, clock, logger: logger.child({ component: 'audit' }) });
    const sweeper = new Sweeper({
      jobs: [
        expiredSecrets,
        { name: 'revocations', purgeBatch: (now, limit) => tokenStore.purgeExpiredBatch(now, limit) },
        { name: 'audit events', purgeBatch: (now, limit) => auditStore.purgeOlderThan(now - config.auditRetentionMs, limit) },
      ],
      clock,
      logger: logger.child({ component: 'sweeper' }),
      // The SQLite writer thread would otherwise purge flat out and take a core from the requests.
      batchSize: writer ? 50 : 200,
      pauseMs: writer ? 5 : 0,
    });
    return {
      ...storage,
      keyring,
      secrets,
      tokens,
      verifier,
      revocations,
      audit,
      auditStore,
      auditChain,
      auditHeads,
      auditor: new RequestAuditor({ audit, clock, logger }),
      continuation,
      sweeper,
      metrics,
      subjectLimiter: new RateLimiter(config.rateLimitSubject, clock),
      addressLimiter: new RateLimiter(config.rateLimitAddress, clock),
      tokenLimiter: new RateLimiter(config.rateLimitTokens, clock),
      isReady: () => isMigrated(knex),
      close: async () => {
        await sweeper.stop();
        await revocations.stop();
        await audit.drain();
        await auditHeads.stop();
        await writer?.close();
        keyring.close();
        await storage.close();
      },
    };
  } catch (error) {
    await storage.close();
    throw error;
  }
}

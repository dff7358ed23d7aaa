/**
 * The composition root: config → keys → knex → stores → services, with
 * plain `new`. It holds no SQL and makes no decisions: each resource
 * registers how to close itself when it is opened, and everything opened
 * is closed in reverse, on shutdown or when start-up fails halfway.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { AuditChain } from './audit/audit-event';
import { AuditLog } from './audit/audit-log';
import { AuditHeadPublisher } from './audit/head-publisher';
import { KnexAuditStore } from './storage/knex/knex-audit-store';
import { auditRetentionJob } from './audit/retention';
import type { Clock } from './clock';
import type { Config } from './config';
import { Envelope } from './crypto/envelope';
import type { LocalKeyring } from './keyring/local-keyring';
import type { OpenedKeyring } from './keyring/open-keyring';
import { connectDatabase } from './storage/knex/connect';
import { isMigrated } from './storage/knex/migrations';
import { readMeta } from './storage/knex/service-meta';
import { RateLimiter } from './http/rate-limiter';
import { RequestAuditor } from './http/request-auditor';
import { Metrics } from './metrics';
import { ReadinessProbe, type Readiness } from './storage/readiness-probe';
import { Resources } from './resources';
import { ContinuationTokens } from './continuation-tokens';
import { expiredSecretsJob, purgeExpiredSecrets } from './secrets/expired-secrets';
import { KnexSecretStore } from './storage/knex/knex-secret-store';
import { SecretService } from './secrets/secret-service';
import { secretWrites } from './secrets/secret-writes';
import { postgresSecretWrites } from './storage/postgres/postgres-secret-writes';
import { SqliteSecretReader } from './storage/sqlite/sqlite-secret-reader';
import { Sweeper, SWEEP_PACING } from './sweeper/sweeper';
import { expiredRevocationsJob } from './tokens/expired-revocations';
import { KnexTokenStore } from './storage/knex/knex-token-store';
import { RevocationList } from './tokens/revocation-list';
import { tokenKeys } from './tokens/token-keys';
import { TokenService } from './tokens/token-service';
import { tokenWrites } from './tokens/token-writes';
import { expiredWrapsJob } from './wraps/expired-wraps';
import { KnexWrapStore } from './storage/knex/knex-wrap-store';
import { WrapService } from './wraps/wrap-service';
import { loadOidcIssuers } from './federation/load-oidc-issuers';
import { IdTokenVerifier } from './federation/id-token-verifier';
import { KnexTrustStore } from './storage/knex/knex-trust-store';
import { TrustRuleSet } from './federation/trust-rule-set';
import { TrustService } from './federation/trust-service';
import { trustWrites } from './federation/trust-writes';
import { wrapWrites } from './wraps/wrap-writes';
import { TokenVerifier } from './tokens/token-verifier';
import { SqliteWriteThread } from './storage/sqlite/write-thread';

export interface StorageDeps {
  readonly knex: Knex;
  readonly store: KnexSecretStore;
  close(): Promise<void>;
}

export interface ServiceDeps extends StorageDeps {
  readonly keyring: LocalKeyring;
  readonly secrets: SecretService;
  readonly tokens: TokenService;
  readonly wraps: WrapService;
  readonly trust: TrustService;
  /** The trust rules this replica matches exchanges against; `start` keeps them fresh. */
  readonly trustRules: TrustRuleSet;
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
  /** Whether this replica can serve, and if not why: known ahead of time, so that asking never waits. */
  readiness(): Readiness;
  /** False while writes cannot be made (the SQLite write thread is down): writes answer 503. */
  writesAvailable(): boolean;
  /** On SQLite, the thread that appends audit events and purges. */
  readonly writeThread?: SqliteWriteThread;
}

export function createStorage(config: Config): StorageDeps {
  const knex = connectDatabase(config.db);
  return { knex, store: new KnexSecretStore(knex), close: () => knex.destroy() };
}

/** The SQLite database file, when there is one that other connections can open too. */
function sqliteFile(config: Config): string | undefined {
  return config.db.client === 'sqlite' && config.db.filename !== ':memory:' ? config.db.filename : undefined;
}

/** Everything the HTTP service needs, on a migrated database, with the keyring opened (and owned from now on). */
export async function createServices(config: Config, clock: Clock, logger: Logger, opened: OpenedKeyring): Promise<ServiceDeps> {
  const resources = new Resources();
  const keyring = resources.add(opened, (k) => k.close()).keyring;
  try {
    const keys = tokenKeys(config, clock);
    const file = sqliteFile(config);
    // Serving leaves SQLite's WAL checkpoints to the write thread: on the event loop each is a stall.
    const knex = resources.add(connectDatabase(config.db, { walCheckpoints: file === undefined, boundedStatements: true }), (db) =>
      db.destroy(),
    );
    const reader = file ? resources.add(new SqliteSecretReader(file), (r) => r.close()) : undefined;
    const store = new KnexSecretStore(knex, reader);
    const metrics = new Metrics(() => store.countLive(clock.now()));
    const continuation = new ContinuationTokens(Buffer.from(await readMeta(knex, 'listing_hmac_key'), 'base64'));

    const auditChain = new AuditChain(keyring.auditKey);
    const auditStore = new KnexAuditStore(knex, auditChain);
    // On SQLite every write goes through one thread with a connection of its own; on PostgreSQL the stores write directly.
    const writer = file
      ? resources.add(new SqliteWriteThread({ filename: file, auditKey: keyring.auditKey }, logger.child({ component: 'writer' })), (w) =>
          w.close(),
        )
      : undefined;
    if (writer) await writer.start();
    else await auditStore.sealKeyedBoundary();
    const audit = resources.add(
      new AuditLog(writer ?? auditStore, (error) => logger.error({ err: error }, 'could not move staged audit events into the chain')),
      (log) => log.close(),
    );
    // Events a crash left staged go into the chain now.
    audit.kick();
    await audit.drain();
    const auditHeads = resources.add(
      new AuditHeadPublisher({ store: auditStore, chain: auditChain, clock, logger: logger.child({ component: 'audit' }) }),
      (p) => p.stop(),
    );

    const tokenStore = new KnexTokenStore(knex);
    const revocations = resources.add(
      new RevocationList({ store: tokenStore, clock, logger: logger.child({ component: 'revocations' }) }),
      (r) => r.stop(),
    );
    await revocations.refresh();
    const verifier = new TokenVerifier({
      keys: keys.verification,
      clock,
      leewaySeconds: config.jwtLeewaySeconds,
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      isRevoked: (jti) => revocations.isRevoked(jti),
    });
    const envelope = new Envelope(keyring);
    const secrets = new SecretService({
      store,
      writes: writer ?? postgresSecretWrites(knex, secretWrites({ store, audit: auditStore })),
      envelope,
      clock,
      continuation,
      historyVersions: config.historyVersions,
      audit,
    });
    const tokens = new TokenService({
      signer: keys.derivationSigner,
      store: tokenStore,
      writes: writer ?? tokenWrites({ store: tokenStore, audit: auditStore }),
      revocations,
      clock,
      maxTtlSeconds: config.maxTokenTtlSeconds,
      audit,
    });

    const wrapStore = new KnexWrapStore(knex);
    const wrapWriter = writer ?? wrapWrites({ store: wrapStore, audit: auditStore });
    const wraps = new WrapService({
      secrets,
      store: wrapStore,
      writes: wrapWriter,
      envelope,
      clock,
      maxTtlSeconds: config.maxWrapTtlSeconds,
      quota: config.wrapQuota,
      audit,
    });

    const issuers = loadOidcIssuers(config.oidcIssuersFile);
    const trustStore = new KnexTrustStore(knex);
    const trustRules = resources.add(new TrustRuleSet({ store: trustStore, logger: logger.child({ component: 'trust' }) }), (r) =>
      r.stop(),
    );
    await trustRules.refresh(true);
    const trust = new TrustService({
      store: trustStore,
      writes: writer ?? trustWrites({ store: trustStore, audit: auditStore }),
      rules: trustRules,
      verifier: new IdTokenVerifier(issuers, { leewaySeconds: config.jwtLeewaySeconds, clock }),
      issuerNames: issuers.map((issuer) => issuer.name),
      tokens,
      clock,
      maxTtlSeconds: config.maxTokenTtlSeconds,
      audit,
    });

    const purgeExpired = writer
      ? (now: number, limit: number) => writer.purgeExpired(now, limit)
      : purgeExpiredSecrets({ store, audit: auditStore });
    const sweeper = resources.add(
      new Sweeper({
        jobs: [
          expiredSecretsJob(purgeExpired, (purged) => {
            metrics.secretsSwept.inc(purged.length);
            // The purge staged its events; the SQLite write thread chains them in the purge's own commit instead.
            // Moving them also moves what a replica that died, and never came back, left staged.
            if (!writer) audit.kick();
          }),
          expiredRevocationsJob(writer ?? tokenStore),
          expiredWrapsJob(wrapWriter, (count) => {
            metrics.wraps.inc({ event: 'expired' }, count);
            audit.kick();
          }),
          auditRetentionJob(writer ?? auditStore, config.auditRetentionMs),
        ],
        clock,
        logger: logger.child({ component: 'sweeper' }),
        ...(file ? SWEEP_PACING.sqlite : SWEEP_PACING.pg),
      }),
      (s) => s.stop(),
    );

    const probe = resources.add(
      new ReadinessProbe({ migrated: () => isMigrated(knex), writerHealthy: () => writer?.healthy ?? true, sqliteFile: file }),
      (p) => p.stop(),
    );
    await probe.start();
    metrics.watchReadiness(() => probe.current());

    return {
      knex,
      store,
      keyring,
      secrets,
      tokens,
      wraps,
      trust,
      trustRules,
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
      readiness: () => probe.current(),
      writesAvailable: () => writer?.healthy ?? true,
      writeThread: writer,
      close: () => resources.closeAll(),
    };
  } catch (error) {
    await resources.closeAll();
    throw error;
  }
}

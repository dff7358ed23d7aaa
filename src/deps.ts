/**
 * The composition root: config → keys → storage → services, with plain
 * `new`. It holds no SQL and makes no decisions: each resource
 * registers how to close itself when it is opened, and everything opened
 * is closed in reverse, on shutdown or when start-up fails halfway.
 */
import type { Logger } from 'pino';
import { AuditChain } from './audit/audit-chain';
import { AuditLog } from './audit/audit-log';
import type { AuditStorage } from './audit/audit-storage';
import { AuditHeadPublisher } from './audit/head-publisher';
import { auditRetentionJob } from './audit/retention';
import type { Clock } from './common/clock';
import type { Config } from './config';
import { ContinuationTokens } from './secrets/continuation-tokens';
import { Envelope } from './crypto/envelope';
import { IdTokenVerifier } from './federation/id-token-verifier';
import { loadOidcIssuers } from './federation/load-oidc-issuers';
import { TrustRuleSet } from './federation/trust-rule-set';
import { TrustService } from './federation/trust-service';
import { RateLimiter } from './http/rate-limiter';
import { RequestAuditor } from './http/request-auditor';
import type { LocalKeyring } from './keyring/local-keyring';
import type { OpenedKeyring } from './keyring/open-keyring';
import { Metrics } from './http/metrics';
import { Resources } from './common/resources';
import { expiredSecretsJob } from './secrets/expired-secrets';
import { SecretService } from './secrets/secret-service';
import { openStorage } from './storage/open-storage';
import type { Readiness } from './storage/readiness-probe';
import type { Storage } from './storage/storage';
import { Sweeper } from './sweeper/sweeper';
import { expiredRevocationsJob } from './tokens/expired-revocations';
import { IssuedTokenListing } from './tokens/issued-token-listing';
import { RevocationList } from './tokens/revocation-list';
import type { VerificationKey } from './tokens/signing-keys';
import { openSigningKeys } from './tokens/minting-keys';
import type { SigningKeySet } from './tokens/signing-key-set';
import { signingKeysJob } from './tokens/retired-signing-keys';
import { TokenService } from './tokens/token-service';
import { TokenVerifier } from './tokens/token-verifier';
import { expiredWrapsJob } from './wraps/expired-wraps';
import { WrapService } from './wraps/wrap-service';
import { LeaseRevoker } from './dynamic/lease-revoker';
import { LeaseService } from './dynamic/lease-service';

export interface ServiceDeps {
  readonly clock: Clock;
  readonly storage: Storage;
  readonly keyring: LocalKeyring;
  readonly secrets: SecretService;
  readonly tokens: TokenService;
  readonly tokenListing: IssuedTokenListing;
  readonly wraps: WrapService;
  readonly trust: TrustService;
  readonly leases: LeaseService;
  /** Revokes due leases; `start` runs it where the sweeper runs, and every replica kicks it on a revocation. */
  readonly leaseRevoker: LeaseRevoker;
  /** The trust rules this replica matches exchanges against; `start` keeps them fresh. */
  readonly trustRules: TrustRuleSet;
  readonly verifier: TokenVerifier;
  /** What verifies tokens now, published at /.well-known/jwks.json (the public keys only). */
  readonly verificationKeys: () => readonly VerificationKey[];
  /** The keys that sign tokens, shared by every replica; `start` keeps them fresh. */
  readonly signingKeys: SigningKeySet;
  /** True when this start made the first signing key: a first start, which writes a root token. */
  readonly createdFirstSigningKey: boolean;
  /** SECRETS_JWT_ISSUER: the issuer tokens name, and the discovery document's. */
  readonly jwtIssuer?: string;
  /** SECRETS_JWKS_MAX_AGE: how long clients may cache the key set. */
  readonly jwksMaxAgeSeconds: number;
  readonly revocations: RevocationList;
  readonly audit: AuditLog;
  readonly auditStore: AuditStorage;
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
  close(): Promise<void>;
}

/**
 * Everything the HTTP service needs, on a migrated database, with the
 * keyring opened (and owned from now on). Only serving makes the first
 * signing key (`serving`): a first start is where the root token is
 * written, and a one-shot command must not take that from it.
 */
export async function createServices(
  config: Config,
  clock: Clock,
  logger: Logger,
  opened: OpenedKeyring,
  options: { serving: boolean } = { serving: true },
): Promise<ServiceDeps> {
  const resources = new Resources();
  const keyring = resources.add(opened, (k) => k.close()).keyring;
  try {
    const auditChain = new AuditChain(keyring.auditKey);
    const storage = resources.add(await openStorage(config.db, auditChain, keyring.auditKey, logger), (st) => st.close());
    const metrics = new Metrics(() => storage.secrets.countLive(clock.now()));
    metrics.watchReadiness(() => storage.readiness());
    const continuation = new ContinuationTokens(await storage.listingKey());
    const audit = resources.add(
      new AuditLog(storage.audit, (error) => logger.error({ err: error }, 'could not move staged audit events into the chain')),
      (log) => log.close(),
    );
    // Events a crash left staged go into the chain now.
    audit.kick();
    await audit.drain();
    const auditHeads = resources.add(
      new AuditHeadPublisher({ store: storage.audit, chain: auditChain, clock, logger: logger.child({ component: 'audit' }) }),
      (p) => p.stop(),
    );

    const revocations = resources.add(
      new RevocationList({ store: storage.tokens, clock, logger: logger.child({ component: 'revocations' }) }),
      (r) => r.stop(),
    );
    await revocations.refresh();
    const verifier = new TokenVerifier({
      keys: [],
      clock,
      leewaySeconds: config.jwtLeewaySeconds,
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      isRevoked: (jti) => revocations.isRevoked(jti),
    });
    // The verifier hears of every change to the signing keys (a rotation, a retirement) from the set.
    const { keySet, createdFirst } = await openSigningKeys({
      config,
      clock,
      store: storage.signingKeys,
      keyring,
      makeFirstKey: options.serving,
      logger: logger.child({ component: 'signing-keys' }),
      onChange: (keys) => verifier.replaceKeys(keys),
    });
    resources.add(keySet, (k) => k.stop());
    verifier.replaceKeys(keySet.verificationKeys());
    const envelope = new Envelope(keyring);
    const secrets = new SecretService({
      storage: storage.secrets,
      envelope,
      clock,
      continuation,
      historyVersions: config.historyVersions,
      audit,
    });
    // Leases need the backends the service reads (to revoke), and tokens need the revoker (to cascade): both made here.
    const opened: { leases?: LeaseService } = {};
    const leaseRevoker = resources.add(
      new LeaseRevoker({
        storage: storage.dynamic,
        envelope,
        clock,
        logger: logger.child({ component: 'leases' }),
        audit,
        backend: (key) => (opened.leases as LeaseService).open(key),
        revoked: (count, outcome) => metrics.leases.inc({ event: outcome }, count),
      }),
      (r) => r.stop(),
    );
    const leases = (opened.leases = new LeaseService({
      storage: storage.dynamic,
      envelope,
      clock,
      revoker: leaseRevoker,
      audit,
      maxTokenTtlSeconds: config.maxTokenTtlSeconds,
    }));
    const tokens = new TokenService({
      signer: keySet,
      storage: storage.tokens,
      revocations,
      clock,
      maxTtlSeconds: config.maxTokenTtlSeconds,
      audit,
      revoked: (jti, actor) => leaseRevoker.revokeForToken(jti, actor),
    });

    const wraps = new WrapService({
      secrets,
      storage: storage.wraps,
      envelope,
      clock,
      maxTtlSeconds: config.maxWrapTtlSeconds,
      quota: config.wrapQuota,
      audit,
    });

    const issuers = loadOidcIssuers(config.oidcIssuersFile);
    const trustRules = resources.add(new TrustRuleSet({ store: storage.trust, logger: logger.child({ component: 'trust' }) }), (r) =>
      r.stop(),
    );
    await trustRules.refresh(true);
    const trust = new TrustService({
      storage: storage.trust,
      rules: trustRules,
      verifier: new IdTokenVerifier(issuers, { leewaySeconds: config.jwtLeewaySeconds, clock }),
      issuers,
      tokens,
      clock,
      maxTtlSeconds: config.maxTokenTtlSeconds,
      audit,
    });

    const sweeper = resources.add(
      new Sweeper({
        jobs: [
          expiredSecretsJob(storage.secrets, (purged) => {
            metrics.secretsSwept.inc(purged.length);
            // Where the purge staged its events, this moves them into the chain, and with them what a
            // replica that died, and never came back, left staged.
            audit.kick();
          }),
          expiredRevocationsJob(storage.tokens),
          expiredWrapsJob(storage.wraps, (count) => {
            metrics.wraps.inc({ event: 'expired' }, count);
            audit.kick();
          }),
          auditRetentionJob(storage.audit, config.auditRetentionMs),
          signingKeysJob(keySet),
          leaseRevoker.job(),
        ],
        clock,
        logger: logger.child({ component: 'sweeper' }),
        ...storage.sweepPacing,
      }),
      (s) => s.stop(),
    );

    return {
      clock,
      storage,
      keyring,
      secrets,
      tokens,
      tokenListing: new IssuedTokenListing({ storage: storage.tokens, revocations, clock, continuation }),
      wraps,
      trust,
      leases,
      leaseRevoker,
      trustRules,
      verifier,
      verificationKeys: () => keySet.verificationKeys(),
      signingKeys: keySet,
      createdFirstSigningKey: createdFirst,
      jwtIssuer: config.jwtIssuer,
      jwksMaxAgeSeconds: config.jwksMaxAgeSeconds,
      revocations,
      audit,
      auditStore: storage.audit,
      auditChain,
      auditHeads,
      auditor: new RequestAuditor({ audit, clock, logger }),
      continuation,
      sweeper,
      metrics,
      subjectLimiter: new RateLimiter(config.rateLimitSubject, clock),
      addressLimiter: new RateLimiter(config.rateLimitAddress, clock),
      tokenLimiter: new RateLimiter(config.rateLimitTokens, clock),
      readiness: () => storage.readiness(),
      writesAvailable: () => storage.writesAvailable(),
      close: () => resources.closeAll(),
    };
  } catch (error) {
    await resources.closeAll();
    throw error;
  }
}

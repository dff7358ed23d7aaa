/**
 * The PostgreSQL backend: every replica reads and writes on its own pool,
 * and the database serialises them (row locks, SKIP LOCKED purges, the
 * audit head's lock). The hot statements are named, so that each
 * connection parses and plans them once.
 */
import type { AuditChain } from '../../audit/audit-chain';
import type { DatabaseConfig } from '../../config';
import type { SweepPacing } from '../../sweeper/sweeper';
import { Resources } from '../../common/resources';
import { connectDatabase } from '../knex/connect';
import { KnexTokenStorage } from '../knex/knex-token-storage';
import { KnexTrustStorage } from '../knex/knex-trust-storage';
import { KnexSigningKeyStorage } from '../knex/knex-signing-key-storage';
import { KnexWrapStorage } from '../knex/knex-wrap-storage';
import { KnexDynamicStorage } from '../knex/knex-dynamic-storage';
import { isMigrated } from '../knex/migrations';
import { readMeta } from '../knex/service-meta';
import { ReadinessProbe } from '../readiness-probe';
import type { Storage } from '../storage';
import { PostgresAuditStorage } from './postgres-audit-storage';
import { postgresDialect } from './postgres-dialect';
import { PostgresSecretStorage } from './postgres-secret-storage';

/** Purgers on several replicas skip each other's rows: big batches, back to back. */
const POSTGRES_SWEEP_PACING: SweepPacing = { batchSize: 200, pauseMs: 0 };

export async function openPostgresStorage(db: Extract<DatabaseConfig, { client: 'pg' }>, chain: AuditChain): Promise<Storage> {
  const resources = new Resources();
  try {
    const knex = resources.add(connectDatabase(db, { boundedStatements: true }), (k) => k.destroy());
    const audit = new PostgresAuditStorage(knex, chain);
    await audit.sealKeyedBoundary();
    const probe = resources.add(new ReadinessProbe({ migrated: () => isMigrated(knex), writerHealthy: () => true }), (p) => p.stop());
    await probe.start();
    return {
      secrets: new PostgresSecretStorage(knex),
      tokens: new KnexTokenStorage(knex),
      wraps: new KnexWrapStorage(knex, postgresDialect),
      trust: new KnexTrustStorage(knex, postgresDialect),
      signingKeys: new KnexSigningKeyStorage(knex),
      dynamic: new KnexDynamicStorage(knex, postgresDialect),
      audit,
      sweepPacing: POSTGRES_SWEEP_PACING,
      listingKey: async () => Buffer.from(await readMeta(knex, 'listing_hmac_key'), 'base64'),
      readiness: () => probe.current(),
      writesAvailable: () => true,
      close: () => resources.closeAll(),
    };
  } catch (error) {
    await resources.closeAll();
    throw error;
  }
}

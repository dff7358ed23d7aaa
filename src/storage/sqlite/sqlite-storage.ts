/**
 * The SQLite backend. Reads run on the event loop: lookups by key on a
 * connection of their own with statements prepared once
 * (sqlite-secret-reader.ts), everything else through knex. Every write
 * runs on the write thread (write-thread.ts), the one connection that
 * writes, so that no transaction and no fsync stalls the event loop.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AuditChain } from '../../audit/audit-chain';
import type { SweepPacing } from '../../sweeper/sweeper';
import { connectDatabase } from '../knex/connect';
import { KnexAuditTables } from '../knex/knex-audit-tables';
import { KnexTokenStorage } from '../knex/knex-token-storage';
import { KnexTrustStorage } from '../knex/knex-trust-storage';
import { KnexSigningKeyStorage } from '../knex/knex-signing-key-storage';
import { KnexWrapStorage } from '../knex/knex-wrap-storage';
import { KnexDynamicStorage } from '../knex/knex-dynamic-storage';
import { isMigrated } from '../knex/migrations';
import { readMeta } from '../knex/service-meta';
import { ReadinessProbe } from '../readiness-probe';
import { Resources } from '../../common/resources';
import type { Storage } from '../storage';
import { sqliteDialect } from './sqlite-dialect';
import { SqliteSecretReader } from './sqlite-secret-reader';
import { SqliteSecretStorage } from './sqlite-secret-storage';
import { SqliteWriteThread } from './write-thread';

/** A purge holds the database's one write lock: small batches, paced, never a whole core taken from the requests. */
const SQLITE_SWEEP_PACING: SweepPacing = { batchSize: 50, pauseMs: 5 };

export interface SqliteStorage extends Storage {
  /** The connection the event loop reads through: tests watch it to prove that it never writes. */
  readonly readConnection: Knex;
  /** The write thread, which tests stop to see writes refused. */
  readonly writeThread: SqliteWriteThread;
}

export async function openSqliteStorage(filename: string, chain: AuditChain, auditKey: Uint8Array, logger: Logger): Promise<SqliteStorage> {
  const resources = new Resources();
  try {
    // The event loop leaves WAL checkpoints to the write thread: on the event loop each is a stall.
    const knex = resources.add(connectDatabase({ client: 'sqlite', filename }, { walCheckpoints: false }), (db) => db.destroy());
    const reader = resources.add(new SqliteSecretReader(filename), (r) => r.close());
    const writer = resources.add(new SqliteWriteThread({ filename, auditKey }, logger.child({ component: 'writer' })), (w) => w.close());
    await writer.start();
    const probe = resources.add(
      new ReadinessProbe({ migrated: () => isMigrated(knex), writerHealthy: () => writer.healthy, sqliteFile: filename }),
      (p) => p.stop(),
    );
    await probe.start();

    const tokens = new KnexTokenStorage(knex);
    const wraps = new KnexWrapStorage(knex, sqliteDialect);
    const trust = new KnexTrustStorage(knex, sqliteDialect);
    const audit = new KnexAuditTables(knex, chain);
    return {
      secrets: new SqliteSecretStorage(knex, reader, writer),
      tokens: {
        findIssued: (jti) => tokens.findIssued(jti),
        listIssued: (range, after, now, limit) => tokens.listIssued(range, after, now, limit),
        revocationsInForce: (now, afterJti, limit) => tokens.revocationsInForce(now, afterJti, limit),
        revokedSince: (since) => tokens.revokedSince(since),
        recordIssued: (token, events) => writer.recordIssued(token, events),
        revoke: (revocation, events) => writer.revoke(revocation, events),
        purgeExpired: (now, limit) => writer.purgeExpiredRevocations(now, limit),
      },
      wraps: {
        find: (tokenHash, now) => wraps.find(tokenHash, now),
        createWrap: (wrap, events, quota) => writer.createWrap(wrap, events, quota),
        takeWrap: (tokenHash, now, actor) => writer.takeWrap(tokenHash, now, actor),
        purgeExpiredWraps: (now, limit) => writer.purgeExpiredWraps(now, limit),
      },
      trust: {
        all: () => trust.all(),
        find: (name) => trust.find(name),
        version: () => trust.version(),
        putRule: (rule, now, event) => writer.putRule(rule, now, event),
        deleteRule: (name, event) => writer.deleteRule(name, event),
      },
      // Rare writes (a first start, a rotation, a retirement): on the read connection, not the write thread.
      signingKeys: new KnexSigningKeyStorage(knex),
      // Each write waits on a database or broker's round trip anyway: on the read connection, not the write thread.
      dynamic: new KnexDynamicStorage(knex, sqliteDialect),
      audit: {
        query: (query) => audit.query(query),
        range: (afterSeq, limit) => audit.range(afterSeq, limit),
        endpoints: () => audit.endpoints(),
        append: (events, moveStaged) => writer.append(events, moveStaged),
        purgeOlderThan: (cutoff, limit) => writer.purgeOlderThan(cutoff, limit),
      },
      sweepPacing: SQLITE_SWEEP_PACING,
      listingKey: async () => Buffer.from(await readMeta(knex, 'listing_hmac_key'), 'base64'),
      readiness: () => probe.current(),
      writesAvailable: () => writer.healthy,
      readConnection: knex,
      writeThread: writer,
      close: () => resources.closeAll(),
    };
  } catch (error) {
    await resources.closeAll();
    throw error;
  }
}

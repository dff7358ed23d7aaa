/**
 * Purging expired secrets: each batch deletes the secrets (their versions
 * go with them) and stages one `secret.expired` event per key in the same
 * transaction, so a purge and its events commit together.
 */
import type { AuditEventInput } from '../audit/audit-event';
import type { AuditStore } from '../audit/audit-store-type';
import type { SweepJob } from '../sweeper/sweeper';
import type { SecretStore } from './secret-store-type';

export type PurgeExpired = (now: number, limit: number) => Promise<string[]>;

/** The event of a secret purged at `now`: by the service, so no subject. */
export function expiredEvent(now: number, key: string): AuditEventInput {
  return { time: now, subject: null, jti: null, action: 'secret.expired', key, outcome: 200, requestId: null, client: null };
}

export function purgeExpiredSecrets(deps: {
  store: Pick<SecretStore, 'inTransaction' | 'purgeExpiredBatch'>;
  audit: Pick<AuditStore, 'stage'>;
}): PurgeExpired {
  const { store, audit } = deps;
  return (now, limit) =>
    store.inTransaction(async (trx) => {
      const keys = await store.purgeExpiredBatch(now, limit, trx);
      await audit.stage(
        keys.map((key) => expiredEvent(now, key)),
        trx,
      );
      return keys;
    });
}

/** The sweep job; `purged` hears of each batch (metrics, and the audit log, which moves the events into the chain). */
export function expiredSecretsJob(purge: PurgeExpired, purged: (keys: readonly string[]) => void): SweepJob {
  return {
    name: 'secrets',
    async purgeBatch(now, limit) {
      const keys = await purge(now, limit);
      purged(keys);
      return keys.length;
    },
  };
}

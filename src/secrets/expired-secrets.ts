/** The sweep job of the secrets feature: expired secrets, each purged with its `secret.expired` event. */
import type { SweepJob } from '../sweeper/sweeper';
import type { SecretStorage } from './secret-storage';

/** `purged` hears of each batch (metrics, and the audit log, which moves events a backend staged into the chain). */
export function expiredSecretsJob(storage: Pick<SecretStorage, 'purgeExpired'>, purged: (keys: readonly string[]) => void): SweepJob {
  return {
    name: 'secrets',
    async purgeBatch(now, limit) {
      const keys = await storage.purgeExpired(now, limit);
      purged(keys);
      return keys.length;
    },
  };
}

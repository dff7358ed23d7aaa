/** The sweep job for wraps nobody unwrapped in time: each purged with its `wrap.expired` event. */
import type { SweepJob } from '../sweeper/sweeper';
import type { WrapWrites } from './wrap-storage';

export function expiredWrapsJob(writes: Pick<WrapWrites, 'purgeExpiredWraps'>, purged: (count: number) => void): SweepJob {
  return {
    name: 'wraps',
    async purgeBatch(now, limit) {
      const count = await writes.purgeExpiredWraps(now, limit);
      purged(count);
      return count;
    },
  };
}

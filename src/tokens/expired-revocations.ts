/** The sweep job of the tokens feature: revocations and issued-token records whose token can no longer be used. */
import type { SweepJob } from '../sweeper/sweeper';
import type { TokenStore } from './token-store-type';

export function expiredRevocationsJob(store: Pick<TokenStore, 'purgeExpiredBatch'>): SweepJob {
  return { name: 'revocations', purgeBatch: (now, limit) => store.purgeExpiredBatch(now, limit) };
}

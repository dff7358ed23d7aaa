/** The sweep job of the tokens feature: revocations and issued-token records whose token can no longer be used. */
import type { SweepJob } from '../sweeper/sweeper';
import type { TokenStorage } from './token-storage';

export function expiredRevocationsJob(store: Pick<TokenStorage, 'purgeExpired'>): SweepJob {
  return { name: 'revocations', purgeBatch: (now, limit) => store.purgeExpired(now, limit) };
}

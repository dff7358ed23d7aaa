/** The sweep job of the signing keys: a superseded key whose last token has expired is retired. */
import type { SweepJob } from '../sweeper/sweeper';
import type { SigningKeySet } from './signing-key-set';

export function signingKeysJob(keySet: Pick<SigningKeySet, 'retireExpired'>): SweepJob {
  // A handful of keys at most: `limit` does not apply.
  return { name: 'signing keys', purgeBatch: (now) => keySet.retireExpired(now) };
}

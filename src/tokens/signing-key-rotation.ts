/**
 * A rotation of the signing keys: the next key is made where the signer
 * keeps keys and published at once; it signs only once every JWKS cache
 * and every replica has had time to see it, and the keys it replaces
 * verify until the last token they may have signed has expired.
 */
import type { Clock } from '../common/clock';
import type { Config } from '../config';
import { newRecord } from './minting-keys';
import type { SigningKeyBackend } from './signing-key-backend';
import { SIGNING_KEYS_REFRESH_MS, stateOf, type SigningKeySet } from './signing-key-set';
import type { SigningKeyStorage } from './signing-key-storage';

export interface Rotation {
  readonly kid: string;
  readonly provider: string;
  readonly signFrom: number;
  /** The keys that gave way: each verifies until its last token expires. */
  readonly superseded: ReadonlyArray<{ kid: string; verifyUntil: number }>;
}

/** Every replica reloads the keys at this interval: a new key signs no sooner than two of them after it is written. */
const REPLICAS_SEE_IT_MS = 2 * SIGNING_KEYS_REFRESH_MS;

export async function rotateSigningKey(deps: {
  config: Config;
  keySet: SigningKeySet;
  backend: SigningKeyBackend;
  store: SigningKeyStorage;
  clock: Clock;
  /** Sign with the new key at once, whatever the verifiers cached. */
  now: boolean;
}): Promise<Rotation> {
  const { config, backend, store, clock } = deps;
  const key = await backend.nextKey();
  const now = clock.now();
  const signFrom = deps.now ? now : now + Math.max(config.jwksMaxAgeSeconds * 1000, REPLICAS_SEE_IT_MS);
  // A replica may sign with the old key until it reloads, and a derived token lives up to SECRETS_MAX_TOKEN_TTL.
  const verifyUntil = signFrom + REPLICAS_SEE_IT_MS + config.maxTokenTtlSeconds * 1000;
  const leewayMs = config.jwtLeewaySeconds * 1000;
  const giving = deps.keySet
    .all()
    .filter((record) => ['published', 'active'].includes(stateOf(record, now, leewayMs)) && (record.supersededAt ?? Infinity) > signFrom);
  await store.addNextSigningKey(newRecord(key, backend.provider, now, signFrom), verifyUntil);
  return {
    kid: key.kid,
    provider: backend.provider,
    signFrom,
    superseded: giving.map((record) => ({ kid: record.kid, verifyUntil: Math.max(record.verifyUntil ?? 0, verifyUntil) })),
  };
}

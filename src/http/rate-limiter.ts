/**
 * Token buckets per subject and per client address. Each bucket refills at
 * `perSecond` up to `burst`; a request takes one token or is refused with
 * the seconds until one is back. Memory is bounded: past `maxBuckets` the
 * least recently used bucket is forgotten (a full bucket, at worst).
 */
import type { Clock } from '../common/clock';
import type { RateLimitConfig } from '../config';
import { TooManyRequests } from '../errors';
import { LruMap } from '../common/lru-map';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets: LruMap<string, Bucket>;

  constructor(
    private readonly limit: RateLimitConfig,
    private readonly clock: Clock,
    maxBuckets = 10_000,
  ) {
    this.buckets = new LruMap({ maxEntries: maxBuckets });
  }

  /** 0 when `id` may proceed, else the whole seconds to wait. */
  take(id: string): number {
    if (this.limit === 'off') return 0;
    const { perSecond, burst } = this.limit;
    const now = this.clock.now();
    const bucket = this.buckets.get(id);
    let tokens = burst;
    if (bucket) tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * perSecond);
    const allowed = tokens >= 1;
    this.buckets.set(id, { tokens: allowed ? tokens - 1 : tokens, updatedAt: now });
    return allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / perSecond));
  }

  get size(): number {
    return this.buckets.size;
  }
}

/** Takes one request from `id`'s bucket, or refuses it with 429 and the seconds to wait. */
export function takeOrRefuse(limiter: Pick<RateLimiter, 'take'>, id: string): void {
  const wait = limiter.take(id);
  if (wait > 0) throw new TooManyRequests(wait);
}

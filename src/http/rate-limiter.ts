/**
 * Token buckets per subject and per client address. Each bucket refills at
 * `perSecond` up to `burst`; a request takes one token or is refused with
 * the seconds until one is back. Memory is bounded: past `maxBuckets` the
 * least recently used bucket is forgotten (a full bucket, at worst).
 */
import type { Clock } from '../clock';
import type { RateLimitConfig } from '../config';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimitConfig,
    private readonly clock: Clock,
    private readonly maxBuckets = 10_000,
  ) {}

  /** 0 when `id` may proceed, else the whole seconds to wait. */
  take(id: string): number {
    if (this.limit === 'off') return 0;
    const { perSecond, burst } = this.limit;
    const now = this.clock.now();
    const bucket = this.buckets.get(id);
    let tokens = burst;
    if (bucket) {
      tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * perSecond);
      this.buckets.delete(id);
    } else if (this.buckets.size >= this.maxBuckets) {
      this.buckets.delete(this.buckets.keys().next().value as string);
    }
    const allowed = tokens >= 1;
    this.buckets.set(id, { tokens: allowed ? tokens - 1 : tokens, updatedAt: now });
    return allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / perSecond));
  }

  get size(): number {
    return this.buckets.size;
  }
}

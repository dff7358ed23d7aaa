/**
 * A map that forgets its least recently used entries once it holds more
 * than `maxEntries` of them or more than `maxWeight` in total, so that no
 * caller can make it grow without bound. A Map iterates in insertion
 * order: re-inserting on use keeps the oldest first.
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, { value: V; weight: number }>();
  private totalWeight = 0;

  constructor(
    private readonly limits: { maxEntries: number; maxWeight?: number },
    private readonly weigh: (value: V) => number = () => 1,
  ) {}

  /** The value, now counted as the most recently used. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V): void {
    this.delete(key);
    const weight = this.weigh(value);
    this.entries.set(key, { value, weight });
    this.totalWeight += weight;
    const maxWeight = this.limits.maxWeight ?? Infinity;
    while (this.entries.size > this.limits.maxEntries || (this.totalWeight > maxWeight && this.entries.size > 1)) {
      this.delete(this.entries.keys().next().value as K);
    }
  }

  delete(key: K): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.totalWeight -= entry.weight;
  }

  clear(): void {
    this.entries.clear();
    this.totalWeight = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get weight(): number {
    return this.totalWeight;
  }
}

/**
 * Lookups by key that arrive in the same turn of the event loop go to the
 * database as one query. On PostgreSQL each query is a round trip and a
 * socket write on both ends, which cost more than the lookup itself; on
 * SQLite a read that starts a read transaction, on a page cache that the
 * last commit emptied, costs several times the lookups that follow it in
 * the same statement. 32 concurrent GETs then cost a handful of queries.
 */
interface Waiting<T> {
  resolve(row: T | undefined): void;
  reject(error: unknown): void;
}

export class BatchedLookups<T> {
  private waiting = new Map<string, Array<Waiting<T>>>();
  private scheduled = false;

  constructor(
    /** The rows for these distinct keys, in any order; a key without a row is absent. */
    private readonly lookUp: (keys: string[]) => Promise<T[]>,
    private readonly keyOf: (row: T) => string,
    /** At most this many keys per query: a bounded statement, whatever the load. */
    private readonly maxKeys = 100,
  ) {}

  get(key: string): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      const forKey = this.waiting.get(key);
      if (forKey) forKey.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        // After the I/O callbacks of this turn: every request that reached here in it joins.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = [...this.waiting];
    this.waiting = new Map();
    for (let i = 0; i < all.length; i += this.maxKeys) void this.run(new Map(all.slice(i, i + this.maxKeys)));
  }

  private async run(batch: Map<string, Array<Waiting<T>>>): Promise<void> {
    try {
      const found = new Map((await this.lookUp([...batch.keys()])).map((row) => [this.keyOf(row), row]));
      for (const [key, waiting] of batch) for (const w of waiting) w.resolve(found.get(key));
    } catch (error) {
      for (const waiting of batch.values()) for (const w of waiting) w.reject(error);
    }
  }
}

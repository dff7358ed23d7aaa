/**
 * The revocations in force, held in memory so that checking a token costs a
 * map lookup per jti. A revocation accepted here applies at once; those
 * made through other replicas arrive with the next refresh (every second by
 * default, well inside the 5 s the contract allows).
 *
 * The first refresh reads every revocation in force, a page at a time,
 * yielding between pages; later ones read only what was revoked since the
 * previous refresh began, less an overlap for commits still in flight and
 * for replicas' clocks disagreeing. However many rows there are, a refresh
 * never reloads them all.
 */
import type { Logger } from 'pino';
import type { Clock } from '../common/clock';
import { every, type Periodic } from '../common/periodic';
import { REVOCATION_GRACE_MS, type Revocation, type TokenStorage } from './token-storage';

/** How far back each incremental refresh looks again: commit delays and clock skew between replicas. */
export const REFRESH_OVERLAP_MS = 60_000;
const PAGE = 5000;
/** Revocations whose token can no longer be used are forgotten at most this often. */
const PRUNE_EVERY_MS = 60_000;

export class RevocationList {
  /** jti → the revoked token's exp (null when unknown). */
  private readonly revoked = new Map<string, number | null>();
  /** The clock when the last successful refresh began; undefined until the first. */
  private loadedAt?: number;
  private prunedAt = 0;
  private refresher?: Periodic;
  private readonly store: Pick<TokenStorage, 'revocationsInForce' | 'revokedSince'>;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(deps: { store: Pick<TokenStorage, 'revocationsInForce' | 'revokedSince'>; clock: Clock; logger: Logger }) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.logger = deps.logger;
  }

  isRevoked(jti: string): boolean {
    return this.revoked.has(jti);
  }

  /** Applies a revocation made by this process before the next refresh. */
  add(jti: string, expiresAt: number | null): void {
    this.revoked.set(jti, expiresAt);
  }

  /** Reads what is new; how many revocations it read. */
  async refresh(): Promise<number> {
    const started = this.clock.now();
    const read =
      this.loadedAt === undefined ? await this.loadAll(started) : await this.store.revokedSince(this.loadedAt - REFRESH_OVERLAP_MS);
    for (const revocation of read) this.revoked.set(revocation.jti, revocation.expiresAt);
    this.loadedAt = started;
    if (started - this.prunedAt >= PRUNE_EVERY_MS) this.prune(started);
    return read.length;
  }

  private async loadAll(now: number): Promise<Revocation[]> {
    const all: Revocation[] = [];
    for (let after: string | undefined; ;) {
      const page = await this.store.revocationsInForce(now, after, PAGE);
      all.push(...page);
      if (page.length < PAGE) return all;
      after = page[page.length - 1]?.jti;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Forgets revocations of tokens past their exp and the leeway: such tokens fail verification anyway. */
  private prune(now: number): void {
    this.prunedAt = now;
    for (const [jti, expiresAt] of this.revoked) {
      if (expiresAt !== null && expiresAt + REVOCATION_GRACE_MS <= now) this.revoked.delete(jti);
    }
  }

  start(intervalMs = 1000): void {
    this.refresher = every(
      intervalMs,
      () => this.refresh(),
      (error) => this.logger.warn({ err: error }, 'could not refresh revocations; keeping the last known set'),
    );
  }

  async stop(): Promise<void> {
    await this.refresher?.stop();
  }
}

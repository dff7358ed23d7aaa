/**
 * The revocations in force, held in memory so that checking a token costs a
 * set lookup per jti. A revocation accepted here applies at once; those
 * made through other replicas arrive with the next refresh (every second by
 * default, well inside the 5 s the contract allows).
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { TokenStore } from './token-store-type';

export class RevocationList {
  private revoked = new Set<string>();
  /** Local additions, with the refresh count when made: kept until a refresh that began later has seen them. */
  private readonly localAdditions = new Map<string, number>();
  private refreshCount = 0;
  private timer?: NodeJS.Timeout;
  private readonly store: Pick<TokenStore, 'revokedJtis'>;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(deps: { store: Pick<TokenStore, 'revokedJtis'>; clock: Clock; logger: Logger }) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.logger = deps.logger;
  }

  isRevoked(jti: string): boolean {
    return this.revoked.has(jti);
  }

  /** Applies a revocation made by this process before the next refresh. */
  add(jti: string): void {
    this.revoked.add(jti);
    this.localAdditions.set(jti, this.refreshCount);
  }

  async refresh(): Promise<void> {
    const started = this.refreshCount++;
    const current = new Set(await this.store.revokedJtis(this.clock.now()));
    // A refresh whose query began before a local revocation committed must not drop it.
    for (const [jti, addedAt] of this.localAdditions) {
      if (addedAt >= started) current.add(jti);
      else this.localAdditions.delete(jti);
    }
    this.revoked = current;
  }

  start(intervalMs = 1000): void {
    const tick = () => {
      this.refresh()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not refresh revocations; keeping the last known set'))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, intervalMs).unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

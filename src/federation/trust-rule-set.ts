/**
 * The trust rules every replica matches exchanges against: loaded at
 * start, then reloaded whenever the rules' version in the database moved
 * (checked every 2 s, one small read), so that a rule written on one
 * replica is honoured by every other within seconds.
 */
import type { Logger } from 'pino';
import { every, type Periodic } from '../common/periodic';
import type { TrustStorage } from './trust-storage';
import type { TrustRule } from './trust-rules';

export const TRUST_REFRESH_MS = 2000;

export class TrustRuleSet {
  private rules: readonly TrustRule[] = [];
  private version?: string;
  private timer?: Periodic;

  constructor(private readonly deps: { store: Pick<TrustStorage, 'all' | 'version'>; logger: Logger }) {}

  current(): readonly TrustRule[] {
    return this.rules;
  }

  /** Reloads when the version moved; `force` after this replica's own write. */
  async refresh(force = false): Promise<void> {
    const version = await this.deps.store.version();
    if (!force && version === this.version) return;
    this.rules = await this.deps.store.all();
    this.version = version;
  }

  start(intervalMs = TRUST_REFRESH_MS): void {
    this.timer ??= every(
      intervalMs,
      () => this.refresh(),
      (error) => this.deps.logger.warn({ err: error }, 'could not reload the trust rules; keeping the last ones'),
    );
  }

  async stop(): Promise<void> {
    await this.timer?.stop();
    this.timer = undefined;
  }
}

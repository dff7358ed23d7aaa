/**
 * Publishes the audit chain's head in the log whenever it has moved, as a
 * token MAC'd with the chain's key. Kept outside the database (a log
 * pipeline, a ticket), a published head lets `audit verify --since-head`
 * prove later that no event was cut off the end of the chain.
 */
import type { Logger } from 'pino';
import type { Clock } from '../common/clock';
import { every, type Periodic } from '../common/periodic';
import type { AuditChain } from './audit-chain';
import type { AuditStorage } from './audit-storage';

export class AuditHeadPublisher {
  private publisher?: Periodic;
  private lastSeq = -1;
  private readonly store: Pick<AuditStorage, 'endpoints'>;
  private readonly chain: AuditChain;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(deps: { store: Pick<AuditStorage, 'endpoints'>; chain: AuditChain; clock: Clock; logger: Logger }) {
    this.store = deps.store;
    this.chain = deps.chain;
    this.clock = deps.clock;
    this.logger = deps.logger;
  }

  async publishIfMoved(): Promise<void> {
    const { head } = await this.store.endpoints();
    if (head.seq === this.lastSeq) return;
    this.lastSeq = head.seq;
    this.logger.info({ auditHead: this.chain.headToken({ ...head, time: this.clock.now() }), seq: head.seq }, 'audit chain head');
  }

  start(intervalMs: number): void {
    this.publisher = every(
      intervalMs,
      () => this.publishIfMoved(),
      (error) => this.logger.warn({ err: error }, 'could not read the audit chain head'),
    );
  }

  /** Stops, publishing the final head once more if it moved; does nothing if it never started. */
  async stop(): Promise<void> {
    if (!this.publisher) return;
    await this.publisher.stop();
    this.publisher = undefined;
    await this.publishIfMoved().catch(() => {});
  }
}

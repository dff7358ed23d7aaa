/**
 * Records audit events with group commit: events recorded while a batch is
 * being written go into the next batch, one transaction each, so auditing
 * every request costs a fraction of a write per request.
 */
import type { AuditEventInput } from './audit-event';
import type { AuditStore } from './audit-store-type';

interface Pending {
  readonly event: AuditEventInput;
  resolve(): void;
  reject(error: unknown): void;
}

const MAX_BATCH = 500;
/** How long the first event of a batch waits for company: a few more events per transaction under load. */
const AUDIT_GROUP_MS = 2;

export class AuditLog {
  private queue: Pending[] = [];
  private flushing?: Promise<void>;

  constructor(private readonly store: Pick<AuditStore, 'append'>) {}

  /** Resolves once the event is durably in the chain. */
  record(event: AuditEventInput): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      this.flushing ??= new Promise<void>((started) => setTimeout(started, AUDIT_GROUP_MS)).then(() => this.flush());
    });
  }

  /** Waits until everything recorded so far is written. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await this.store.append(batch.map((pending) => pending.event));
          for (const pending of batch) pending.resolve();
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }
}

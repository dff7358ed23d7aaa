/**
 * Records audit events with group commit: events recorded while a batch is
 * being written go into the next batch, one transaction each, so auditing
 * every request costs a fraction of a write per request. `kick` says that
 * writes of this process staged events in their own transactions: the next
 * batch moves them into the chain (and one is written even with nothing
 * recorded). Other processes move their own; whatever a crash left staged is
 * moved at start.
 */
import type { AuditEventInput } from './audit-event';
import { OUTBOX_BATCH, type AuditStorage } from './audit-storage';

interface Pending {
  readonly event: AuditEventInput;
  resolve(): void;
  reject(error: unknown): void;
}

const MAX_BATCH = 500;
/**
 * How long the first event of a batch waits for company. Nobody waits on a
 * batch (writes commit their events with them; reads do not wait), so this
 * buys fewer, larger transactions at no cost to a request.
 */
const AUDIT_GROUP_MS = 10;
const RETRY_STAGED_MS = 1000;

export class AuditLog {
  private queue: Pending[] = [];
  private flushing?: Promise<void>;
  private stagedWaiting = false;
  private closed = false;

  constructor(
    private readonly store: Pick<AuditStorage, 'append'>,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Resolves once the event is durably in the chain. */
  record(event: AuditEventInput): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      this.schedule();
    });
  }

  /** Staged events wait to be moved into the chain: write a batch soon, even with nothing queued. */
  kick(): void {
    if (this.closed) return;
    this.stagedWaiting = true;
    this.schedule();
  }

  /** Writes what is queued, then stops retrying: for shutdown. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  /** Waits until everything recorded and staged so far is in the chain. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private schedule(): void {
    this.flushing ??= new Promise<void>((started) => setTimeout(started, AUDIT_GROUP_MS)).then(() => this.flush());
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0 || this.stagedWaiting) {
        const moveStaged = this.stagedWaiting;
        this.stagedWaiting = false;
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const moved = await this.store.append(
            batch.map((pending) => pending.event),
            moveStaged,
          );
          for (const pending of batch) pending.resolve();
          // A full batch of staged events may have left more behind.
          if (moved >= OUTBOX_BATCH) this.stagedWaiting = true;
        } catch (error) {
          for (const pending of batch) pending.reject(error);
          if (moveStaged) {
            this.onError(error);
            // Staged events are safe in the outbox; try again shortly rather than wait for the next write.
            setTimeout(() => this.kick(), RETRY_STAGED_MS).unref();
          }
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }
}

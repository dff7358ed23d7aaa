/** An audit store in memory, for unit tests of what sits on top of one. */
import type { AuditEventInput } from '../../src/audit/audit-event';
import { OUTBOX_BATCH, type AuditStorage } from '../../src/audit/audit-storage';

export class FakeAuditStore implements Pick<AuditStorage, 'append'> {
  /** Each append's recorded events. */
  readonly appends: AuditEventInput[][] = [];
  /** How many staged events wait in the outbox. */
  staged = 0;
  /** The next append fails with this. */
  failNext?: Error;

  async append(events: readonly AuditEventInput[], moveStaged: boolean): Promise<number> {
    if (this.failNext) {
      const failure = this.failNext;
      this.failNext = undefined;
      throw failure;
    }
    const moved = moveStaged ? Math.min(this.staged, OUTBOX_BATCH) : 0;
    this.staged -= moved;
    this.appends.push([...events]);
    return moved;
  }
}

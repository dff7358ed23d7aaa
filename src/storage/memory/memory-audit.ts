/** The audit chain in memory: an outbox that writes stage into, and the chain the appends link. */
import { linkAppendBatch } from '../../audit/append-batch';
import { GENESIS, type AuditChain } from '../../audit/audit-chain';
import type { AuditEvent, AuditEventInput, ChainAnchor, ChainLink } from '../../audit/audit-event';
import { OUTBOX_BATCH, type AuditQuery, type AuditStorage, type ChainEndpoints } from '../../audit/audit-storage';

export class MemoryAudit implements AuditStorage {
  private staged: AuditEventInput[] = [];
  private events: AuditEvent[] = [];
  private head: ChainLink = GENESIS;
  private anchor: ChainAnchor = GENESIS;

  constructor(private readonly chain: AuditChain) {}

  /** What a write does in its transaction: its events wait in the outbox for an append to move them. */
  stage(events: readonly AuditEventInput[]): void {
    this.staged.push(...events);
  }

  async append(events: readonly AuditEventInput[], moveStaged: boolean): Promise<number> {
    const staged = moveStaged ? this.staged.slice(0, OUTBOX_BATCH) : [];
    const linked = linkAppendBatch(this.chain, this.head, staged, events);
    const last = linked[linked.length - 1];
    if (!last) return 0;
    this.events.push(...linked);
    this.staged = this.staged.slice(staged.length);
    this.head = { seq: last.seq, hash: last.hash };
    return staged.length;
  }

  async query(query: AuditQuery): Promise<AuditEvent[]> {
    const newest = query.order === 'newest';
    const inOrder = newest ? [...this.events].reverse() : this.events;
    return inOrder
      .filter(
        (event) =>
          (query.key === undefined || event.key === query.key) &&
          (query.subject === undefined || event.subject === query.subject) &&
          (query.since === undefined || event.time >= query.since) &&
          (query.afterSeq === undefined || (newest ? event.seq < query.afterSeq : event.seq > query.afterSeq)),
      )
      .slice(0, query.limit);
  }

  range(afterSeq: number, limit: number): Promise<AuditEvent[]> {
    return this.query({ afterSeq, limit });
  }

  async endpoints(): Promise<ChainEndpoints> {
    return { anchor: this.anchor, head: this.head, keyedFrom: GENESIS };
  }

  async purgeOlderThan(cutoff: number, limit: number): Promise<number> {
    // Only a run from the start of the chain may go, so that what remains still links to the anchor.
    let count = 0;
    for (const event of this.events.slice(0, limit)) {
      if (event.time >= cutoff) break;
      count++;
    }
    const last = this.events[count - 1];
    if (!last) return 0;
    this.events = this.events.slice(count);
    this.anchor = this.chain.anchor({ seq: last.seq, hash: last.hash });
    return count;
  }
}

import type { Knex } from 'knex';
import { isPostgres } from './connect';
import { lockMeta, readMeta, writeMeta } from './service-meta';
import type { AuditChain, AuditEvent, AuditEventInput, ChainAnchor, ChainLink } from '../../audit/audit-event';
import { headAfter, linkAppendBatch } from '../../audit/append-batch';
import { appendOnPostgres, lockHeadOnPostgres } from '../postgres/postgres-audit-append';
import { eventToRow, inputToColumns, rowToEvent, type AuditRow, type OutboxRow } from './audit-rows';
import { OUTBOX_BATCH, type AuditQuery, type AuditStore, type ChainEndpoints } from '../../audit/audit-store-type';

const INSERT_CHUNK = 200;

export class KnexAuditStore implements AuditStore {
  private readonly pg: boolean;

  constructor(
    private readonly knex: Knex,
    private readonly chain: AuditChain,
  ) {
    this.pg = isPostgres(knex);
  }

  async stage(events: readonly AuditEventInput[], trx: Knex.Transaction): Promise<void> {
    if (events.length > 0) await trx('audit_outbox').insert(events.map(inputToColumns));
  }

  async append(events: readonly AuditEventInput[], moveStaged: boolean): Promise<number> {
    if (events.length === 0 && !moveStaged) return 0;
    return this.knex.transaction(async (trx) => {
      // The head row's lock serialises appenders across processes and replicas, so the chain never forks,
      // and no two appenders move the same staged event.
      const head = JSON.parse(await (this.pg ? lockHeadOnPostgres(trx) : lockMeta(trx, 'audit_head'))) as ChainLink;
      const staged = moveStaged ? await trx<OutboxRow>('audit_outbox').orderBy('id').limit(OUTBOX_BATCH) : [];
      const linked = linkAppendBatch(this.chain, head, staged, events);
      if (linked.length === 0) return 0;
      // Exactly the rows moved: on PostgreSQL a write with a lower id may commit while this runs, unmoved.
      const movedIds = staged.map((row) => row.id);
      if (this.pg) {
        await appendOnPostgres(trx, linked, movedIds);
        return staged.length;
      }
      for (let i = 0; i < linked.length; i += INSERT_CHUNK) {
        await trx('audit_events').insert(linked.slice(i, i + INSERT_CHUNK).map(eventToRow));
      }
      if (movedIds.length > 0) await trx('audit_outbox').whereIn('id', movedIds).delete();
      await writeMeta(trx, 'audit_head', headAfter(linked));
      return staged.length;
    });
  }

  async query(query: AuditQuery): Promise<AuditEvent[]> {
    const builder = this.knex<AuditRow>('audit_events').orderBy('seq').limit(query.limit);
    if (query.key !== undefined) builder.where('key', query.key);
    if (query.subject !== undefined) builder.where('subject', query.subject);
    if (query.since !== undefined) builder.where('time', '>=', query.since);
    if (query.afterSeq !== undefined) builder.where('seq', '>', query.afterSeq);
    return (await builder).map(rowToEvent);
  }

  async range(afterSeq: number, limit: number): Promise<AuditEvent[]> {
    return this.query({ afterSeq, limit });
  }

  async endpoints(): Promise<ChainEndpoints> {
    const [anchor, head, keyedFrom] = await Promise.all(
      ['audit_anchor', 'audit_head', 'audit_keyed_from'].map(async (name) => JSON.parse(await readMeta(this.knex, name)) as ChainAnchor),
    );
    return { anchor: anchor as ChainAnchor, head: head as ChainLink, keyedFrom: keyedFrom as ChainAnchor };
  }

  async sealKeyedBoundary(): Promise<void> {
    await this.knex.transaction(async (trx) => {
      const boundary = JSON.parse(await lockMeta(trx, 'audit_keyed_from')) as ChainAnchor;
      if (boundary.seq === 0 || boundary.mac !== undefined) return;
      await writeMeta(trx, 'audit_keyed_from', JSON.stringify(this.chain.sealBoundary(boundary)));
    });
  }

  async purgeOlderThan(cutoff: number, limit: number): Promise<number> {
    return this.knex.transaction(async (trx) => {
      const anchor = JSON.parse(await lockMeta(trx, 'audit_anchor')) as ChainLink;
      const oldest = await trx<AuditRow>('audit_events')
        .where('seq', '>', anchor.seq)
        .orderBy('seq')
        .limit(limit)
        .select('seq', 'time', 'hash');
      // Only a run from the start of the chain may go, so that what remains still links to the anchor.
      let last: ChainLink | undefined;
      for (const row of oldest) {
        if (Number(row.time) >= cutoff) break;
        last = { seq: Number(row.seq), hash: row.hash };
      }
      if (!last) return 0;
      const purged = await trx('audit_events').where('seq', '<=', last.seq).andWhere('seq', '>', anchor.seq).delete();
      await writeMeta(trx, 'audit_anchor', JSON.stringify(this.chain.anchor(last)));
      return purged;
    });
  }
}

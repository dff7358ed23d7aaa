import type { Knex } from 'knex';
import { lockMetaRow } from '../db/write-lock';
import type { AuditChain, AuditEvent, AuditEventInput, ChainAnchor, ChainLink } from './audit-event';
import { eventToRow, rowToEvent, type AuditRow } from './audit-rows';
import type { AuditQuery, AuditStore, ChainEndpoints } from './audit-store-type';

const INSERT_CHUNK = 200;

export class KnexAuditStore implements AuditStore {
  constructor(
    private readonly knex: Knex,
    private readonly chain: AuditChain,
  ) {}

  async append(events: readonly AuditEventInput[]): Promise<void> {
    if (events.length === 0) return;
    await this.knex.transaction(async (trx) => {
      // The head row's lock serialises appenders across processes and replicas, so the chain never forks.
      const head = JSON.parse(await lockMetaRow(trx, 'audit_head')) as ChainLink;
      const linked = this.chain.link(head, events);
      for (let i = 0; i < linked.length; i += INSERT_CHUNK) {
        await trx('audit_events').insert(linked.slice(i, i + INSERT_CHUNK).map(eventToRow));
      }
      const last = linked[linked.length - 1];
      await trx('service_meta').where({ name: 'audit_head' }).update({ value: JSON.stringify({ seq: last.seq, hash: last.hash }) });
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
    const rows = await this.knex('service_meta').whereIn('name', ['audit_anchor', 'audit_head', 'audit_keyed_from']).select('name', 'value');
    const link = (name: string) => JSON.parse(rows.find((row) => row.name === name)?.value ?? 'null') as ChainAnchor;
    return { anchor: link('audit_anchor'), head: link('audit_head'), keyedFrom: link('audit_keyed_from') };
  }

  async sealKeyedBoundary(): Promise<void> {
    await this.knex.transaction(async (trx) => {
      const boundary = JSON.parse(await lockMetaRow(trx, 'audit_keyed_from')) as ChainAnchor;
      if (boundary.seq === 0 || boundary.mac !== undefined) return;
      await trx('service_meta').where({ name: 'audit_keyed_from' }).update({ value: JSON.stringify(this.chain.sealBoundary(boundary)) });
    });
  }

  async purgeOlderThan(cutoff: number, limit: number): Promise<number> {
    return this.knex.transaction(async (trx) => {
      const anchor = JSON.parse(await lockMetaRow(trx, 'audit_anchor')) as ChainLink;
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
      await trx('service_meta').where({ name: 'audit_anchor' }).update({ value: JSON.stringify(this.chain.anchor(last)) });
      return purged;
    });
  }
}

/**
 * The audit chain's tables through knex, on either database: reading
 * events, the chain's endpoints, and retention. Appending, the hot path,
 * is each backend's own (sqlite/sqlite-audit-append.ts,
 * postgres/postgres-audit-storage.ts).
 */
import type { Knex } from 'knex';
import type { AuditChain } from '../../audit/audit-chain';
import type { AuditEvent, ChainAnchor, ChainLink } from '../../audit/audit-event';
import type { AuditQuery, AuditStorage, ChainEndpoints } from '../../audit/audit-storage';
import { rowToEvent, type AuditRow } from './audit-rows';
import { lockMeta, readMeta, writeMeta } from './service-meta';

export class KnexAuditTables implements Omit<AuditStorage, 'append'> {
  constructor(
    protected readonly knex: Knex,
    protected readonly chain: AuditChain,
  ) {}

  async query(query: AuditQuery): Promise<AuditEvent[]> {
    const newest = query.order === 'newest';
    const builder = this.knex<AuditRow>('audit_events')
      .orderBy('seq', newest ? 'desc' : 'asc')
      .limit(query.limit);
    if (query.key !== undefined) builder.where('key', query.key);
    if (query.subject !== undefined) builder.where('subject', query.subject);
    if (query.since !== undefined) builder.where('time', '>=', query.since);
    if (query.afterSeq !== undefined) builder.where('seq', newest ? '<' : '>', query.afterSeq);
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

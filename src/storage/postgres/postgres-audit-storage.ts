/**
 * The audit chain on PostgreSQL. An append locks the head row, which
 * serialises appenders across replicas so that the chain never forks and
 * no two move the same staged event, then writes in one statement: the
 * batch's events into the chain, the staged events it moved out of the
 * outbox, and the new head. Built by knex, the same was a multi-row
 * INSERT prepared anew for every batch and three round trips: under the
 * GET load, the largest cost a PostgreSQL GET had and a SQLite GET had not.
 */
import type { Knex } from 'knex';
import { linkAppendBatch } from '../../audit/append-batch';
import type { AuditEvent, AuditEventInput, ChainLink } from '../../audit/audit-event';
import { OUTBOX_BATCH, type AuditStorage } from '../../audit/audit-storage';
import { columnsToInput, headAfter, type OutboxRow } from '../knex/audit-rows';
import { KnexAuditTables } from '../knex/knex-audit-tables';
import { arrayColumns, type ColumnValue } from './array-columns';

/** Locks the chain's head for the rest of the transaction and reads it: one round trip. */
async function lockHead(trx: Knex.Transaction): Promise<string> {
  const result = await trx.raw<{ rows: Array<{ value: string }> }>("SELECT value FROM service_meta WHERE name = 'audit_head' FOR UPDATE");
  const head = result.rows[0]?.value;
  if (head === undefined) throw new Error('service_meta has no row audit_head: run scoped-secrets migrate');
  return head;
}

const APPEND_SQL = `WITH input AS (
  SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::int[], ?::varchar[],
                       ?::varchar[], ?::text[], ?::varchar[], ?::varchar[])
    AS i(seq, time, subject, jti, action, key, outcome, request_id, client, detail, prev_hash, hash)),
appended AS (
  INSERT INTO audit_events (seq, time, subject, jti, action, key, outcome, request_id, client, detail, prev_hash, hash)
  SELECT * FROM input ORDER BY seq),
unstaged AS (
  DELETE FROM audit_outbox WHERE id = ANY(?::bigint[]))
UPDATE service_meta SET value = ? WHERE name = 'audit_head'`;

/** Appends linked events after the head `lockHead` locked, and removes the staged ones among them. */
async function appendLinked(trx: Knex.Transaction, linked: readonly AuditEvent[], unstagedIds: readonly number[]): Promise<void> {
  const rows = linked.map((event): ColumnValue[] => [
    event.seq,
    event.time,
    event.subject,
    event.jti,
    event.action,
    event.key,
    event.outcome,
    event.requestId,
    event.client,
    event.detail ?? null,
    event.prevHash,
    event.hash,
  ]);
  // Named, so that each connection parses and plans it once.
  await trx
    .raw(APPEND_SQL, [...arrayColumns(rows, 12), [...unstagedIds] as Knex.RawBinding, headAfter(linked)])
    .options({ name: 'scoped-secrets-append-audit' });
}

export class PostgresAuditStorage extends KnexAuditTables implements AuditStorage {
  async append(events: readonly AuditEventInput[], moveStaged: boolean): Promise<number> {
    if (events.length === 0 && !moveStaged) return 0;
    return this.knex.transaction(async (trx) => {
      const head = JSON.parse(await lockHead(trx)) as ChainLink;
      const staged = moveStaged ? await trx<OutboxRow>('audit_outbox').orderBy('id').limit(OUTBOX_BATCH) : [];
      const linked = linkAppendBatch(this.chain, head, staged.map(columnsToInput), events);
      if (linked.length === 0) return 0;
      // Exactly the rows moved: a write with a lower id may commit while this runs, unmoved.
      await appendLinked(
        trx,
        linked,
        staged.map((row) => row.id),
      );
      return staged.length;
    });
  }
}

/**
 * The audit append's writes on PostgreSQL in one statement: the batch's
 * events into the chain, the staged events it moved out of the outbox, and
 * the new head. Through knex the same was a multi-row INSERT built anew
 * for every batch (about 60 events under the GET load, a dozen bindings
 * each) and three round trips; profiled under the GET load, knex was the
 * largest cost a PostgreSQL GET has and a SQLite GET has not.
 */
import type { Knex } from 'knex';
import { arrayColumns, type ColumnValue } from './array-columns';
import type { AuditEvent } from '../../audit/audit-event';
import { headAfter } from '../../audit/append-batch';

/** Locks the chain's head for the rest of the transaction and reads it: one round trip. */
export async function lockHeadOnPostgres(trx: Knex.Transaction): Promise<string> {
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

/** Appends linked events after the head `lockHeadOnPostgres` locked, and removes the staged ones among them. */
export async function appendOnPostgres(
  trx: Knex.Transaction,
  linked: readonly AuditEvent[],
  unstagedIds: readonly number[],
): Promise<void> {
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

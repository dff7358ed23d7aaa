/** The audit_events row <-> event mapping, shared by the knex store and the SQLite writer thread. */
import type { AuditEvent } from './audit-event';

export interface AuditRow {
  seq: number;
  time: number;
  subject: string | null;
  jti: string | null;
  action: string;
  key: string | null;
  outcome: number;
  request_id: string | null;
  client: string | null;
  prev_hash: string;
  hash: string;
}

export function rowToEvent(row: AuditRow): AuditEvent {
  return {
    seq: Number(row.seq),
    time: Number(row.time),
    subject: row.subject,
    jti: row.jti,
    action: row.action as AuditEvent['action'],
    key: row.key,
    outcome: Number(row.outcome),
    requestId: row.request_id,
    client: row.client,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function eventToRow(event: AuditEvent): AuditRow {
  return {
    seq: event.seq,
    time: event.time,
    subject: event.subject,
    jti: event.jti,
    action: event.action,
    key: event.key,
    outcome: event.outcome,
    request_id: event.requestId,
    client: event.client,
    prev_hash: event.prevHash,
    hash: event.hash,
  };
}

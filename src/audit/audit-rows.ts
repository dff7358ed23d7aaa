/** The audit_events and audit_outbox rows <-> events. */
import type { AuditEvent, AuditEventInput } from './audit-event';

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

export interface OutboxRow {
  id: number;
  time: number;
  subject: string | null;
  jti: string | null;
  action: string;
  key: string | null;
  outcome: number;
  request_id: string | null;
  client: string | null;
}

export function inputToOutboxRow(event: AuditEventInput): Omit<OutboxRow, 'id'> {
  return {
    time: event.time,
    subject: event.subject,
    jti: event.jti,
    action: event.action,
    key: event.key,
    outcome: event.outcome,
    request_id: event.requestId,
    client: event.client,
  };
}

export function outboxRowToInput(row: OutboxRow): AuditEventInput {
  return {
    time: Number(row.time),
    subject: row.subject,
    jti: row.jti,
    action: row.action as AuditEventInput['action'],
    key: row.key,
    outcome: Number(row.outcome),
    requestId: row.request_id,
    client: row.client,
  };
}

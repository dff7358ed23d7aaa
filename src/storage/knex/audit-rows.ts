/** The audit_events and audit_outbox rows <-> events. */
import type { AuditEvent, AuditEventInput } from '../../audit/audit-event';

/** What an event says, as columns: the same in the chain and in the outbox. */
interface EventColumns {
  time: number;
  subject: string | null;
  jti: string | null;
  action: string;
  key: string | null;
  outcome: number;
  request_id: string | null;
  client: string | null;
  detail?: string | null;
}

export interface AuditRow extends EventColumns {
  seq: number;
  prev_hash: string;
  hash: string;
}

export interface OutboxRow extends EventColumns {
  id: number;
}

export function inputToColumns(event: AuditEventInput): EventColumns {
  return {
    time: event.time,
    subject: event.subject,
    jti: event.jti,
    action: event.action,
    key: event.key,
    outcome: event.outcome,
    request_id: event.requestId,
    client: event.client,
    detail: event.detail ?? null,
  };
}

export function columnsToInput(row: EventColumns): AuditEventInput {
  return {
    time: Number(row.time),
    subject: row.subject,
    jti: row.jti,
    action: row.action as AuditEventInput['action'],
    key: row.key,
    outcome: Number(row.outcome),
    requestId: row.request_id,
    client: row.client,
    detail: row.detail ?? null,
  };
}

export function rowToEvent(row: AuditRow): AuditEvent {
  return { ...columnsToInput(row), seq: Number(row.seq), prevHash: row.prev_hash, hash: row.hash };
}

export function eventToRow(event: AuditEvent): AuditRow {
  return { ...inputToColumns(event), seq: event.seq, prev_hash: event.prevHash, hash: event.hash };
}

/** The chain's head once `linked` (not empty) is appended, as service_meta keeps it. */
export function headAfter(linked: readonly AuditEvent[]): string {
  const last = linked[linked.length - 1] as AuditEvent;
  return JSON.stringify({ seq: last.seq, hash: last.hash });
}

/** Audit events and the hash chain that links them. Pure: no I/O. */
import { createHash } from 'node:crypto';

export type AuditAction =
  | 'secret.read'
  | 'secret.write'
  | 'secret.delete'
  | 'secret.list'
  | 'secret.expired'
  | 'token.create'
  | 'token.revoke'
  | 'auth.denied';

/** What happened; never a value, a data key or a token. */
export interface AuditEventInput {
  readonly time: number;
  readonly subject: string | null;
  readonly jti: string | null;
  readonly action: AuditAction;
  readonly key: string | null;
  readonly outcome: number;
  readonly requestId: string | null;
  readonly client: string | null;
}

export interface AuditEvent extends AuditEventInput {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export interface ChainLink {
  readonly seq: number;
  readonly hash: string;
}

/** SHA-256 over the previous hash and the event's canonical content, its position included. */
export function chainHash(prevHash: string, seq: number, event: AuditEventInput): string {
  const canonical = JSON.stringify([
    seq,
    event.time,
    event.subject,
    event.jti,
    event.action,
    event.key,
    event.outcome,
    event.requestId,
    event.client,
  ]);
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

/** Links `events` after `head`, giving each its seq and hashes. */
export function linkEvents(head: ChainLink, events: readonly AuditEventInput[]): AuditEvent[] {
  let previous = head;
  return events.map((event) => {
    const seq = previous.seq + 1;
    const linked: AuditEvent = { ...event, seq, prevHash: previous.hash, hash: chainHash(previous.hash, seq, event) };
    previous = linked;
    return linked;
  });
}

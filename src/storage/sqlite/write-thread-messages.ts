/** What the main thread and the SQLite write thread say to each other. */
import type { AuditEventInput } from '../../audit/audit-event';
import type { DeleteCommand, PutCommand } from '../../secrets/secret-writes';
import type { NewRevocation } from '../../tokens/token-writes';
import type { IssuedToken } from '../../tokens/token-store-type';
import type { Actor } from '../../audit/audit-store-type';
import type { WrapQuota } from '../../config';
import type { WrapRecord } from '../../wraps/wrap-store-type';
import type { TrustRule } from '../../federation/trust-rules';

export interface WriterData {
  readonly filename: string;
  /** The audit chain's key: it never leaves this process. */
  readonly auditKey: Uint8Array;
}

/** Every write the thread runs, by name, with its arguments. */
export interface WriterCommands {
  append: { events: readonly AuditEventInput[]; moveStaged: boolean };
  putSecret: PutCommand;
  deleteSecret: DeleteCommand;
  recordIssued: { token: IssuedToken; events: readonly AuditEventInput[] };
  revoke: { revocation: NewRevocation; events: readonly AuditEventInput[] };
  createWrap: { wrap: WrapRecord; events: readonly AuditEventInput[]; quota: WrapQuota };
  takeWrap: { tokenHash: string; now: number; actor: Actor };
  purgeWraps: { now: number; limit: number };
  putTrustRule: { rule: TrustRule; now: number; event: AuditEventInput };
  deleteTrustRule: { name: string; event: AuditEventInput };
  purgeSecrets: { now: number; limit: number };
  purgeRevocations: { now: number; limit: number };
  purgeAudit: { cutoff: number; limit: number };
}

export type WriterCommand = keyof WriterCommands;

export interface WriterRequest<K extends WriterCommand = WriterCommand> {
  readonly id: number;
  readonly kind: K;
  readonly args: WriterCommands[K];
}

export interface WriterFailure {
  readonly message: string;
  readonly code?: string;
}

export interface WriterReply {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: WriterFailure;
}

/** Sent once, before any reply: the thread is ready, or could not start. */
export type WriterStatus = 'ready' | { readonly failed?: WriterFailure };

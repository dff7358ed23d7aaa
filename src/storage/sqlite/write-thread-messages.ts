/**
 * What the main thread and the SQLite write thread say to each other: one
 * entry per call, with its arguments and its result, which both sides are
 * typed against (write-thread.ts sends them, write-thread-worker.ts answers
 * them).
 */
import type { AuditEventInput } from '../../audit/audit-event';
import type { Actor } from '../../audit/audit-storage';
import type { WrapQuota } from '../../config';
import type { EncryptedValue } from '../../crypto/envelope';
import type { TrustRule } from '../../federation/trust-rules';
import type { DeleteCommand, PutCommand } from '../../secrets/secret-storage';
import type { IssuedToken, NewRevocation } from '../../tokens/token-storage';
import type { QuotaRefusal, WrapRecord } from '../../wraps/wrap-storage';

export interface WriterData {
  readonly filename: string;
  /** The audit chain's key: it never leaves this process. */
  readonly auditKey: Uint8Array;
}

interface Batch {
  readonly now: number;
  readonly limit: number;
}

/** Every call the thread answers, by name. */
export interface WriterCalls {
  append: { args: { events: readonly AuditEventInput[]; moveStaged: boolean }; result: number };
  putSecret: { args: PutCommand; result: boolean };
  deleteSecret: { args: DeleteCommand; result: boolean };
  purgeSecrets: { args: Batch; result: string[] };
  recordIssued: { args: { token: IssuedToken; events: readonly AuditEventInput[] }; result: void };
  revoke: { args: { revocation: NewRevocation; events: readonly AuditEventInput[] }; result: void };
  purgeRevocations: { args: Batch; result: number };
  createWrap: { args: { wrap: WrapRecord; events: readonly AuditEventInput[]; quota: WrapQuota }; result: QuotaRefusal | undefined };
  takeWrap: { args: { tokenHash: string; now: number; actor: Actor }; result: WrapRecord | undefined };
  purgeWraps: { args: Batch; result: number };
  putTrustRule: { args: { rule: TrustRule; now: number; event: AuditEventInput }; result: boolean };
  deleteTrustRule: { args: { name: string; event: AuditEventInput }; result: boolean };
  purgeAudit: { args: { cutoff: number; limit: number }; result: number };
}

export type WriterCall = keyof WriterCalls;

/**
 * A value as it arrives on the other side: the structured clone turns a
 * Buffer into a plain Uint8Array, and the receiver makes Buffers again.
 */
export type OnTheWire<T> = T extends Buffer ? Uint8Array : T extends object ? { [P in keyof T]: OnTheWire<T[P]> } : T;

export interface WriterRequest<K extends WriterCall = WriterCall> {
  readonly id: number;
  readonly call: K;
  readonly args: OnTheWire<WriterCalls[K]['args']>;
}

export interface WriterFailure {
  readonly message: string;
  readonly code?: string;
}

export type WriterReply<K extends WriterCall = WriterCall> =
  { readonly id: number; readonly result: OnTheWire<WriterCalls[K]['result']> } | { readonly id: number; readonly error: WriterFailure };

/** Sent once, before any reply: the thread is ready, or could not start. */
export type WriterStatus = 'ready' | { readonly failed: WriterFailure };

/** What the main thread tells the thread: a call, or to close. */
export type ToWriter = WriterRequest | 'close';

/** What the thread tells the main thread. */
export type FromWriter = WriterReply | WriterStatus;

/** An error of either side, as the other side learns it. */
export function failureOf(error: unknown): WriterFailure {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return { message: error.message, code };
}

/** A encrypted value's bytes as Buffers again. */
export function encryptedFromWire(encrypted: OnTheWire<EncryptedValue>): EncryptedValue {
  return { keyId: encrypted.keyId, wrappedKey: asBuffer(encrypted.wrappedKey), ciphertext: asBuffer(encrypted.ciphertext) };
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

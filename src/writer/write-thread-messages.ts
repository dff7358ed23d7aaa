/** What the main thread and the SQLite write thread say to each other. */
import type { AuditEventInput } from '../audit/audit-event';

export interface WriterData {
  readonly filename: string;
  /** The audit chain's key: it never leaves this process. */
  readonly auditKey: Uint8Array;
}

export type WriterRequest =
  | { readonly id: number; readonly kind: 'append'; readonly events: readonly AuditEventInput[]; readonly moveStaged: boolean }
  | { readonly id: number; readonly kind: 'purge'; readonly now: number; readonly limit: number };

export interface WriterFailure {
  readonly message: string;
  readonly code?: string;
}

export interface WriterReply {
  readonly id: number;
  /** For an append: how many staged events it moved into the chain. */
  readonly staged?: number;
  /** For a purge: the keys purged. */
  readonly keys?: string[];
  readonly error?: WriterFailure;
}

/** Sent once, before any reply: the thread is ready, or could not start. */
export type WriterStatus = 'ready' | { readonly failed?: WriterFailure };

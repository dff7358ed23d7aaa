/** What the federation feature needs of storage: the trust rules, and a version that every write moves. */
import type { AuditEventInput } from '../audit/audit-event';
import type { TrustRule } from './trust-rules';

/** Trust rule writes, each with its audit event in one transaction. */
export interface TrustWrites {
  /** True when it created the rule; the event's outcome becomes 201 or 200 accordingly. */
  putRule(rule: TrustRule, now: number, event: AuditEventInput): Promise<boolean>;
  /** False when there was no such rule (nothing is written or audited then). */
  deleteRule(name: string, event: AuditEventInput): Promise<boolean>;
}

export interface TrustStorage extends TrustWrites {
  /** Every rule, by name. */
  all(): Promise<TrustRule[]>;
  find(name: string): Promise<TrustRule | undefined>;
  /** Moved by every write: a replica reloads the rules when it moved. */
  version(): Promise<string>;
}

/** Trust rule writes, each with its audit event in one transaction; on SQLite in the write thread. */
import type { AuditEventInput } from '../audit/audit-event';
import type { AuditStore } from '../audit/audit-store-type';
import type { KnexTrustStore } from '../storage/knex/knex-trust-store';
import type { TrustRule } from './trust-rules';

export interface TrustWrites {
  /** True when it created the rule; the event's outcome becomes 201 or 200 accordingly. */
  putRule(rule: TrustRule, now: number, event: AuditEventInput): Promise<boolean>;
  /** False when there was no such rule (nothing is written or audited then). */
  deleteRule(name: string, event: AuditEventInput): Promise<boolean>;
}

export function trustWrites(deps: {
  store: Pick<KnexTrustStore, 'inTransaction' | 'put' | 'remove'>;
  audit: Pick<AuditStore, 'stage'>;
}): TrustWrites {
  const { store, audit } = deps;
  return {
    putRule: (rule, now, event) =>
      store.inTransaction(async (trx) => {
        const created = await store.put(rule, now, trx);
        await audit.stage([{ ...event, outcome: created ? 201 : 200 }], trx);
        return created;
      }),
    deleteRule: (name, event) =>
      store.inTransaction(async (trx) => {
        const deleted = await store.remove(name, trx);
        if (deleted) await audit.stage([event], trx);
        return deleted;
      }),
  };
}

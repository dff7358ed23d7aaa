/**
 * The writes of wraps, each with its audit event in one transaction:
 * creating one checks its creator's quota and stages `wrap.create`, taking one (unwrapping) stages
 * `wrap.unwrap`, purging expired ones stages `wrap.expired` each. On
 * SQLite these run in the write thread; on PostgreSQL on the event loop.
 */
import type { AuditEventInput } from '../audit/audit-event';
import type { Actor, AuditStore } from '../audit/audit-store-type';
import type { WrapQuota } from '../config';
import type { WrapRecord, WrapStore, WrapUsage } from './wrap-store-type';

/** Why a wrap was not created: which quota its creator's live wraps would pass, and what they hold now. */
export interface QuotaRefusal {
  readonly exceeded: 'wraps' | 'bytes';
  readonly usage: WrapUsage;
}

export interface WrapWrites {
  /** Creates the wrap with its events, unless its creator's live wraps would then pass `quota`. */
  createWrap(wrap: WrapRecord, events: readonly AuditEventInput[], quota: WrapQuota): Promise<QuotaRefusal | undefined>;
  /** The wrap, deleted, with its `wrap.unwrap` event staged; undefined when no live wrap has this hash. */
  takeWrap(tokenHash: string, now: number, actor: Actor): Promise<WrapRecord | undefined>;
  purgeExpiredWraps(now: number, limit: number): Promise<number>;
}

export function wrapWrites(deps: {
  store: Pick<WrapStore, 'inTransaction' | 'insert' | 'usageOf' | 'take' | 'purgeExpiredBatch'>;
  audit: Pick<AuditStore, 'stage'>;
}): WrapWrites {
  const { store, audit } = deps;
  return {
    createWrap: (wrap, events, quota) =>
      store.inTransaction(async (trx) => {
        const usage = await store.usageOf(wrap.creator, wrap.createdAt, trx);
        if (usage.wraps + 1 > quota.wraps) return { exceeded: 'wraps', usage };
        if (usage.bytes + wrap.sealed.ciphertext.length > quota.bytes) return { exceeded: 'bytes', usage };
        await store.insert(wrap, trx);
        await audit.stage(events, trx);
        return undefined;
      }),
    takeWrap: (tokenHash, now, actor) =>
      store.inTransaction(async (trx) => {
        const wrap = await store.take(tokenHash, now, trx);
        if (wrap) await audit.stage([{ ...actor, time: now, action: 'wrap.unwrap', key: wrap.key, outcome: 200 }], trx);
        return wrap;
      }),
    purgeExpiredWraps: (now, limit) =>
      store.inTransaction(async (trx) => {
        const keys = await store.purgeExpiredBatch(now, limit, trx);
        const events = keys.map((key): AuditEventInput => ({
          time: now,
          subject: null,
          jti: null,
          action: 'wrap.expired',
          key,
          outcome: 200,
          requestId: null,
          client: null,
        }));
        await audit.stage(events, trx);
        return keys.length;
      }),
  };
}

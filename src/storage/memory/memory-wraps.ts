/** Wraps in memory: each taken at most once, its creator's quota checked at creation. */
import type { AuditEventInput } from '../../audit/audit-event';
import type { Actor } from '../../audit/audit-storage';
import type { WrapQuota } from '../../config';
import type { EncryptedValue } from '../../crypto/envelope';
import {
  expiredWrapEvent,
  unwrapEvent,
  type QuotaRefusal,
  type WrapInfo,
  type WrapRecord,
  type WrapStorage,
  type WrapUsage,
} from '../../wraps/wrap-storage';
import type { MemoryAudit } from './memory-audit';

export class MemoryWraps implements WrapStorage {
  private readonly wraps = new Map<string, WrapRecord>();

  constructor(private readonly audit: Pick<MemoryAudit, 'stage'>) {}

  async createWrap(wrap: WrapRecord, events: readonly AuditEventInput[], quota: WrapQuota): Promise<QuotaRefusal | undefined> {
    const usage = this.usageOf(wrap.creator, wrap.createdAt);
    if (usage.wraps + 1 > quota.wraps) return { exceeded: 'wraps', usage };
    if (usage.bytes + wrap.encrypted.ciphertext.length > quota.bytes) return { exceeded: 'bytes', usage };
    this.wraps.set(wrap.tokenHash, wrap);
    this.audit.stage(events);
    return undefined;
  }

  async takeWrap(tokenHash: string, now: number, actor: Actor): Promise<WrapRecord | undefined> {
    const wrap = this.wraps.get(tokenHash);
    if (!wrap || wrap.expiresAt <= now) return undefined;
    this.wraps.delete(tokenHash);
    this.audit.stage([unwrapEvent(now, actor, wrap.key)]);
    return wrap;
  }

  async find(tokenHash: string, now: number): Promise<WrapInfo | undefined> {
    const wrap = this.wraps.get(tokenHash);
    if (!wrap || wrap.expiresAt <= now) return undefined;
    const { encrypted: _encrypted, ...info } = wrap;
    return info;
  }

  async purgeExpiredWraps(now: number, limit: number): Promise<number> {
    const doomed = [...this.wraps.values()]
      .filter((wrap) => wrap.expiresAt <= now)
      .sort((a, b) => a.expiresAt - b.expiresAt)
      .slice(0, limit);
    for (const wrap of doomed) this.wraps.delete(wrap.tokenHash);
    this.audit.stage(doomed.map((wrap) => expiredWrapEvent(now, wrap.key)));
    return doomed.length;
  }

  /** Every wrap's encrypted value, for key rotation's counts. */
  sealedValues(): EncryptedValue[] {
    return [...this.wraps.values()].map((wrap) => wrap.encrypted);
  }

  private usageOf(creator: string, now: number): WrapUsage {
    const live = [...this.wraps.values()].filter((wrap) => wrap.creator === creator && wrap.expiresAt > now);
    return {
      wraps: live.length,
      bytes: live.reduce((sum, wrap) => sum + wrap.encrypted.ciphertext.length, 0),
      soonestExpiry: live.length === 0 ? null : Math.min(...live.map((wrap) => wrap.expiresAt)),
    };
  }
}

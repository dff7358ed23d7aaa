/** The wraps table through knex, on either database; where they differ, the dialect answers. */
import type { Knex } from 'knex';
import type { AuditEventInput } from '../../audit/audit-event';
import type { Actor } from '../../audit/audit-storage';
import type { WrapQuota } from '../../config';
import {
  expiredWrapEvent,
  unwrapEvent,
  type QuotaRefusal,
  type WrapInfo,
  type WrapRecord,
  type WrapStorage,
  type WrapUsage,
} from '../../wraps/wrap-storage';
import { stageEvents } from './audit-outbox';
import type { KnexDialect } from './knex-dialect';
import { inTransaction } from './transactions';

interface WrapRow {
  id: string;
  token_hash: string;
  key: string | null;
  creator: string;
  created_at: number | string;
  expires_at: number | string;
  kek_id: string;
  wrapped_key: Buffer;
  ciphertext: Buffer;
}

function infoOf(row: Omit<WrapRow, 'kek_id' | 'wrapped_key' | 'ciphertext'>): WrapInfo {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    key: row.key,
    creator: row.creator,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

export class KnexWrapStorage implements WrapStorage {
  constructor(
    private readonly knex: Knex,
    private readonly dialect: KnexDialect,
  ) {}

  createWrap(wrap: WrapRecord, events: readonly AuditEventInput[], quota: WrapQuota): Promise<QuotaRefusal | undefined> {
    return inTransaction(this.knex, async (trx) => {
      const usage = await this.usageOf(wrap.creator, wrap.createdAt, trx);
      if (usage.wraps + 1 > quota.wraps) return { exceeded: 'wraps', usage };
      if (usage.bytes + wrap.encrypted.ciphertext.length > quota.bytes) return { exceeded: 'bytes', usage };
      await this.insert(wrap, trx);
      await stageEvents(trx, events);
      return undefined;
    });
  }

  takeWrap(tokenHash: string, now: number, actor: Actor): Promise<WrapRecord | undefined> {
    return inTransaction(this.knex, async (trx) => {
      const wrap = await this.take(tokenHash, now, trx);
      if (wrap) await stageEvents(trx, [unwrapEvent(now, actor, wrap.key)]);
      return wrap;
    });
  }

  purgeExpiredWraps(now: number, limit: number): Promise<number> {
    return inTransaction(this.knex, async (trx) => {
      const keys = await this.purgeExpiredBatch(now, limit, trx);
      await stageEvents(
        trx,
        keys.map((key) => expiredWrapEvent(now, key)),
      );
      return keys.length;
    });
  }

  async find(tokenHash: string, now: number): Promise<WrapInfo | undefined> {
    const row = await this.knex<WrapRow>('wraps')
      .select('id', 'token_hash', 'key', 'creator', 'created_at', 'expires_at')
      .where('token_hash', tokenHash)
      .andWhere('expires_at', '>', now)
      .first();
    return row ? infoOf(row) : undefined;
  }

  private async insert(wrap: WrapRecord, trx: Knex.Transaction): Promise<void> {
    await trx('wraps').insert({
      id: wrap.id,
      token_hash: wrap.tokenHash,
      key: wrap.key,
      creator: wrap.creator,
      created_at: wrap.createdAt,
      expires_at: wrap.expiresAt,
      kek_id: wrap.encrypted.keyId,
      wrapped_key: wrap.encrypted.wrappedKey,
      ciphertext: wrap.encrypted.ciphertext,
    });
  }

  /** The creator's live wraps, read after taking a lock that serialises its creators, so that two at once cannot both pass a quota. */
  private async usageOf(creator: string, now: number, trx: Knex.Transaction): Promise<WrapUsage> {
    await this.dialect.serialise(trx, `wraps:${creator}`);
    const row = (await trx('wraps')
      .where('creator', creator)
      .andWhere('expires_at', '>', now)
      .select(trx.raw('count(*) AS wraps'), trx.raw('coalesce(sum(length(ciphertext)), 0) AS bytes'), trx.raw('min(expires_at) AS soonest'))
      .first()) as { wraps: number | string; bytes: number | string; soonest: number | string | null } | undefined;
    return {
      wraps: Number(row?.wraps ?? 0),
      bytes: Number(row?.bytes ?? 0),
      soonestExpiry: row?.soonest == null ? null : Number(row.soonest),
    };
  }

  /** Deletes the live wrap with this token hash and returns it, in one statement: of concurrent takers, one gets it. */
  private async take(tokenHash: string, now: number, trx: Knex.Transaction): Promise<WrapRecord | undefined> {
    const result: unknown = await trx.raw('DELETE FROM wraps WHERE token_hash = ? AND expires_at > ? RETURNING *', [tokenHash, now]);
    const row = this.dialect.rowsOf<WrapRow>(result)[0];
    if (!row) return undefined;
    return { ...infoOf(row), encrypted: { keyId: row.kek_id, wrappedKey: row.wrapped_key, ciphertext: row.ciphertext } };
  }

  /** Deletes a batch of expired wraps; each one's key (null for supplied values). */
  private async purgeExpiredBatch(now: number, limit: number, trx: Knex.Transaction): Promise<Array<string | null>> {
    // As for secrets: replicas sweep at once without waiting on each other.
    const result: unknown = await trx.raw(
      `DELETE FROM wraps WHERE id IN (SELECT id FROM wraps WHERE expires_at <= ? ORDER BY expires_at LIMIT ?${this.dialect.skipLocked}) AND expires_at <= ? RETURNING key`,
      [now, limit, now],
    );
    return this.dialect.rowsOf<{ key: string | null }>(result).map((row) => row.key);
  }
}

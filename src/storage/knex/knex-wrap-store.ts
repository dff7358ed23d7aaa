/** The wraps table: the only place its SQL is written. */
import type { Knex } from 'knex';
import { isPostgres } from './connect';
import { inTransaction } from './transactions';
import type { WrapInfo, WrapRecord, WrapStore, WrapUsage } from '../../wraps/wrap-store-type';

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

/** knex.raw answers with the rows on SQLite, and with { rows } on PostgreSQL. */
function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

export class KnexWrapStore implements WrapStore {
  private readonly pg: boolean;

  constructor(private readonly knex: Knex) {
    this.pg = isPostgres(knex);
  }

  inTransaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return inTransaction(this.knex, work);
  }

  async insert(wrap: WrapRecord, trx: Knex.Transaction): Promise<void> {
    await trx('wraps').insert({
      id: wrap.id,
      token_hash: wrap.tokenHash,
      key: wrap.key,
      creator: wrap.creator,
      created_at: wrap.createdAt,
      expires_at: wrap.expiresAt,
      kek_id: wrap.sealed.keyId,
      wrapped_key: wrap.sealed.wrappedKey,
      ciphertext: wrap.sealed.ciphertext,
    });
  }

  async usageOf(creator: string, now: number, trx: Knex.Transaction): Promise<WrapUsage> {
    // On SQLite one connection writes, so creations are already serialised; on PostgreSQL replicas need the lock.
    if (this.pg) await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`wraps:${creator}`]);
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

  async take(tokenHash: string, now: number, trx: Knex.Transaction): Promise<WrapRecord | undefined> {
    const result: unknown = await trx.raw('DELETE FROM wraps WHERE token_hash = ? AND expires_at > ? RETURNING *', [tokenHash, now]);
    const row = rowsOf<WrapRow>(result)[0];
    if (!row) return undefined;
    return { ...infoOf(row), sealed: { keyId: row.kek_id, wrappedKey: row.wrapped_key, ciphertext: row.ciphertext } };
  }

  async find(tokenHash: string, now: number): Promise<WrapInfo | undefined> {
    const row = await this.knex<WrapRow>('wraps')
      .select('id', 'token_hash', 'key', 'creator', 'created_at', 'expires_at')
      .where('token_hash', tokenHash)
      .andWhere('expires_at', '>', now)
      .first();
    return row ? infoOf(row) : undefined;
  }

  async purgeExpiredBatch(now: number, limit: number, trx: Knex.Transaction): Promise<Array<string | null>> {
    // As for secrets: SKIP LOCKED lets replicas sweep at once without waiting on each other.
    const lock = this.pg ? ' FOR UPDATE SKIP LOCKED' : '';
    const result: unknown = await trx.raw(
      `DELETE FROM wraps WHERE id IN (SELECT id FROM wraps WHERE expires_at <= ? ORDER BY expires_at LIMIT ?${lock}) AND expires_at <= ? RETURNING key`,
      [now, limit, now],
    );
    return rowsOf<{ key: string | null }>(result).map((row) => row.key);
  }
}

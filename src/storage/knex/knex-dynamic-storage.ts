/** The dynamic_backends and leases tables through knex, on either database; where they differ, the dialect answers. */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { AuditEventInput } from '../../audit/audit-event';
import type { BackendSettings } from '../../dynamic/backend-kind';
import type {
  BackendRecord,
  ClaimedLease,
  DynamicStorage,
  LeaseRecord,
  LeaseTarget,
  MarkEvents,
  RevokeReason,
} from '../../dynamic/dynamic-storage';
import { stageEvents } from './audit-outbox';
import type { KnexDialect } from './knex-dialect';
import { inTransaction } from './transactions';

interface BackendRow {
  key: string;
  kind: string;
  settings: string;
  kek_id: string;
  wrapped_key: Buffer;
  ciphertext: Buffer;
  created_at: number | string;
  updated_at: number | string;
}

interface LeaseRow {
  id: string;
  backend_key: string;
  subject: string;
  jti: string | null;
  token_chain: string;
  created_at: number | string;
  expires_at: number | string;
  max_expires_at: number | string;
  revoke_at: number | string;
  revoke_reason: string | null;
  claim: string | null;
  attempts: number | string;
  last_error: string | null;
  kek_id: string;
  wrapped_key: Buffer;
  ciphertext: Buffer;
}

function backendOf(row: BackendRow): BackendRecord {
  return {
    key: row.key,
    settings: JSON.parse(row.settings) as BackendSettings,
    encrypted: { keyId: row.kek_id, wrappedKey: row.wrapped_key, ciphertext: row.ciphertext },
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function leaseOf(row: LeaseRow): LeaseRecord {
  return {
    id: row.id,
    backendKey: row.backend_key,
    subject: row.subject,
    jti: row.jti,
    tokenChain: row.token_chain.split(' ').filter((jti) => jti !== ''),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    maxExpiresAt: Number(row.max_expires_at),
    revokeAt: Number(row.revoke_at),
    revokeReason: row.revoke_reason as RevokeReason | null,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    encrypted: { keyId: row.kek_id, wrappedKey: row.wrapped_key, ciphertext: row.ciphertext },
  };
}

/** A LIKE pattern for keys under `prefix`, its own wildcards escaped. */
function underPattern(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`;
}

/** Rows whose `column` is `prefix` or a key under it; every row when it is empty. */
function whereUnder<Q extends Knex.QueryBuilder>(query: Q, column: string, prefix: string): Q {
  if (prefix === '') return query;
  return query.whereRaw(`(?? = ? OR ?? LIKE ? ESCAPE '\\')`, [column, prefix, column, underPattern(prefix)]) as Q;
}

export class KnexDynamicStorage implements DynamicStorage {
  constructor(
    private readonly knex: Knex,
    private readonly dialect: KnexDialect,
  ) {}

  putBackend(record: BackendRecord, events: readonly AuditEventInput[]): Promise<boolean> {
    return inTransaction(this.knex, async (trx) => {
      await this.dialect.beginWrite(trx);
      const columns = {
        kind: record.settings.kind,
        settings: JSON.stringify(record.settings),
        kek_id: record.encrypted.keyId,
        wrapped_key: record.encrypted.wrappedKey,
        ciphertext: record.encrypted.ciphertext,
        updated_at: record.updatedAt,
      };
      const updated = await trx('dynamic_backends').where('key', record.key).update(columns);
      if (updated === 0) await trx('dynamic_backends').insert({ ...columns, key: record.key, created_at: record.createdAt });
      await stageEvents(
        trx,
        events.map((event) => ({ ...event, outcome: updated === 0 ? 201 : 200 })),
      );
      return updated === 0;
    });
  }

  async findBackend(key: string): Promise<BackendRecord | undefined> {
    const row = await this.knex<BackendRow>('dynamic_backends').where('key', key).first();
    return row ? backendOf(row) : undefined;
  }

  deleteBackend(key: string, events: readonly AuditEventInput[]): Promise<'deleted' | 'absent' | 'leased'> {
    return inTransaction(this.knex, async (trx) => {
      await this.dialect.beginWrite(trx);
      const rows = (await this.dialect.forUpdate(trx('dynamic_backends').where('key', key).select('key'))) as unknown[];
      if (rows.length === 0) return 'absent';
      const leases = (await trx('leases').where('backend_key', key).select('id').limit(1)) as unknown[];
      if (leases.length > 0) return 'leased';
      await trx('dynamic_backends').where('key', key).delete();
      await stageEvents(trx, events);
      return 'deleted';
    });
  }

  async listBackends(prefix: string, limit: number): Promise<BackendRecord[]> {
    const rows = (await whereUnder(this.knex('dynamic_backends').select('*'), 'key', prefix).orderBy('key').limit(limit)) as BackendRow[];
    return rows.map(backendOf);
  }

  createLease(lease: LeaseRecord, events: readonly AuditEventInput[]): Promise<void> {
    return inTransaction(this.knex, async (trx) => {
      await this.dialect.beginWrite(trx);
      await trx('leases').insert({
        id: lease.id,
        backend_key: lease.backendKey,
        subject: lease.subject,
        jti: lease.jti,
        token_chain: ` ${lease.tokenChain.join(' ')} `,
        created_at: lease.createdAt,
        expires_at: lease.expiresAt,
        max_expires_at: lease.maxExpiresAt,
        revoke_at: lease.revokeAt,
        revoke_reason: lease.revokeReason,
        attempts: lease.attempts,
        last_error: lease.lastError,
        kek_id: lease.encrypted.keyId,
        wrapped_key: lease.encrypted.wrappedKey,
        ciphertext: lease.encrypted.ciphertext,
      });
      await stageEvents(trx, events);
    });
  }

  async findLease(id: string): Promise<LeaseRecord | undefined> {
    const row = await this.knex<LeaseRow>('leases').where('id', id).first();
    return row ? leaseOf(row) : undefined;
  }

  async listLeases(prefix: string, after: { backendKey: string; id: string } | undefined, limit: number): Promise<LeaseRecord[]> {
    let query = whereUnder(this.knex('leases').select('*'), 'backend_key', prefix);
    if (after) query = query.whereRaw('(backend_key > ? OR (backend_key = ? AND id > ?))', [after.backendKey, after.backendKey, after.id]);
    const rows = (await query.orderBy([{ column: 'backend_key' }, { column: 'id' }]).limit(limit)) as LeaseRow[];
    return rows.map(leaseOf);
  }

  renewLease(id: string, expiresAt: number, now: number, events: readonly AuditEventInput[]): Promise<boolean> {
    return inTransaction(this.knex, async (trx) => {
      await this.dialect.beginWrite(trx);
      const updated = await trx('leases')
        .where('id', id)
        .whereNull('revoke_reason')
        .andWhere('expires_at', '>', now)
        .update({ expires_at: expiresAt, revoke_at: expiresAt });
      if (updated > 0) await stageEvents(trx, events);
      return updated > 0;
    });
  }

  async markRevoked(
    target: LeaseTarget,
    reason: RevokeReason,
    now: number,
    events: MarkEvents,
    may: (lease: LeaseRecord) => boolean = () => true,
  ): Promise<LeaseRecord[]> {
    const live = (db: Knex) => {
      const query = db('leases').whereNull('revoke_reason').andWhere('expires_at', '>', now);
      if ('id' in target) return query.where('id', target.id);
      if ('prefix' in target) return whereUnder(query, 'backend_key', target.prefix);
      return query.whereRaw("token_chain LIKE ? ESCAPE '\\'", [`% ${target.jti.replace(/[\\%_]/g, (c) => `\\${c}`)} %`]);
    };
    // Most token revocations drew no lease: a read says so without a write (on SQLite the serving connection then writes nothing).
    if (((await live(this.knex).select('id').limit(1)) as unknown[]).length === 0) return [];
    return inTransaction(this.knex, async (trx) => {
      await this.dialect.beginWrite(trx);
      const rows = (await this.dialect.forUpdate(live(trx).select('*'))) as LeaseRow[];
      const marked = rows
        .map(leaseOf)
        .filter((lease) => !('jti' in target) || lease.tokenChain.includes(target.jti))
        .filter(may);
      for (const lease of marked) {
        await trx('leases').where('id', lease.id).update({ revoke_reason: reason, revoke_at: now });
      }
      await stageEvents(trx, marked.flatMap(events));
      return marked.map((lease) => ({ ...lease, revokeReason: reason, revokeAt: now }));
    });
  }

  async claimDue(now: number, holdMs: number, limit: number, only?: { id: string }): Promise<ClaimedLease[]> {
    // Most runs find nothing due: a read says so without a write (on SQLite the serving connection then writes nothing).
    const due = this.knex('leases').where('revoke_at', '<=', now).select('id').limit(1);
    if (only) due.andWhere('id', only.id);
    if (((await due) as unknown[]).length === 0) return [];
    return inTransaction(this.knex, async (trx) => {
      await this.dialect.beginWrite(trx);
      const claim = randomBytes(12).toString('base64url');
      const filter = only ? ' AND id = ?' : '';
      const result: unknown = await trx.raw(
        `UPDATE leases SET claim = ?, revoke_at = ? WHERE id IN (SELECT id FROM leases WHERE revoke_at <= ?${filter} ORDER BY revoke_at LIMIT ?${this.dialect.skipLocked}) AND revoke_at <= ? RETURNING *`,
        [claim, now + holdMs, now, ...(only ? [only.id] : []), limit, now],
      );
      return this.dialect.rowsOf<LeaseRow>(result).map((row) => ({ ...leaseOf(row), claim }));
    });
  }

  finishRevocation(lease: ClaimedLease, events: readonly AuditEventInput[]): Promise<boolean> {
    return inTransaction(this.knex, async (trx) => {
      await this.dialect.beginWrite(trx);
      const deleted = await trx('leases').where({ id: lease.id, claim: lease.claim }).delete();
      if (deleted > 0) await stageEvents(trx, events);
      return deleted > 0;
    });
  }

  failRevocation(lease: ClaimedLease, retryAt: number, error: string, events: readonly AuditEventInput[]): Promise<void> {
    return inTransaction(this.knex, async (trx) => {
      await this.dialect.beginWrite(trx);
      const updated = await trx('leases')
        .where({ id: lease.id, claim: lease.claim })
        .update({ claim: null, revoke_at: retryAt, attempts: lease.attempts + 1, last_error: error.slice(0, 1000) });
      if (updated > 0) await stageEvents(trx, events);
    });
  }
}

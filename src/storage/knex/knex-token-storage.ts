/** The tokens feature's tables (issued_tokens, revocations) through knex: the same SQL on SQLite and PostgreSQL. */
import type { Knex } from 'knex';
import type { AuditEventInput } from '../../audit/audit-event';
import type { KeyRange } from '../../secrets/listing-ranges';
import {
  REVOCATION_GRACE_MS,
  type IssuedPosition,
  type IssuedToken,
  type NewRevocation,
  type Revocation,
  type TokenKind,
  type TokenStorage,
} from '../../tokens/token-storage';
import { stageEvents } from './audit-outbox';
import { inTransaction } from './transactions';

interface IssuedRow {
  jti: string;
  subject: string;
  /** Null when a replica of an earlier version recorded the token during a rolling upgrade. */
  kind: TokenKind | null;
  scopes: string | null;
  ancestors: string;
  created_at: number;
  expires_at: number;
}

function rowToIssued(row: IssuedRow): IssuedToken {
  const ancestors = JSON.parse(row.ancestors) as string[];
  return {
    jti: row.jti,
    subject: row.subject,
    // As the migration fills it in: exchanged tokens have no parent.
    kind: row.kind ?? (ancestors.length === 0 ? 'exchanged' : 'derived'),
    ...(row.scopes === null ? {} : { scopes: JSON.parse(row.scopes) as string[] }),
    ancestors,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

interface RevocationRow {
  jti: string;
  expires_at: number | null;
}

function rowToRevocation(row: RevocationRow): Revocation {
  return { jti: row.jti, expiresAt: row.expires_at === null ? null : Number(row.expires_at) };
}

export class KnexTokenStorage implements TokenStorage {
  constructor(private readonly knex: Knex) {}

  recordIssued(token: IssuedToken, events: readonly AuditEventInput[]): Promise<void> {
    return inTransaction(this.knex, async (trx) => {
      await trx('issued_tokens').insert({
        jti: token.jti,
        subject: token.subject,
        kind: token.kind,
        scopes: token.scopes === undefined ? null : JSON.stringify(token.scopes),
        ancestors: JSON.stringify(token.ancestors),
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        kid: token.kid ?? null,
      });
      await stageEvents(trx, events);
    });
  }

  revoke({ jti, revokedAt, expiresAt }: NewRevocation, events: readonly AuditEventInput[]): Promise<void> {
    return inTransaction(this.knex, async (trx) => {
      await trx('revocations').insert({ jti, revoked_at: revokedAt, expires_at: expiresAt }).onConflict('jti').ignore();
      await stageEvents(trx, events);
    });
  }

  async findIssued(jti: string): Promise<IssuedToken | undefined> {
    const row = await this.knex<IssuedRow>('issued_tokens').where({ jti }).first();
    return row ? rowToIssued(row) : undefined;
  }

  async listIssued(range: KeyRange, after: IssuedPosition | undefined, now: number, limit: number): Promise<IssuedToken[]> {
    const query = this.knex<IssuedRow>('issued_tokens')
      .where('subject', '>=', range.from)
      .andWhere('subject', '<', range.to)
      .andWhere('expires_at', '>', now)
      .orderBy([{ column: 'subject' }, { column: 'jti' }])
      .limit(limit);
    if (after !== undefined) {
      query.andWhere((where) => {
        void where.where('subject', '>', after.subject).orWhere((same) => {
          void same.where('subject', after.subject).andWhere('jti', '>', after.jti);
        });
      });
    }
    return (await query).map(rowToIssued);
  }

  async revocationsInForce(now: number, afterJti: string | undefined, limit: number): Promise<Revocation[]> {
    const query = this.knex<RevocationRow>('revocations')
      .select('jti', 'expires_at')
      .where((where) => {
        void where.whereNull('expires_at').orWhere('expires_at', '>', now - REVOCATION_GRACE_MS);
      })
      .orderBy('jti')
      .limit(limit);
    if (afterJti !== undefined) query.andWhere('jti', '>', afterJti);
    return (await query).map(rowToRevocation);
  }

  async revokedSince(since: number): Promise<Revocation[]> {
    return (await this.knex<RevocationRow>('revocations').select('jti', 'expires_at').where('revoked_at', '>=', since)).map(
      rowToRevocation,
    );
  }

  async purgeExpired(now: number, limit: number): Promise<number> {
    let purged = 0;
    for (const table of ['revocations', 'issued_tokens']) {
      const doomed = this.knex(table)
        .select('jti')
        .where('expires_at', '<=', now - REVOCATION_GRACE_MS)
        .limit(limit);
      purged += await this.knex(table).whereIn('jti', doomed).delete();
    }
    return purged;
  }
}

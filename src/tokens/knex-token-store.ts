import type { Knex } from 'knex';
import type { IssuedToken, TokenStore } from './token-store-type';

interface IssuedRow {
  jti: string;
  subject: string;
  ancestors: string;
  created_at: number;
  expires_at: number;
}

function rowToIssued(row: IssuedRow): IssuedToken {
  return {
    jti: row.jti,
    subject: row.subject,
    ancestors: JSON.parse(row.ancestors) as string[],
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

export class KnexTokenStore implements TokenStore {
  constructor(private readonly knex: Knex) {}

  async recordIssued(token: IssuedToken): Promise<void> {
    await this.knex('issued_tokens').insert({
      jti: token.jti,
      subject: token.subject,
      ancestors: JSON.stringify(token.ancestors),
      created_at: token.createdAt,
      expires_at: token.expiresAt,
    });
  }

  async findIssued(jti: string): Promise<IssuedToken | undefined> {
    const row = await this.knex<IssuedRow>('issued_tokens').where({ jti }).first();
    return row ? rowToIssued(row) : undefined;
  }

  async revoke(jti: string, revokedAt: number, expiresAt: number | null): Promise<void> {
    await this.knex('revocations').insert({ jti, revoked_at: revokedAt, expires_at: expiresAt }).onConflict('jti').ignore();
  }

  async revokedJtis(now: number): Promise<string[]> {
    return this.knex('revocations')
      .where((where) => where.whereNull('expires_at').orWhere('expires_at', '>', now))
      .pluck('jti');
  }

  async purgeExpiredBatch(now: number, limit: number): Promise<number> {
    let purged = 0;
    for (const table of ['revocations', 'issued_tokens']) {
      const doomed = this.knex(table).select('jti').where('expires_at', '<=', now).limit(limit);
      purged += await this.knex(table).whereIn('jti', doomed).delete();
    }
    return purged;
  }
}

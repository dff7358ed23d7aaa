/** The signing_keys table through knex, on either database. */
import type { Knex } from 'knex';
import type { SigningKeyProvider, SigningKeyRecord, SigningKeyStorage } from '../../tokens/signing-key-storage';
import { readMeta } from './service-meta';
import { inTransaction } from './transactions';

interface SigningKeyRow {
  kid: string;
  provider: string;
  algorithm: string;
  reference: string | null;
  public_jwk: string;
  private_key: string | null;
  created_at: number | string;
  sign_from: number | string;
  superseded_at: number | string | null;
  verify_until: number | string | null;
  retired_at: number | string | null;
  retire_attempts: number;
}

/** A marker row in service_meta that only the first start's transaction can insert. */
const FIRST_KEY = 'signing_keys_first';

const optionalTime = (value: number | string | null): number | undefined => (value === null ? undefined : Number(value));

function recordOf(row: SigningKeyRow): SigningKeyRecord {
  return {
    kid: row.kid,
    provider: row.provider as SigningKeyProvider,
    algorithm: 'ES256',
    reference: row.reference ?? undefined,
    publicJwk: JSON.parse(row.public_jwk) as SigningKeyRecord['publicJwk'],
    wrappedPrivateKey: row.private_key ?? undefined,
    createdAt: Number(row.created_at),
    signFrom: Number(row.sign_from),
    supersededAt: optionalTime(row.superseded_at),
    verifyUntil: optionalTime(row.verify_until),
    retiredAt: optionalTime(row.retired_at),
    retireAttempts: row.retire_attempts,
  };
}

function rowOf(record: SigningKeyRecord): SigningKeyRow {
  return {
    kid: record.kid,
    provider: record.provider,
    algorithm: record.algorithm,
    reference: record.reference ?? null,
    public_jwk: JSON.stringify(record.publicJwk),
    private_key: record.wrappedPrivateKey ?? null,
    created_at: record.createdAt,
    sign_from: record.signFrom,
    superseded_at: record.supersededAt ?? null,
    verify_until: record.verifyUntil ?? null,
    retired_at: record.retiredAt ?? null,
    retire_attempts: record.retireAttempts,
  };
}

export class KnexSigningKeyStorage implements SigningKeyStorage {
  constructor(private readonly knex: Knex) {}

  async allSigningKeys(): Promise<SigningKeyRecord[]> {
    const rows = await this.knex<SigningKeyRow>('signing_keys')
      .select('*')
      .orderBy([{ column: 'created_at' }, { column: 'kid' }]);
    return rows.map(recordOf);
  }

  addFirstSigningKey(record: SigningKeyRecord): Promise<boolean> {
    return inTransaction(this.knex, async (trx) => {
      // A replica that loses the race waits on the winner's row, then inserts nothing.
      await trx('service_meta').insert({ name: FIRST_KEY, value: record.kid }).onConflict('name').ignore();
      if ((await readMeta(trx, FIRST_KEY)) !== record.kid) return false;
      await trx('signing_keys').insert(rowOf(record));
      return true;
    });
  }

  addNextSigningKey(record: SigningKeyRecord, verifyUntil: number): Promise<void> {
    return inTransaction(this.knex, async (trx) => {
      await trx('service_meta').insert({ name: FIRST_KEY, value: record.kid }).onConflict('name').ignore();
      // A key still signing, or due to sign later than this one, gives way to it at its sign_from.
      await trx('signing_keys')
        .whereNull('retired_at')
        .where((q) => {
          void q.whereNull('superseded_at').orWhere('superseded_at', '>', record.signFrom);
        })
        .update({ superseded_at: record.signFrom });
      await trx('signing_keys')
        .where({ superseded_at: record.signFrom })
        .whereNull('retired_at')
        .where((q) => {
          void q.whereNull('verify_until').orWhere('verify_until', '<', verifyUntil);
        })
        .update({ verify_until: verifyUntil });
      await trx('signing_keys').insert(rowOf(record));
    });
  }

  async extendSigningKey(kid: string, until: number): Promise<void> {
    await this.knex('signing_keys')
      .where({ kid })
      .where((q) => {
        void q.whereNull('verify_until').orWhere('verify_until', '<', until);
      })
      .update({ verify_until: until });
  }

  async retireSigningKey(kid: string, at: number): Promise<void> {
    await this.knex('signing_keys').where({ kid }).update({ retired_at: at, private_key: null });
  }

  async liveTokensByKid(now: number): Promise<Map<string, number>> {
    const rows = await this.knex<{ kid: string; n: number | string }>('issued_tokens')
      .select('kid')
      .count({ n: '*' })
      .whereNotNull('kid')
      .where('expires_at', '>', now)
      .groupBy('kid');
    return new Map(rows.map((row) => [row.kid, Number(row.n)]));
  }

  async countRetireAttempt(kid: string): Promise<void> {
    await this.knex('signing_keys').where({ kid }).increment('retire_attempts', 1);
  }
}

/** Key rotation's storage through knex, on either database: which values each key wraps, and re-wrapping them batch by batch. */
import type { Knex } from 'knex';
import type { KeyRotationStorage, WrappedVersion } from '../../keyring/key-rotation';
import type { EncryptedValue } from '../../crypto/envelope';
import { deleteMeta, readMetaIfPresent, upsertMeta } from './service-meta';
import { parseEncrypted, serializeEncrypted } from '../../tokens/keyring-signing-keys';

const ROTATION_STATE = 'key_rotation';

interface VersionRow {
  key: string;
  version: number | string;
  kek_id: string;
  wrapped_key: Buffer;
  ciphertext: Buffer;
}

export class KnexKeyRotationStorage implements KeyRotationStorage {
  constructor(private readonly knex: Knex) {}

  /**
   * How many encrypted values each key wraps: secret versions, and the wraps not
   * yet unwrapped (rotation leaves those, which end within their ttl, but a
   * key must not be retired under them).
   */
  async countByKeyId(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const table of ['secret_versions', 'wraps', 'dynamic_backends', 'leases']) {
      if (table !== 'secret_versions' && !(await this.knex.schema.hasTable(table))) continue;
      const rows: Array<{ kek_id: string; n: number | string }> = await this.knex(table)
        .select('kek_id')
        .count({ n: '*' })
        .groupBy('kek_id');
      for (const row of rows) counts.set(row.kek_id, (counts.get(row.kek_id) ?? 0) + Number(row.n));
    }
    return counts;
  }

  async wrappedSigningKeys(): Promise<Array<{ kid: string; encrypted: EncryptedValue }>> {
    const rows = await this.knex<{ kid: string; private_key: string }>('signing_keys')
      .select('kid', 'private_key')
      .whereNotNull('private_key')
      .orderBy([{ column: 'created_at' }, { column: 'kid' }]);
    return rows.map((row) => ({ kid: row.kid, encrypted: parseEncrypted(row.private_key) }));
  }

  async replaceWrappedSigningKey(kid: string, previousKeyId: string, encrypted: EncryptedValue): Promise<void> {
    await this.knex.transaction(async (trx) => {
      const row = await trx('signing_keys').where({ kid }).first<{ private_key: string | null } | undefined>('private_key');
      if (row?.private_key == null || parseEncrypted(row.private_key).keyId !== previousKeyId) return;
      await trx('signing_keys')
        .where({ kid })
        .update({ private_key: serializeEncrypted(encrypted) });
    });
  }

  async wrappedBackendPasswords(): Promise<Array<{ key: string; encrypted: EncryptedValue }>> {
    if (!(await this.knex.schema.hasTable('dynamic_backends'))) return [];
    const rows = await this.knex<{ key: string; kek_id: string; wrapped_key: Buffer; ciphertext: Buffer }>('dynamic_backends')
      .select('key', 'kek_id', 'wrapped_key', 'ciphertext')
      .orderBy('key');
    return rows.map((row) => ({ key: row.key, encrypted: { keyId: row.kek_id, wrappedKey: row.wrapped_key, ciphertext: row.ciphertext } }));
  }

  async replaceWrappedBackendPassword(key: string, previousKeyId: string, encrypted: EncryptedValue): Promise<void> {
    await this.knex('dynamic_backends')
      .where({ key, kek_id: previousKeyId })
      .update({ kek_id: encrypted.keyId, wrapped_key: encrypted.wrappedKey });
  }

  /** Versions not wrapped by `keyId`, after the cursor, in (key, version) order. */
  async notWrappedBy(keyId: string, after: { key: string; version: number } | undefined, limit: number): Promise<WrappedVersion[]> {
    const query = this.knex<VersionRow>('secret_versions')
      .select('key', 'version', 'kek_id', 'wrapped_key', 'ciphertext')
      .whereNot('kek_id', keyId)
      .orderBy([{ column: 'key' }, { column: 'version' }])
      .limit(limit);
    if (after) {
      void query.andWhere((where) => {
        void where.where('key', '>', after.key).orWhere((same) => {
          void same.where('key', after.key).andWhere('version', '>', after.version);
        });
      });
    }
    const rows = (await query) as VersionRow[];
    return rows.map((row) => ({
      key: row.key,
      version: Number(row.version),
      encrypted: { keyId: row.kek_id, wrappedKey: row.wrapped_key, ciphertext: row.ciphertext },
    }));
  }

  /** Replaces wrapped data keys, each only if it is still wrapped by the key it was read with. */
  async replaceWrapped(
    updates: ReadonlyArray<{ key: string; version: number; previousKeyId: string; encrypted: EncryptedValue }>,
  ): Promise<void> {
    await this.knex.transaction(async (trx) => {
      for (const update of updates) {
        await trx('secret_versions')
          .where({ key: update.key, version: update.version, kek_id: update.previousKeyId })
          .update({ kek_id: update.encrypted.keyId, wrapped_key: update.encrypted.wrappedKey });
      }
    });
  }

  /** The key a rotation that has not finished was moving rows to. */
  async unfinishedRotation(): Promise<string | undefined> {
    return readMetaIfPresent(this.knex, ROTATION_STATE);
  }

  async beginRotation(targetKeyId: string): Promise<void> {
    await upsertMeta(this.knex, ROTATION_STATE, targetKeyId);
  }

  async finishRotation(): Promise<void> {
    await deleteMeta(this.knex, ROTATION_STATE);
  }
}

/** Where the choice of backend is made, once: SECRETS_DB names SQLite or PostgreSQL. */
import type { Logger } from 'pino';
import type { AuditChain } from '../audit/audit-chain';
import type { DatabaseConfig } from '../config';
import { ConfigError } from '../config-error';
import { connectDatabase } from './knex/connect';
import { KnexAuditTables } from './knex/knex-audit-tables';
import { KnexKeyRotationStorage } from './knex/knex-key-rotation-storage';
import { KnexSigningKeyStorage } from './knex/knex-signing-key-storage';
import { isMigrated, migrateToLatest } from './knex/migrations';
import { openPostgresStorage } from './postgres/postgres-storage';
import { openSqliteStorage } from './sqlite/sqlite-storage';
import type { Storage } from './storage';
import type { StorageAdmin } from './storage-admin';

/** Storage for serving, on a migrated database. */
export function openStorage(db: DatabaseConfig, chain: AuditChain, auditKey: Uint8Array, logger: Logger): Promise<Storage> {
  if (db.client === 'pg') return openPostgresStorage(db, chain);
  // Serving needs a file that a second connection, the write thread's, can open too.
  if (db.filename === ':memory:') throw new ConfigError('SECRETS_DB', 'an in-memory SQLite database cannot be served: name a file');
  return openSqliteStorage(db.filename, chain, auditKey, logger);
}

/** Storage for the commands that run on the server host; the SQL they run is the same on both databases. */
export function openStorageAdmin(db: DatabaseConfig): StorageAdmin {
  const knex = connectDatabase(db);
  return {
    hasOurTables: () => knex.schema.hasTable('knex_migrations'),
    isMigrated: () => isMigrated(knex),
    migrate: () => migrateToLatest(knex),
    keyRotation: new KnexKeyRotationStorage(knex),
    signingKeys: new KnexSigningKeyStorage(knex),
    auditChain: (chain) => new KnexAuditTables(knex, chain),
    close: () => knex.destroy(),
  };
}

/**
 * What the server-host commands (migrate, sweep, keys, audit verify, token
 * create) need to find before they touch anything. Only serve's first start
 * and `migrate --create` make a database, a keyring or a signing key:
 * run elsewhere by mistake, the others refuse with one line naming what is
 * missing rather than create an empty installation beside the real one.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config, DatabaseConfig } from '../config';
import { databaseFileExists, describeDatabase } from '../storage/database-location';
import type { StorageAdmin } from '../storage/storage-admin';
export class MissingInstallation extends Error {}

const ON_THE_SERVER_HOST = 'run this on the server host, where serve runs, with its environment';

/** Refuses before connecting when the SQLite database file is not there. */
export function requireDatabaseFile(db: DatabaseConfig, remedy = ON_THE_SERVER_HOST): void {
  if (!databaseFileExists(db)) throw new MissingInstallation(`no database at ${describeDatabase(db)} (set SECRETS_DB, or ${remedy})`);
}

/** Refuses unless the database is there and fully migrated. */
export async function requireMigratedDatabase(db: DatabaseConfig, storage: StorageAdmin): Promise<void> {
  if (!(await storage.hasOurTables())) {
    throw new MissingInstallation(`the database at ${describeDatabase(db)} holds no scoped-secrets tables (${ON_THE_SERVER_HOST})`);
  }
  if (!(await storage.isMigrated())) {
    throw new MissingInstallation(
      `the database at ${describeDatabase(db)} needs migrations this version brings: run scoped-secrets migrate`,
    );
  }
}

export function requireKeyringFile(config: Config): void {
  if (!fs.existsSync(config.keyringFile)) {
    throw new MissingInstallation(`no keyring at ${config.keyringFile} (set SECRETS_KEYRING_FILE, or ${ON_THE_SERVER_HOST})`);
  }
}

/** A keyring may be created only where its folder exists, or in the data folder a first start makes. */
export function mayCreateKeyringFolder(config: Config): boolean {
  const folder = path.resolve(path.dirname(config.keyringFile));
  return fs.existsSync(folder) || folder === path.resolve(config.dataDir);
}

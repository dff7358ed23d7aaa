/**
 * What the server-host commands (migrate, sweep, keys, audit verify, token
 * create) need to find before they touch anything. Only serve's first start
 * and `migrate --create` make a database, a keyring or a signing secret:
 * run elsewhere by mistake, the others refuse with one line naming what is
 * missing rather than create an empty installation beside the real one.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Config, DatabaseConfig } from '../config';

export class MissingInstallation extends Error {}

const ON_THE_SERVER_HOST = 'run this on the server host, where serve runs, with its environment';

/** Where the database is, for a message: a SQLite path, or a PostgreSQL host and database without credentials. */
export function describeDatabase(db: DatabaseConfig): string {
  if (db.client === 'sqlite') return db.filename;
  try {
    const url = new URL(db.connectionString);
    return `postgres://${url.host}${url.pathname}`;
  } catch {
    return 'the PostgreSQL database in SECRETS_DB';
  }
}

/** False only for a SQLite file that does not exist; a PostgreSQL database is asked once connected. */
export function databaseFileExists(db: DatabaseConfig): boolean {
  return db.client !== 'sqlite' || db.filename === ':memory:' || fs.existsSync(db.filename);
}

/** Refuses before connecting when the SQLite database file is not there. */
export function requireDatabaseFile(db: DatabaseConfig, remedy = ON_THE_SERVER_HOST): void {
  if (!databaseFileExists(db)) throw new MissingInstallation(`no database at ${describeDatabase(db)} (set SECRETS_DB, or ${remedy})`);
}

/** True when the database holds our tables at all (even if a migration is pending). */
export function hasOurTables(knex: Knex): Promise<boolean> {
  return knex.schema.hasTable('knex_migrations');
}

/** Refuses unless the database is there and fully migrated. */
export async function requireMigratedDatabase(db: DatabaseConfig, knex: Knex): Promise<void> {
  if (!(await hasOurTables(knex))) {
    throw new MissingInstallation(`the database at ${describeDatabase(db)} holds no scoped-secrets tables (${ON_THE_SERVER_HOST})`);
  }
  // Loaded here: every migration comes with it, and the command line imports this module for its error class.
  const { isMigrated } = await import('../storage/knex/migrations');
  if (!(await isMigrated(knex))) {
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

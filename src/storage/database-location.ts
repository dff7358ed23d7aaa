/** Where the configured database is, for messages and for the files the service keeps beside it. */
import fs from 'node:fs';
import type { DatabaseConfig } from '../config';

/** The SQLite database file, when the database is one. */
export function databaseFile(db: DatabaseConfig): string | undefined {
  return db.client === 'sqlite' && db.filename !== ':memory:' ? db.filename : undefined;
}

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
  const file = databaseFile(db);
  return file === undefined || fs.existsSync(file);
}

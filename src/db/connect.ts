import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { types as pgTypes } from 'pg';
import type { DatabaseConfig } from '../config';

const PG_INT8 = 20;

/**
 * SQLite: WAL with synchronous=FULL, so an acknowledged write survives a
 * crash of the process or the machine. PostgreSQL: int8 columns (our
 * millisecond timestamps) come back as numbers, and a connection attempt
 * gives up after a bounded time instead of hanging a request.
 */
export function connectDatabase(db: DatabaseConfig, options: { walCheckpoints?: boolean } = {}): Knex {
  if (db.client === 'sqlite') {
    // A WAL checkpoint runs inside the commit that crosses the threshold: on the event loop, a stall of
    // milliseconds. Serving leaves checkpoints to the writer thread's connection.
    const walCheckpoints = options.walCheckpoints ?? true;
    if (db.filename !== ':memory:') createPrivately(db.filename);
    return knexFactory({
      client: 'better-sqlite3',
      connection: { filename: db.filename },
      useNullAsDefault: true,
      pool: {
        afterCreate(connection: { pragma(sql: string): unknown }, done: (error: Error | null) => void) {
          connection.pragma('journal_mode = WAL');
          connection.pragma('synchronous = FULL');
          connection.pragma('busy_timeout = 5000');
          connection.pragma('foreign_keys = ON');
          if (!walCheckpoints) connection.pragma('wal_autocheckpoint = 0');
          done(null);
        },
      },
    });
  }
  return knexFactory({
    client: 'pg',
    connection: {
      connectionString: db.connectionString,
      connectionTimeoutMillis: 3000,
      types: {
        getTypeParser: (oid: number, format: string) =>
          oid === PG_INT8 ? Number : (pgTypes.getTypeParser(oid, format as 'text') as (value: string) => unknown),
      },
    },
    pool: { min: 0, max: 10 },
    acquireConnectionTimeout: 5000,
  });
}

/**
 * Creates the database file 0600 before SQLite opens it (SQLite gives its
 * WAL and shared-memory files the database file's mode), and takes group
 * and other access away from files an earlier version left readable.
 */
function createPrivately(filename: string): void {
  fs.mkdirSync(path.dirname(filename), { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(filename, 'a', 0o600));
  for (const file of [filename, `${filename}-wal`, `${filename}-shm`, `${filename}-journal`]) {
    try {
      if (fs.statSync(file).mode & 0o077) fs.chmodSync(file, 0o600);
    } catch {
      // Not there: SQLite creates it with the database file's mode.
    }
  }
}

export function isPostgres(knex: Knex): boolean {
  return (knex.client as { config: { client?: unknown } }).config.client === 'pg';
}

import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { types as pgTypes } from 'pg';
import type { DatabaseConfig } from '../../config';

const PG_INT8 = 20;
/** Idle time before TCP keepalive probes a pooled connection. */
const KEEPALIVE_IDLE_MS = 10_000;

export interface ConnectOptions {
  /** SQLite: whether this connection checkpoints the WAL (serving leaves it to the write thread). */
  readonly walCheckpoints?: boolean;
  /**
   * PostgreSQL: whether every statement is held to the timeout too. Serving
   * is; migrations, `audit verify` and the other one-off commands, whose
   * statements may rightly run long, are not.
   */
  readonly boundedStatements?: boolean;
}

/**
 * SQLite: WAL with synchronous=FULL, so an acknowledged write survives a
 * crash of the process or the machine. PostgreSQL: int8 columns (our
 * millisecond timestamps) come back as numbers, and nothing waits on the
 * database for longer than SECRETS_DB_TIMEOUT: a connection attempt
 * (connectionTimeoutMillis), a wait for a pooled connection (the acquire
 * timeout), and, when serving, a statement (query_timeout on the client,
 * for a database that does not answer at all, as behind a partition;
 * statement_timeout on the server, for one that is slow or waits on a
 * lock). An open transaction that goes idle, as one of a replica cut off
 * mid-way, is ended by the server after twice the timeout, so its row
 * locks do not hold up the other replicas. TCP keepalive finds dead idle
 * connections, and a connection whose statement timed out is not reused.
 */
export function connectDatabase(db: DatabaseConfig, options: ConnectOptions = {}): Knex {
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
  const bounded = options.boundedStatements === true;
  return knexFactory({
    client: 'pg',
    connection: {
      connectionString: db.connectionString,
      connectionTimeoutMillis: db.timeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS,
      ...(bounded
        ? { query_timeout: db.timeoutMs, statement_timeout: db.timeoutMs, idle_in_transaction_session_timeout: 2 * db.timeoutMs }
        : {}),
      types: {
        getTypeParser: (oid: number, format: string) =>
          oid === PG_INT8 ? Number : (pgTypes.getTypeParser(oid, format as 'text') as (value: string) => unknown),
      },
    },
    pool: {
      min: 0,
      max: 10,
      afterCreate(connection: PgConnection, done: (error: Error | null, connection: PgConnection) => void) {
        noteTimeouts(connection);
        done(null, connection);
      },
      // A client whose statement timed out still has it in flight: later statements would queue behind it.
      validate: (connection: PgConnection) => !timedOut.has(connection),
    },
    acquireConnectionTimeout: db.timeoutMs,
  });
}

interface PgConnection {
  query(...args: unknown[]): unknown;
}

/** Connections that gave up waiting for a statement's answer (node-postgres' query_timeout): never handed out again. */
const timedOut = new WeakSet<PgConnection>();

/** Notes, from the answers to its statements, when one of a connection's statements timed out. */
function noteTimeouts(connection: PgConnection): void {
  const query = connection.query.bind(connection);
  connection.query = (...args: unknown[]) => {
    const callback = args[args.length - 1];
    if (typeof callback !== 'function') return query(...args);
    const answered = (error: Error | null, result: unknown) => {
      if (error?.message === 'Query read timeout') timedOut.add(connection);
      (callback as (error: Error | null, result: unknown) => void)(error, result);
    };
    return query(...args.slice(0, -1), answered);
  };
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

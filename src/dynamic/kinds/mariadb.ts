/**
 * MariaDB (and MySQL): a user with the grants the creation statements
 * give. MariaDB has no expiry for an account, so revocation is what ends
 * it: the account is locked first (no new connection), its connections
 * are killed, then the revocation statements (by default, DROP USER) run.
 */
import mysql from 'mysql2/promise';
import { InvalidRequest } from '../../errors';
import { backendFailure, type Backend, type BackendKind, type BackendSettings, type Credential } from '../backend-kind';
import { checkTemplates, renderTemplate } from '../credential-names';
import { CONNECT_TIMEOUT_MS, requireDatabase, STATEMENT_TIMEOUT_MS } from './kind-settings';

export const MARIADB_CREATION = ["CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'"];
export const MARIADB_REVOCATION = ["DROP USER IF EXISTS '{{name}}'@'%'"];

async function withAdmin<T>(
  backend: Backend,
  what: string,
  passwords: readonly string[],
  work: (db: mysql.Connection) => Promise<T>,
): Promise<T> {
  const { connection } = backend.settings;
  let db: mysql.Connection | undefined;
  try {
    db = await mysql.createConnection({
      host: connection.host,
      port: connection.port,
      user: connection.username,
      password: backend.adminPassword,
      database: connection.database,
      connectTimeout: CONNECT_TIMEOUT_MS,
      multipleStatements: false,
    });
    // A server that goes away mid-call must not crash the process: the call's own promise carries the failure.
    db.on('error', () => undefined);
    return await work(db);
  } catch (error) {
    throw backendFailure(error, what, [backend.adminPassword, ...passwords]);
  } finally {
    await db?.end().catch(() => undefined);
  }
}

async function runStatements(db: mysql.Connection, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await db.query({ sql: statement, timeout: STATEMENT_TIMEOUT_MS });
}

export const mariadbKind: BackendKind = {
  complete(settings: BackendSettings): BackendSettings {
    requireDatabase(settings);
    for (const field of ['aclRules', 'permissions', 'tags', 'renewStatements'] as const)
      if (settings[field] !== undefined) throw new InvalidRequest(`${field} is for another kind of backend, not mariadb`);
    const completed = {
      ...settings,
      creationStatements: settings.creationStatements ?? MARIADB_CREATION,
      revocationStatements: settings.revocationStatements ?? MARIADB_REVOCATION,
    };
    checkTemplates('creationStatements', completed.creationStatements, ['name', 'password']);
    checkTemplates('revocationStatements', completed.revocationStatements, ['name']);
    return completed;
  },

  async create(backend: Backend, credential: Credential): Promise<void> {
    const statements = (backend.settings.creationStatements ?? MARIADB_CREATION).map((t) =>
      renderTemplate(t, { name: credential.username, password: credential.password }),
    );
    await withAdmin(backend, 'creating the credential', [credential.password], async (db) => {
      try {
        await runStatements(db, statements);
      } catch (error) {
        // A statement after CREATE USER failed: the half-made user must not stay behind.
        await db.query("DROP USER IF EXISTS ?@'%'", [credential.username]).catch(() => undefined);
        throw error;
      }
    });
  },

  // MariaDB's accounts have no expiry of their own: the lease's is the only one.
  async renew(): Promise<void> {},

  async revoke(backend: Backend, username: string): Promise<void> {
    const statements = (backend.settings.revocationStatements ?? MARIADB_REVOCATION).map((t) => renderTemplate(t, { name: username }));
    await withAdmin(backend, 'revoking the credential', [], async (db) => {
      await db.query("ALTER USER IF EXISTS ?@'%' ACCOUNT LOCK", [username]);
      const [rows] = await db.query('SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?', [username]);
      for (const row of rows as Array<{ ID: number }>) {
        // A connection that ended on its own meanwhile is no failure.
        await db.query('KILL CONNECTION ?', [row.ID]).catch((error: { code?: string }) => {
          if (error.code !== 'ER_NO_SUCH_THREAD') throw error;
        });
      }
      await runStatements(db, statements);
    });
  },

  url(backend: Backend, credential: Credential): string {
    const { host, port, database } = backend.settings.connection;
    return `mysql://${credential.username}:${credential.password}@${host}:${port}/${encodeURIComponent(database ?? '')}`;
  },
};

/**
 * PostgreSQL: a login role with `VALID UNTIL` the lease's expiry, so that
 * the server itself refuses it once the lease is over, whatever happens
 * to the revocation. Revocation stops new logins, ends the role's
 * sessions, then runs the revocation statements (by default: take the
 * role's membership, drop what it owns and the role).
 */
import pg from 'pg';
import { InvalidRequest } from '../../errors';
import { backendFailure, type Backend, type BackendKind, type BackendSettings, type Credential } from '../backend-kind';
import { checkTemplates, renderTemplate, sqlTimestamp } from '../credential-names';
import { requireDatabase, CONNECT_TIMEOUT_MS, STATEMENT_TIMEOUT_MS } from './kind-settings';

export const POSTGRESQL_CREATION = [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`];
export const POSTGRESQL_REVOCATION = ['GRANT "{{name}}" TO CURRENT_USER', 'DROP OWNED BY "{{name}}"', 'DROP ROLE IF EXISTS "{{name}}"'];
export const POSTGRESQL_RENEWAL = [`ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}'`];

async function withAdmin<T>(
  backend: Backend,
  what: string,
  passwords: readonly string[],
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const { connection } = backend.settings;
  const client = new pg.Client({
    host: connection.host,
    port: connection.port,
    user: connection.username,
    password: backend.adminPassword,
    database: connection.database,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS + 1000,
    application_name: 'scoped-secrets',
  });
  // A server that goes away mid-call must not crash the process: the call's own promise carries the failure.
  client.on('error', () => undefined);
  const all = [backend.adminPassword, ...passwords];
  try {
    await client.connect();
    return await work(client);
  } catch (error) {
    throw backendFailure(error, what, all);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function runStatements(client: pg.Client, statements: readonly string[]): Promise<void> {
  await client.query('BEGIN');
  try {
    // Two GRANTs or REVOKEs on one object at once fail ("tuple concurrently updated"): this service's own take turns.
    await client.query("SELECT pg_advisory_xact_lock(hashtext('scoped-secrets dynamic credentials'))");
    for (const statement of statements) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

export const postgresqlKind: BackendKind = {
  complete(settings: BackendSettings): BackendSettings {
    requireDatabase(settings);
    for (const field of ['aclRules', 'permissions', 'tags'] as const)
      if (settings[field] !== undefined) throw new InvalidRequest(`${field} is for another kind of backend, not postgresql`);
    const completed = {
      ...settings,
      creationStatements: settings.creationStatements ?? POSTGRESQL_CREATION,
      revocationStatements: settings.revocationStatements ?? POSTGRESQL_REVOCATION,
      renewStatements: settings.renewStatements ?? POSTGRESQL_RENEWAL,
    };
    checkTemplates('creationStatements', completed.creationStatements, ['name', 'password']);
    checkTemplates('revocationStatements', completed.revocationStatements, ['name']);
    checkTemplates('renewStatements', completed.renewStatements, ['name']);
    return completed;
  },

  async create(backend: Backend, credential: Credential): Promise<void> {
    const values = { name: credential.username, password: credential.password, expiration: sqlTimestamp(credential.expiresAt) };
    const statements = (backend.settings.creationStatements ?? POSTGRESQL_CREATION).map((t) => renderTemplate(t, values));
    await withAdmin(backend, 'creating the credential', [credential.password], (client) => runStatements(client, statements));
  },

  async renew(backend: Backend, credential: Omit<Credential, 'password'>): Promise<void> {
    const values = { name: credential.username, expiration: sqlTimestamp(credential.expiresAt) };
    const statements = (backend.settings.renewStatements ?? POSTGRESQL_RENEWAL).map((t) => renderTemplate(t, values));
    await withAdmin(backend, 'extending the credential', [], (client) => runStatements(client, statements));
  },

  async revoke(backend: Backend, username: string): Promise<void> {
    const statements = (backend.settings.revocationStatements ?? POSTGRESQL_REVOCATION).map((t) => renderTemplate(t, { name: username }));
    await withAdmin(backend, 'revoking the credential', [], async (client) => {
      const found = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username]);
      if (found.rowCount === 0) return;
      // No new session from here on; then the ones open are ended, so none outlives the revocation.
      await client.query(`ALTER ROLE ${client.escapeIdentifier(username)} NOLOGIN`);
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [username]);
      await runStatements(client, statements);
    });
  },

  url(backend: Backend, credential: Credential): string {
    const { host, port, database } = backend.settings.connection;
    return `postgresql://${credential.username}:${credential.password}@${host}:${port}/${encodeURIComponent(database ?? '')}`;
  },
};

/**
 * The real servers on this machine as dynamic backends: for each kind, an
 * administrative account with the least privilege the guides name, made
 * with the server's own superuser, and what a test asks the server itself
 * (does the user exist, how many sessions does it hold).
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createClient } from 'redis';
import { GRANTED, type KindName } from './lease-clients';

export const DYNAMIC_TEST_DATABASE = 'dynamic_backend_test';
const ADMIN = 'ss_test_admin';
const RABBIT_API = 'http://127.0.0.1:15672/api';
const GUEST = { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}`, 'content-type': 'application/json' };

export interface KindServer {
  readonly kind: KindName;
  /** The port the service reaches the server on; a test may put a relay in between. */
  readonly port: number;
  /** Makes the administrative account and what credentials are granted; the backend's body, its password included. */
  setUp(port?: number): Promise<Record<string, unknown>>;
  exists(username: string): Promise<boolean>;
  sessions(username: string): Promise<number>;
  /** The administrative account's password, to search for where it must not be. */
  readonly adminPassword: string;
}

async function withPostgres<T>(database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function withMariadb<T>(work: (db: mysql.Connection) => Promise<T>): Promise<T> {
  const db = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

async function withRedis<T>(work: (client: ReturnType<typeof createClient>) => Promise<T>): Promise<T> {
  const client = createClient({ socket: { host: '127.0.0.1', port: 6379, reconnectStrategy: false } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    client.destroy();
  }
}

async function rabbit(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${RABBIT_API}${path}`, { method, headers: GUEST, body: body === undefined ? undefined : JSON.stringify(body) });
}

export function kindServer(kind: KindName): KindServer {
  const adminPassword = `admin-${randomBytes(12).toString('hex')}`;
  switch (kind) {
    case 'postgresql':
      return {
        kind,
        port: 5432,
        adminPassword,
        async setUp(port = 5432) {
          await withPostgres('postgres', async (client) => {
            const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DYNAMIC_TEST_DATABASE]);
            if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DYNAMIC_TEST_DATABASE}`);
          });
          await withPostgres(DYNAMIC_TEST_DATABASE, async (client) => {
            await client.query(`DROP TABLE IF EXISTS ${GRANTED.table}`);
            await client.query(`CREATE TABLE ${GRANTED.table} (name text)`);
            await client.query(`INSERT INTO ${GRANTED.table} VALUES ('item')`);
            await client.query(`DROP TABLE IF EXISTS lease_revocations`);
            await client.query(`CREATE TABLE lease_revocations (name text NOT NULL, at timestamptz NOT NULL DEFAULT now())`);
            await client.query(`DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ADMIN}') THEN
              EXECUTE 'DROP OWNED BY ${ADMIN}'; EXECUTE 'DROP ROLE ${ADMIN}'; END IF; END $$`);
            await client.query(`CREATE ROLE ${ADMIN} WITH LOGIN CREATEROLE PASSWORD '${adminPassword}'`);
            await client.query(`GRANT pg_signal_backend TO ${ADMIN}`);
            await client.query(`GRANT SELECT ON ${GRANTED.table} TO ${ADMIN} WITH GRANT OPTION`);
            await client.query(`GRANT INSERT ON lease_revocations TO ${ADMIN}`);
          });
          return {
            kind,
            connection: { host: '127.0.0.1', port, database: DYNAMIC_TEST_DATABASE, username: ADMIN, password: adminPassword },
            creationStatements: [
              `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`,
              `GRANT SELECT ON ${GRANTED.table} TO "{{name}}"`,
            ],
          };
        },
        exists: (username) =>
          withPostgres(
            DYNAMIC_TEST_DATABASE,
            async (client) => (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username])).rowCount === 1,
          ),
        sessions: (username) =>
          withPostgres(DYNAMIC_TEST_DATABASE, async (client) =>
            Number(
              (await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE usename = $1', [username])).rows[0]?.n,
            ),
          ),
      };
    case 'mariadb':
      return {
        kind,
        port: 3306,
        adminPassword,
        async setUp(port = 3306) {
          await withMariadb(async (db) => {
            await db.query(`CREATE DATABASE IF NOT EXISTS ${DYNAMIC_TEST_DATABASE}`);
            await db.query(`DROP TABLE IF EXISTS ${DYNAMIC_TEST_DATABASE}.${GRANTED.table}`);
            await db.query(`CREATE TABLE ${DYNAMIC_TEST_DATABASE}.${GRANTED.table} (name VARCHAR(32))`);
            await db.query(`INSERT INTO ${DYNAMIC_TEST_DATABASE}.${GRANTED.table} VALUES ('item')`);
            await db.query(`DROP USER IF EXISTS '${ADMIN}'@'%'`);
            await db.query(`CREATE USER '${ADMIN}'@'%' IDENTIFIED BY '${adminPassword}'`);
            await db.query(`GRANT CREATE USER, PROCESS, CONNECTION ADMIN ON *.* TO '${ADMIN}'@'%'`);
            await db.query(`GRANT SELECT ON ${DYNAMIC_TEST_DATABASE}.* TO '${ADMIN}'@'%' WITH GRANT OPTION`);
          });
          return {
            kind,
            connection: { host: '127.0.0.1', port, database: DYNAMIC_TEST_DATABASE, username: ADMIN, password: adminPassword },
            creationStatements: [
              "CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'",
              `GRANT SELECT ON ${DYNAMIC_TEST_DATABASE}.${GRANTED.table} TO '{{name}}'@'%'`,
            ],
          };
        },
        exists: (username) =>
          withMariadb(async (db) => ((await db.query('SELECT 1 FROM mysql.user WHERE User = ?', [username]))[0] as unknown[]).length > 0),
        sessions: (username) =>
          withMariadb(
            async (db) =>
              ((await db.query('SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?', [username]))[0] as unknown[]).length,
          ),
      };
    case 'redis':
      return {
        kind,
        port: 6379,
        adminPassword,
        async setUp(port = 6379) {
          await withRedis(async (client) => {
            await client.set(GRANTED.redisKey, 'item');
            await client.sendCommand([
              'ACL',
              'SETUSER',
              ADMIN,
              'reset',
              'on',
              `>${adminPassword}`,
              '~*',
              '&*',
              '+acl|setuser',
              '+acl|deluser',
              '+acl|getuser',
              '+client|kill',
            ]);
          });
          return { kind, connection: { host: '127.0.0.1', port, username: ADMIN, password: adminPassword } };
        },
        exists: (username) => withRedis(async (client) => (await client.sendCommand(['ACL', 'GETUSER', username])) !== null),
        sessions: (username) =>
          withRedis(async (client) => {
            const list = (await client.sendCommand<Buffer | string>(['CLIENT', 'LIST'])).toString();
            return list.split('\n').filter((line) => line.includes(` user=${username} `)).length;
          }),
      };
    case 'rabbitmq':
      return {
        kind,
        port: 15672,
        adminPassword,
        async setUp(port = 15672) {
          await rabbit('PUT', `/users/${ADMIN}`, { password: adminPassword, tags: 'administrator' });
          await rabbit('PUT', `/permissions/%2F/${ADMIN}`, { configure: '.*', write: '.*', read: '.*' });
          return {
            kind,
            connection: { host: '127.0.0.1', port, username: ADMIN, password: adminPassword },
            permissions: { configure: '^ci\\.lease\\.', write: '^(ci\\.lease\\..*|amq\\.default)$', read: '^ci\\.lease\\.' },
          };
        },
        exists: async (username) => (await rabbit('GET', `/users/${encodeURIComponent(username)}`)).status === 200,
        sessions: async (username) => {
          const connections = (await (await rabbit('GET', '/connections?columns=name,user')).json()) as Array<{ user: string }>;
          return connections.filter((c) => c.user === username).length;
        },
      };
  }
}

/**
 * The databases a test runs against: a fresh SQLite file, and a fresh
 * PostgreSQL database on the local server. Outside CI an unreachable
 * PostgreSQL skips its tests with the reason; with CI=true it fails them.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe } from 'node:test';
import knexFactory from 'knex';

export const PG_ADMIN_URL = process.env.SECRETS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  readonly name: 'sqlite' | 'postgres';
  /** A SECRETS_DB value. */
  readonly url: string;
  drop(): Promise<void>;
}

export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  /** false, or why this dialect's tests are skipped. */
  readonly skip: false | string;
  create(): Promise<TestDatabase>;
}

export function tempDir(prefix = 'scoped-secrets-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const sqlite: Dialect = {
  name: 'sqlite',
  skip: false,
  async create() {
    const dir = tempDir();
    return {
      name: 'sqlite',
      url: `sqlite:${path.join(dir, 'secrets.db')}`,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  },
};

async function postgresReachable(): Promise<boolean> {
  const admin = knexFactory({ client: 'pg', connection: { connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 } });
  try {
    await admin.raw('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await admin.destroy();
  }
}

function postgres(skip: false | string): Dialect {
  return {
    name: 'postgres',
    skip,
    async create() {
      const name = `ss_test_${process.pid}_${randomBytes(4).toString('hex')}`;
      const admin = knexFactory({ client: 'pg', connection: PG_ADMIN_URL });
      try {
        await admin.raw(`CREATE DATABASE ${name}`);
      } finally {
        await admin.destroy();
      }
      const url = new URL(PG_ADMIN_URL);
      url.pathname = `/${name}`;
      return {
        name: 'postgres',
        url: url.toString(),
        async drop() {
          const cleaner = knexFactory({ client: 'pg', connection: PG_ADMIN_URL });
          try {
            await cleaner.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          } finally {
            await cleaner.destroy();
          }
        },
      };
    },
  };
}

/** SQLite always; PostgreSQL when reachable, and always under CI=true. */
export async function dialects(): Promise<Dialect[]> {
  if (process.env.CI === 'true' || (await postgresReachable())) return [sqlite, postgres(false)];
  return [sqlite, postgres(`PostgreSQL is not reachable at ${PG_ADMIN_URL} (CI=true makes this a failure)`)];
}

/** Declares `body` once per dialect, as nested suites `title` › `sqlite` / `postgres`. */
export function describeEachDialect(title: string, body: (dialect: Dialect) => void): void {
  describe(title, async () => {
    for (const dialect of await dialects()) describe(`on ${dialect.name}`, { skip: dialect.skip }, () => body(dialect));
  });
}

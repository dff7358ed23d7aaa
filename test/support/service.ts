/** A fully wired service over a fresh database, with a manual clock, for HTTP and store tests. */
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import type { Express } from 'express';
import { buildApp } from '../../src/app';
import { ManualClock } from '../../src/common/clock';
import { loadConfig, type Config } from '../../src/config';
import { createKeyringIfMissing } from '../../src/keyring/keyring-changes';
import { LocalKeyring } from '../../src/keyring/local-keyring';
import type { Knex } from 'knex';
import { createServices, type ServiceDeps } from '../../src/deps';
import { connectDatabase } from '../../src/storage/knex/connect';
import { openStorageAdmin } from '../../src/storage/open-storage';
import { loadOpenApiDocument } from '../../src/http/openapi';
import { silentLogger } from '../../src/common/logger';
import { TokenSigner } from '../../src/tokens/token-signer';
import { hmacKey } from '../../src/tokens/signing-keys';
import { tempDir, type Dialect, type TestDatabase } from './databases';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-bytes-long!';

/** Who a store test's writes are audited as. */
export const TEST_ACTOR = { subject: 'store-test', jti: null, requestId: null, client: null } as const;

export interface TestService {
  readonly app: Express;
  readonly clock: ManualClock;
  readonly services: ServiceDeps;
  readonly config: Config;
  /** A connection of the test's own to the service's database, to look at or change what the service stored. */
  readonly knex: Knex;
  /** Signs a token (with a jti) for `subject` with `scopes`, valid for an hour of the manual clock. */
  token(scopes: readonly string[], subject?: string): string;
  /** Waits until every audit event recorded so far is written. */
  auditWritten(): Promise<void>;
  close(): Promise<void>;
}

/** The error a service start fails with; a service that starts after all is closed again, and the test fails. */
export async function startFailure(db: TestDatabase, env: Record<string, string>): Promise<Error> {
  const started = await startTestService(db, env).then(
    (service) => service,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  if (started instanceof Error) return started;
  await started.close();
  throw new Error('the service started, where it should have refused to');
}

export async function startTestService(db: TestDatabase, env: Record<string, string> = {}): Promise<TestService> {
  const dir = tempDir();
  const keyringFile = path.join(dir, 'keyring.json');
  const config = loadConfig({
    SECRETS_DB: db.url,
    SECRETS_JWT_SECRET: TEST_JWT_SECRET,
    SECRETS_KEYRING_FILE: keyringFile,
    // Suites fire hundreds of requests as one subject; the rate-limit tests turn limits on.
    SECRETS_RATE_LIMIT: 'off',
    SECRETS_RATE_LIMIT_ADDRESS: 'off',
    SECRETS_TOKEN_RATE_LIMIT: 'off',
    ...env,
  });
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  createKeyringIfMissing(config.keyringFile, new Date(clock.now()));
  const admin = openStorageAdmin(config.db);
  await admin.migrate();
  await admin.close();
  const keyring = new LocalKeyring(config.keyringFile);
  const services = await createServices(config, clock, silentLogger, { keyring, close: async () => keyring.close() });
  const app = buildApp({
    ...services,
    logger: silentLogger,
    openApiDocument: loadOpenApiDocument(),
    maxBodyBytes: config.maxSecretBytes,
    metricsToken: config.metricsToken,
    validateResponses: true,
  });
  const signer = new TokenSigner(hmacKey(TEST_JWT_SECRET), clock);
  const knex = connectDatabase(config.db);
  return {
    app,
    clock,
    services,
    config,
    knex,
    token: (scopes, subject = 'tester') => signer.sign({ subject, scopes, ttlSeconds: 3600 }).token,
    auditWritten: async () => {
      // Events are queued when a response finishes; let those callbacks run first.
      await new Promise((resolve) => setImmediate(resolve));
      await services.audit.drain();
    },
    async close() {
      await knex.destroy();
      await services.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A test service with the database it runs on: what `useTestService` hands a suite. */
export interface SuiteService extends TestService {
  readonly db: TestDatabase;
}

/**
 * The one set-up of a suite's service: a fresh database of `dialect` and a
 * service on it, created before the suite's tests and closed (and the
 * database dropped) after them. The handle is usable as soon as the
 * suite's first `before` hook has run.
 */
export function useTestService(dialect: Pick<Dialect, 'create'>, env: Record<string, string> = {}): SuiteService {
  let db: TestDatabase | undefined;
  let current: TestService | undefined;
  before(async () => {
    db = await dialect.create();
    current = await startTestService(db, env);
  });
  after(async () => {
    await current?.close();
    await db?.drop();
  });
  const service = (): TestService => {
    if (!current) throw new Error('the test service is used before its suite started it');
    return current;
  };
  return {
    get app() {
      return service().app;
    },
    get clock() {
      return service().clock;
    },
    get services() {
      return service().services;
    },
    get config() {
      return service().config;
    },
    get knex() {
      return service().knex;
    },
    get db() {
      if (!db) throw new Error('the test database is used before its suite created it');
      return db;
    },
    token: (scopes, subject) => service().token(scopes, subject),
    auditWritten: () => service().auditWritten(),
    close: () => service().close(),
  };
}

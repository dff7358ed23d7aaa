/** A fully wired service over a fresh database, with a manual clock, for HTTP and store tests. */
import fs from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import { buildApp } from '../../src/app';
import { ManualClock } from '../../src/clock';
import { loadConfig, type Config } from '../../src/config';
import { createKeyringIfMissing } from '../../src/crypto/local-keyring';
import { migrateToLatest } from '../../src/db/migration-source';
import { createServices, createStorage, type ServiceDeps } from '../../src/deps';
import { loadOpenApiDocument } from '../../src/http/openapi';
import { silentLogger } from '../../src/logger';
import { TokenSigner } from '../../src/tokens/token-signer';
import { hmacKey } from '../../src/tokens/signing-keys';
import { tempDir, type TestDatabase } from './databases';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-bytes-long!';

/** Who a store test's writes are audited as. */
export const TEST_ACTOR = { subject: 'store-test', jti: null, requestId: null, client: null } as const;

export interface TestService {
  readonly app: Express;
  readonly clock: ManualClock;
  readonly services: ServiceDeps;
  readonly config: Config;
  /** Signs a token (with a jti) for `subject` with `scopes`, valid for an hour of the manual clock. */
  token(scopes: readonly string[], subject?: string): string;
  /** Waits until every audit event recorded so far is written. */
  auditWritten(): Promise<void>;
  close(): Promise<void>;
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
  const storage = createStorage(config);
  await migrateToLatest(storage.knex);
  await storage.close();
  const services = await createServices(config, clock, silentLogger);
  const app = buildApp({
    ...services,
    logger: silentLogger,
    openApiDocument: loadOpenApiDocument(),
    maxBodyBytes: config.maxSecretBytes,
    metricsToken: config.metricsToken,
    validateResponses: true,
  });
  const signer = new TokenSigner(hmacKey(TEST_JWT_SECRET), clock);
  return {
    app,
    clock,
    services,
    config,
    token: (scopes, subject = 'tester') => signer.sign({ subject, scopes, ttlSeconds: 3600 }).token,
    auditWritten: async () => {
      // Events are queued when a response finishes; let those callbacks run first.
      await new Promise((resolve) => setImmediate(resolve));
      await services.audit.drain();
    },
    async close() {
      await services.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

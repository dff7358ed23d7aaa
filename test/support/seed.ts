/**
 * Writes many secrets straight through the store, sealed as the service
 * would seal them: thousands of PUTs would spend their time on fsyncs,
 * not on what a test or a benchmark looks at.
 */
import { loadConfig } from '../../src/config';
import { Envelope } from '../../src/crypto/envelope';
import { createKeyringIfMissing } from '../../src/crypto/keyring-changes';
import { LocalKeyring } from '../../src/crypto/local-keyring';
import { migrateToLatest } from '../../src/db/migration-source';
import { createStorage } from '../../src/deps';

export interface SeedOptions {
  /** A SECRETS_DB value. */
  readonly db: string;
  readonly keyringFile: string;
  readonly keys: readonly string[];
  readonly value: (key: string, index: number) => Record<string, unknown>;
  /** Milliseconds since the epoch; in the past for secrets the sweeper should find. */
  readonly expiresAt: number;
}

export async function seedSecrets(options: SeedOptions): Promise<void> {
  createKeyringIfMissing(options.keyringFile, new Date());
  const storage = createStorage(loadConfig({ SECRETS_DB: options.db }));
  try {
    await migrateToLatest(storage.knex);
    const envelope = new Envelope(new LocalKeyring(options.keyringFile));
    const now = Date.now();
    for (let start = 0; start < options.keys.length; start += 1000) {
      await storage.store.inTransaction(async (trx) => {
        for (const [index, key] of options.keys.slice(start, start + 1000).entries()) {
          const record = { key, version: 1, createdAt: now, updatedAt: now, expiresAt: options.expiresAt };
          const sealed = await envelope.seal(Buffer.from(JSON.stringify(options.value(key, start + index))), { key, version: 1 });
          await storage.store.writeVersion(record, sealed, 10, trx);
        }
      });
    }
  } finally {
    await storage.close();
  }
}

export function numberedKeys(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, n) => `${prefix}/${String(n).padStart(6, '0')}`);
}

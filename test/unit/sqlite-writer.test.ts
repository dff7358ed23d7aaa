import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { AuditChain } from '../../src/audit/audit-event';
import { verifyAuditChain } from '../../src/audit/chain-verifier';
import { KnexAuditStore } from '../../src/audit/knex-audit-store';
import { loadConfig } from '../../src/config';
import { migrateToLatest } from '../../src/db/migration-source';
import { SqliteWriter } from '../../src/db/sqlite-writer';
import { createStorage } from '../../src/deps';
import { tempDir } from '../support/databases';

const AUDIT_KEY = randomBytes(32);
const event = (n: number) => ({ time: n, subject: 's', jti: null, action: 'secret.read' as const, key: `k/${n}`, outcome: 200, requestId: null, client: null });

describe('SQLite writer thread', () => {
  it('appends a verifiable chain, and a thread that dies is replaced without losing later appends', async () => {
    const file = path.join(tempDir(), 'secrets.db');
    const storage = createStorage(loadConfig({ SECRETS_DB: `sqlite:${file}` }));
    await migrateToLatest(storage.knex);
    const chain = new AuditChain(AUDIT_KEY);
    const writer = new SqliteWriter(file, AUDIT_KEY);
    try {
      await writer.append([event(1), event(2)]);
      await (writer as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      await writer.append([event(3)]);
      const verdict = await verifyAuditChain(new KnexAuditStore(storage.knex, chain), chain);
      assert.equal(verdict.ok, true);
      assert.equal(verdict.ok && verdict.events, 3);
    } finally {
      await writer.close();
      await storage.close();
    }
  });
});

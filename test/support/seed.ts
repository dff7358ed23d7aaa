/**
 * Writes many secrets straight through the store, sealed as the service
 * would seal them: thousands of PUTs would spend their time on fsyncs,
 * not on what a test or a benchmark looks at.
 */
import Database from 'better-sqlite3';
import { type ChainLink } from '../../src/audit/audit-event';
import { AuditChain } from '../../src/audit/audit-chain';
import { eventToRow } from '../../src/storage/knex/audit-rows';
import { loadConfig } from '../../src/config';
import { Envelope } from '../../src/crypto/envelope';
import { createKeyringIfMissing } from '../../src/keyring/keyring-changes';
import { LocalKeyring } from '../../src/keyring/local-keyring';
import { connectDatabase } from '../../src/storage/knex/connect';
import { openStorageAdmin } from '../../src/storage/open-storage';

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
  const db = loadConfig({ SECRETS_DB: options.db }).db;
  const admin = openStorageAdmin(db);
  try {
    await admin.migrate();
  } finally {
    await admin.close();
  }
  // Straight into the tables, a thousand per transaction: the service's write path would take far longer for a large seed.
  const knex = connectDatabase(db);
  try {
    const envelope = new Envelope(new LocalKeyring(options.keyringFile));
    const now = Date.now();
    for (let start = 0; start < options.keys.length; start += 1000) {
      const secrets: Array<Record<string, unknown>> = [];
      const versions: Array<Record<string, unknown>> = [];
      for (const [index, key] of options.keys.slice(start, start + 1000).entries()) {
        const encrypted = await envelope.encrypt(Buffer.from(JSON.stringify(options.value(key, start + index))), { key, version: 1 });
        secrets.push({ key, version: 1, created_at: now, updated_at: now, expires_at: options.expiresAt });
        versions.push({
          key,
          version: 1,
          created_at: now,
          expires_at: options.expiresAt,
          kek_id: encrypted.keyId,
          wrapped_key: encrypted.wrappedKey,
          ciphertext: encrypted.ciphertext,
        });
      }
      await knex.transaction(async (trx) => {
        await trx.batchInsert('secrets', secrets, 200);
        await trx.batchInsert('secret_versions', versions, 100);
      });
    }
  } finally {
    await knex.destroy();
  }
}

export function numberedKeys(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, n) => `${prefix}/${String(n).padStart(6, '0')}`);
}

/**
 * Appends `count` read events to the audit chain of a SQLite database, linked
 * and keyed as the service links them, on one prepared statement: the growth
 * benchmark's million events would take minutes through the service.
 */
export function seedAuditEvents(options: { sqliteFile: string; keyringFile: string; keys: readonly string[]; count: number }): void {
  const chain = new AuditChain(new LocalKeyring(options.keyringFile).auditKey);
  const db = new Database(options.sqliteFile);
  try {
    const head = JSON.parse(
      (db.prepare("SELECT value FROM service_meta WHERE name = 'audit_head'").get() as { value: string }).value,
    ) as ChainLink;
    const insert = db.prepare(
      'INSERT INTO audit_events (seq, prev_hash, hash, time, subject, jti, action, key, outcome, request_id, client, detail) VALUES (@seq, @prev_hash, @hash, @time, @subject, @jti, @action, @key, @outcome, @request_id, @client, @detail)',
    );
    const start = Date.now() - options.count;
    let link = head;
    for (let done = 0; done < options.count; done += 10_000) {
      const events = Array.from({ length: Math.min(10_000, options.count - done) }, (_unused, n) => ({
        time: start + done + n,
        subject: 'bench',
        jti: null,
        action: 'secret.read' as const,
        key: options.keys[(done + n) % options.keys.length] ?? null,
        outcome: 200,
        requestId: null,
        client: '127.0.0.1',
        detail: null,
      }));
      const linked = chain.link(link, events);
      db.transaction(() => {
        for (const event of linked) insert.run(eventToRow(event));
      })();
      link = linked[linked.length - 1] as ChainLink;
    }
    db.prepare("UPDATE service_meta SET value = ? WHERE name = 'audit_head'").run(JSON.stringify({ seq: link.seq, hash: link.hash }));
  } finally {
    db.close();
  }
}

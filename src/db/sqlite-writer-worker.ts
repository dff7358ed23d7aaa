/**
 * A worker thread that does SQLite's background writes on a connection of
 * its own: audit appends, and purges of expired secrets together with
 * their `secret.expired` events. better-sqlite3 is synchronous: on the
 * main thread each of these transactions (and its fsync) would stall
 * every request for its duration.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { AuditChain, type AuditEventInput, type ChainLink } from '../audit/audit-event';
import { eventToRow } from '../audit/audit-rows';

export type WriterRequest =
  | { readonly id: number; readonly kind: 'append'; readonly events: readonly AuditEventInput[] }
  | { readonly id: number; readonly kind: 'purge'; readonly now: number; readonly limit: number };

export interface WriterReply {
  readonly id: number;
  /** For a purge: the keys purged. */
  readonly keys?: string[];
  readonly error?: { message: string; code?: string };
}

export interface WriterData {
  readonly filename: string;
  /** The audit chain's key: it never leaves this process. */
  readonly auditKey: Uint8Array;
}

const { filename, auditKey } = workerData as WriterData;
const chain = new AuditChain(Buffer.from(auditKey));
const db = new Database(filename, { fileMustExist: true });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.pragma('foreign_keys = ON');

const lockHead = db.prepare("UPDATE service_meta SET value = value WHERE name = 'audit_head'");
const readHead = db.prepare<[], { value: string }>("SELECT value FROM service_meta WHERE name = 'audit_head'");
const writeHead = db.prepare<[string]>("UPDATE service_meta SET value = ? WHERE name = 'audit_head'");
const insertEvent = db.prepare(
  `INSERT INTO audit_events (seq, time, subject, jti, action, key, outcome, request_id, client, prev_hash, hash)
   VALUES (@seq, @time, @subject, @jti, @action, @key, @outcome, @request_id, @client, @prev_hash, @hash)`,
);
const expiredKeys = db.prepare<[number, number], { key: string }>('SELECT key FROM secrets WHERE expires_at <= ? ORDER BY expires_at LIMIT ?');
const deleteVersions = db.prepare<[string]>('DELETE FROM secret_versions WHERE key = ?');
const deleteSecret = db.prepare<[string, number]>('DELETE FROM secrets WHERE key = ? AND expires_at <= ?');

// Same steps as KnexAuditStore.append: the head row's lock serialises appenders, so the chain never forks.
function appendEvents(events: readonly AuditEventInput[]): void {
  if (events.length === 0) return;
  lockHead.run();
  const head = JSON.parse((readHead.get() as { value: string }).value) as ChainLink;
  const linked = chain.link(head, events);
  for (const event of linked) insertEvent.run(eventToRow(event));
  const last = linked[linked.length - 1];
  writeHead.run(JSON.stringify({ seq: last.seq, hash: last.hash }));
}

const append = db.transaction(appendEvents);

/** Deletes expired secrets with their history and records each purge, in one transaction. */
const purge = db.transaction((now: number, limit: number): string[] => {
  const keys = expiredKeys.all(now, limit).map((row) => row.key);
  for (const key of keys) {
    deleteVersions.run(key);
    deleteSecret.run(key, now);
  }
  appendEvents(keys.map((key) => ({ time: now, subject: null, jti: null, action: 'secret.expired', key, outcome: 200, requestId: null, client: null })));
  return keys;
});

parentPort?.on('message', (request: WriterRequest | 'close') => {
  if (request === 'close') {
    db.close();
    process.exit(0);
  }
  try {
    if (request.kind === 'append') {
      append.immediate(request.events);
      parentPort?.postMessage({ id: request.id } satisfies WriterReply);
    } else {
      parentPort?.postMessage({ id: request.id, keys: purge.immediate(request.now, request.limit) } satisfies WriterReply);
    }
  } catch (error) {
    const { message, code } = error as { message: string; code?: string };
    parentPort?.postMessage({ id: request.id, error: { message, code } } satisfies WriterReply);
  }
});

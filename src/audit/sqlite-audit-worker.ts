/**
 * A worker thread that appends audit events to SQLite on a connection of
 * its own. better-sqlite3 is synchronous: on the main thread each append
 * (and its fsync) would stall every request for its duration.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { linkEvents, type AuditEventInput, type ChainLink } from './audit-event';
import { eventToRow } from './audit-rows';

export interface AppendRequest {
  readonly id: number;
  readonly events: readonly AuditEventInput[];
}

export interface AppendReply {
  readonly id: number;
  readonly error?: { message: string; code?: string };
}

const db = new Database((workerData as { filename: string }).filename, { fileMustExist: true });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');

const lockHead = db.prepare("UPDATE service_meta SET value = value WHERE name = 'audit_head'");
const readHead = db.prepare<[], { value: string }>("SELECT value FROM service_meta WHERE name = 'audit_head'");
const writeHead = db.prepare<[string]>("UPDATE service_meta SET value = ? WHERE name = 'audit_head'");
const insert = db.prepare(
  `INSERT INTO audit_events (seq, time, subject, jti, action, key, outcome, request_id, client, prev_hash, hash)
   VALUES (@seq, @time, @subject, @jti, @action, @key, @outcome, @request_id, @client, @prev_hash, @hash)`,
);

// Same steps as KnexAuditStore.append: the head row's lock serialises appenders, so the chain never forks.
const append = db.transaction((events: readonly AuditEventInput[]) => {
  lockHead.run();
  const head = JSON.parse((readHead.get() as { value: string }).value) as ChainLink;
  const linked = linkEvents(head, events);
  for (const event of linked) insert.run(eventToRow(event));
  const last = linked[linked.length - 1];
  writeHead.run(JSON.stringify({ seq: last.seq, hash: last.hash }));
});

parentPort?.on('message', (request: AppendRequest | 'close') => {
  if (request === 'close') {
    db.close();
    process.exit(0);
  }
  try {
    if (request.events.length > 0) append.immediate(request.events);
    parentPort?.postMessage({ id: request.id } satisfies AppendReply);
  } catch (error) {
    const { message, code } = error as { message: string; code?: string };
    parentPort?.postMessage({ id: request.id, error: { message, code } } satisfies AppendReply);
  }
});

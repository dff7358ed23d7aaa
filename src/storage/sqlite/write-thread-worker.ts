/**
 * The SQLite write thread: the one connection that writes while `serve`
 * runs on SQLite. It runs every write (secrets and their versions, tokens,
 * revocations, wraps, trust rules, audit appends, purges) off the event
 * loop. better-sqlite3 is synchronous: on the main thread each of these
 * transactions, and its fsync, would stall every request.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AuditChain } from '../../audit/audit-chain';
import { connectDatabase } from '../knex/connect';
import { KnexAuditTables } from '../knex/knex-audit-tables';
import { KnexTokenStorage } from '../knex/knex-token-storage';
import { KnexTrustStorage } from '../knex/knex-trust-storage';
import { KnexWrapStorage } from '../knex/knex-wrap-storage';
import { isMigrated } from '../knex/migrations';
import { GroupCommit } from './group-commit';
import { preparedPerConnection } from './prepared-per-connection';
import { SqliteAuditAppend } from './sqlite-audit-append';
import { sqliteDialect } from './sqlite-dialect';
import { SqliteExpiredPurge } from './sqlite-expired-purge';
import { sqliteSecretWrites } from './sqlite-secret-writes';
import {
  failureOf,
  encryptedFromWire,
  type FromWriter,
  type OnTheWire,
  type ToWriter,
  type WriterCall,
  type WriterCalls,
  type WriterData,
  type WriterRequest,
} from './write-thread-messages';

/** The data the main thread started this thread with, checked rather than trusted to be what it should. */
function writerData(data: unknown): WriterData {
  if (typeof data === 'object' && data !== null && 'filename' in data && 'auditKey' in data) {
    const { filename, auditKey } = data;
    if (typeof filename === 'string' && auditKey instanceof Uint8Array) return { filename, auditKey };
  }
  throw new TypeError('the SQLite write thread was started without its filename and audit key');
}

const { filename, auditKey } = writerData(workerData);
const knex = connectDatabase({ client: 'sqlite', filename });
const chain = new AuditChain(Buffer.from(auditKey));
const auditTables = new KnexAuditTables(knex, chain);
const auditAppend = preparedPerConnection((db) => new SqliteAuditAppend(db, chain));
// Secret writes that queue up commit together: one fsync for many, each still with its own event.
const grouped = new GroupCommit(knex);
const expiredPurge = preparedPerConnection((db) => new SqliteExpiredPurge(db, auditAppend(db)));
const tokens = new KnexTokenStorage(knex);
const wraps = new KnexWrapStorage(knex, sqliteDialect);
const trust = new KnexTrustStorage(knex, sqliteDialect);

type Handlers = { [K in WriterCall]: (args: OnTheWire<WriterCalls[K]['args']>) => Promise<WriterCalls[K]['result']> };

const handlers: Handlers = {
  // In a group commit too: an append that moves a PUT's staged event may share the PUT's fsync.
  append: ({ events, moveStaged }) => grouped.run((db) => auditAppend(db).append(events, moveStaged)),
  putSecret: (command) => grouped.run((db) => sqliteSecretWrites(db).put({ ...command, encrypted: encryptedFromWire(command.encrypted) })),
  deleteSecret: (command) => grouped.run((db) => sqliteSecretWrites(db).delete(command)),
  // Each batch with its events in the chain, in one commit (shared with the writes queued beside it).
  purgeSecrets: ({ now, limit }) => grouped.run((db) => expiredPurge(db).purgeBatch(now, limit)),
  recordIssued: ({ token, events }) => tokens.recordIssued(token, events),
  revoke: ({ revocation, events }) => tokens.revoke(revocation, events),
  purgeRevocations: ({ now, limit }) => tokens.purgeExpired(now, limit),
  createWrap: ({ wrap, events, quota }) => wraps.createWrap({ ...wrap, encrypted: encryptedFromWire(wrap.encrypted) }, events, quota),
  takeWrap: ({ tokenHash, now, actor }) => wraps.takeWrap(tokenHash, now, actor),
  purgeWraps: ({ now, limit }) => wraps.purgeExpiredWraps(now, limit),
  putTrustRule: ({ rule, now, event }) => trust.putRule(rule, now, event),
  deleteTrustRule: ({ name, event }) => trust.deleteRule(name, event),
  purgeAudit: ({ cutoff, limit }) => auditTables.purgeOlderThan(cutoff, limit),
};

function reply(message: FromWriter): void {
  parentPort?.postMessage(message);
}

function answer<K extends WriterCall>(request: WriterRequest<K>): void {
  const handle: Handlers[K] = handlers[request.call];
  handle(request.args).then(
    (result) => reply({ id: request.id, result }),
    (error: unknown) => reply({ id: request.id, error: failureOf(error) }),
  );
}

async function start(): Promise<void> {
  // A thread that cannot write says so once and stops; the main thread decides when to try again.
  if (!(await isMigrated(knex))) throw Object.assign(new Error(`${filename} is not a migrated database`), { code: 'WRITER_NOT_READY' });
  await auditTables.sealKeyedBoundary();
  parentPort?.on('message', (message: ToWriter) => {
    if (message === 'close') {
      void knex.destroy().then(() => process.exit(0));
      return;
    }
    answer(message);
  });
  reply('ready');
}

start().catch((error: unknown) => {
  reply({ failed: failureOf(error) });
  process.exit(1);
});

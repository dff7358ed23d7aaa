/**
 * The SQLite write thread: the one connection that writes while `serve`
 * runs on SQLite. It runs the features' own write methods (secrets and
 * their versions, tokens, revocations, audit appends, purges) off the
 * event loop. better-sqlite3 is synchronous: on the main thread each of
 * these transactions, and its fsync, would stall every request.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AuditChain } from '../../audit/audit-event';
import { KnexAuditStore } from '../knex/knex-audit-store';
import { connectDatabase } from '../knex/connect';
import { isMigrated } from '../knex/migrations';
import { KnexTokenStore } from '../knex/knex-token-store';
import { tokenWrites } from '../../tokens/token-writes';
import { KnexWrapStore } from '../knex/knex-wrap-store';
import { KnexTrustStore } from '../knex/knex-trust-store';
import { trustWrites } from '../../federation/trust-writes';
import { wrapWrites } from '../../wraps/wrap-writes';
import { GroupCommit } from './group-commit';
import { preparedPerConnection } from './prepared-per-connection';
import { SqliteAuditAppend } from './sqlite-audit-append';
import { SqliteExpiredPurge } from './sqlite-expired-purge';
import { sqliteSecretWrites } from './sqlite-secret-writes';
import type { WriterCommand, WriterCommands, WriterData, WriterReply, WriterRequest } from './write-thread-messages';

const { filename, auditKey } = workerData as WriterData;
const knex = connectDatabase({ client: 'sqlite', filename });
const chain = new AuditChain(Buffer.from(auditKey));
const audit = new KnexAuditStore(knex, chain);
const auditAppend = preparedPerConnection((db) => new SqliteAuditAppend(db, chain));
const tokenStore = new KnexTokenStore(knex);
// Secret writes that queue up commit together: one fsync for many, each still with its own event.
const grouped = new GroupCommit(knex);
const tokens = tokenWrites({ store: tokenStore, audit });
const expiredPurge = preparedPerConnection((db) => new SqliteExpiredPurge(db, auditAppend(db)));
const wraps = wrapWrites({ store: new KnexWrapStore(knex), audit });
const trust = trustWrites({ store: new KnexTrustStore(knex), audit });

/** Buffers arrive as plain Uint8Arrays. */
const buffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const handlers: { [K in WriterCommand]: (args: WriterCommands[K]) => Promise<unknown> } = {
  // In a group commit too: an append that moves a PUT's staged event may share the PUT's fsync.
  append: ({ events, moveStaged }) => grouped.run((db) => auditAppend(db).append(events, moveStaged)),
  putSecret: (command) =>
    grouped.run((db) =>
      sqliteSecretWrites(db).put({
        ...command,
        sealed: { ...command.sealed, wrappedKey: buffer(command.sealed.wrappedKey), ciphertext: buffer(command.sealed.ciphertext) },
      }),
    ),
  deleteSecret: (command) => grouped.run((db) => sqliteSecretWrites(db).delete(command)),
  recordIssued: ({ token, events }) => tokens.recordIssued(token, events),
  revoke: ({ revocation, events }) => tokens.revoke(revocation, events),
  createWrap: ({ wrap, events, quota }) =>
    wraps.createWrap(
      { ...wrap, sealed: { ...wrap.sealed, wrappedKey: buffer(wrap.sealed.wrappedKey), ciphertext: buffer(wrap.sealed.ciphertext) } },
      events,
      quota,
    ),
  takeWrap: ({ tokenHash, now, actor }) => wraps.takeWrap(tokenHash, now, actor),
  purgeWraps: ({ now, limit }) => wraps.purgeExpiredWraps(now, limit),
  putTrustRule: ({ rule, now, event }) => trust.putRule(rule, now, event),
  deleteTrustRule: ({ name, event }) => trust.deleteRule(name, event),
  // Each batch with its events in the chain, in one commit (shared with the writes queued beside it).
  purgeSecrets: ({ now, limit }) => grouped.run((db) => expiredPurge(db).purgeBatch(now, limit)),
  purgeRevocations: ({ now, limit }) => tokenStore.purgeExpiredBatch(now, limit),
  purgeAudit: ({ cutoff, limit }) => audit.purgeOlderThan(cutoff, limit),
};

function run<K extends WriterCommand>(request: WriterRequest<K>): Promise<unknown> {
  return handlers[request.kind](request.args);
}

function replyError(id: number, error: unknown): WriterReply {
  const { message, code } = error as { message?: unknown; code?: unknown };
  return {
    id,
    error: { message: typeof message === 'string' ? message : String(error), code: typeof code === 'string' ? code : undefined },
  };
}

async function start(): Promise<void> {
  // A thread that cannot write says so once and stops; the main thread decides when to try again.
  if (!(await isMigrated(knex))) throw Object.assign(new Error(`${filename} is not a migrated database`), { code: 'WRITER_NOT_READY' });
  await audit.sealKeyedBoundary();
  parentPort?.on('message', (request: WriterRequest | 'close') => {
    if (request === 'close') {
      void knex.destroy().then(() => process.exit(0));
      return;
    }
    run(request).then(
      (result) => parentPort?.postMessage({ id: request.id, result } satisfies WriterReply),
      (error: unknown) => parentPort?.postMessage(replyError(request.id, error)),
    );
  });
  parentPort?.postMessage('ready');
}

start().catch((error: unknown) => {
  parentPort?.postMessage({ failed: replyError(0, error).error });
  process.exit(1);
});

/**
 * The SQLite write thread: a connection of its own that runs the stores'
 * own write methods (audit appends, purges of expired secrets) off the
 * event loop. better-sqlite3 is synchronous: on the main thread each of
 * these transactions, and its fsync, would stall every request.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AuditChain } from '../audit/audit-event';
import { KnexAuditStore } from '../audit/knex-audit-store';
import { connectDatabase } from '../db/connect';
import { isMigrated } from '../db/migration-source';
import { purgeExpiredSecrets } from '../secrets/expired-secrets';
import { KnexSecretStore } from '../secrets/knex-secret-store';
import type { WriterData, WriterReply, WriterRequest } from './write-thread-messages';

const { filename, auditKey } = workerData as WriterData;
const knex = connectDatabase({ client: 'sqlite', filename });
const audit = new KnexAuditStore(knex, new AuditChain(Buffer.from(auditKey)));
const purge = purgeExpiredSecrets({ store: new KnexSecretStore(knex), audit });

async function handle(request: WriterRequest): Promise<WriterReply> {
  switch (request.kind) {
    case 'append':
      return { id: request.id, staged: await audit.append(request.events, request.moveStaged) };
    case 'purge':
      return { id: request.id, keys: await purge(request.now, request.limit) };
  }
}

function replyError(id: number, error: unknown): WriterReply {
  const { message, code } = error as { message?: unknown; code?: unknown };
  return { id, error: { message: typeof message === 'string' ? message : String(error), code: typeof code === 'string' ? code : undefined } };
}

async function start(): Promise<void> {
  // A thread that cannot write says so once and stops; the main thread decides when to try again.
  if (!(await isMigrated(knex))) throw Object.assign(new Error(`${filename} is not a migrated database`), { code: 'WRITER_NOT_READY' });
  parentPort?.on('message', (request: WriterRequest | 'close') => {
    if (request === 'close') {
      void knex.destroy().then(() => process.exit(0));
      return;
    }
    handle(request).then(
      (reply) => parentPort?.postMessage(reply),
      (error: unknown) => parentPort?.postMessage(replyError(request.id, error)),
    );
  });
  parentPort?.postMessage('ready');
}

start().catch((error: unknown) => {
  parentPort?.postMessage({ failed: replyError(0, error).error });
  process.exit(1);
});

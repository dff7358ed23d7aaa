/**
 * The main thread's side of the SQLite write thread: hands it every write
 * (secrets, tokens, revocations, audit appends, purges) and waits for each.
 * A thread that stops is replaced after a backoff that starts at 250 ms and
 * doubles up to 30 s (with jitter), one log line per stop; meanwhile every
 * request to it fails at once with WriterUnavailable (a 503), and `healthy`
 * is false, which turns /readyz red.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { AuditEventInput } from '../../audit/audit-event';
import type { Actor } from '../../audit/audit-storage';
import type { WrapQuota } from '../../config';
import type { TrustRule } from '../../federation/trust-rules';
import type { DeleteCommand, PutCommand } from '../../secrets/secret-storage';
import type { IssuedToken, NewRevocation } from '../../tokens/token-storage';
import type { QuotaRefusal, WrapRecord } from '../../wraps/wrap-storage';
import {
  failureOf,
  encryptedFromWire,
  type FromWriter,
  type OnTheWire,
  type ToWriter,
  type WriterCall,
  type WriterCalls,
  type WriterData,
  type WriterFailure,
  type WriterReply,
} from './write-thread-messages';

export class WriterUnavailable extends Error {
  readonly code = 'WRITER_UNAVAILABLE';
}

/** A failure the thread reported, as an Error with its code. */
export class WriterError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** A call waiting for its reply; a method, so that each call's own reply type may stand in for the union's. */
interface Waiting {
  settle(reply: WriterReply): void;
  fail(error: Error): void;
}

const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 30_000;
/** A thread that ran this long before stopping starts the backoff over. */
const STABLE_MS = 10_000;

export class SqliteWriteThread {
  private worker?: Worker;
  private ready = false;
  private readyAt = 0;
  private lastFailure?: WriterFailure;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private restarts = 0;
  private closing = false;
  private restartTimer?: NodeJS.Timeout;
  private firstStart?: { resolve(): void; reject(error: Error): void };

  constructor(
    private readonly data: WriterData,
    private readonly logger: Logger,
  ) {}

  /** Starts the thread; resolves when it is ready, rejects with why the first attempt failed. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.firstStart = { resolve, reject };
      this.spawn();
    });
  }

  get healthy(): boolean {
    return this.ready;
  }

  /** Appends `events`, moving staged events into the chain with them when asked; how many staged events it moved. */
  append(events: readonly AuditEventInput[], moveStaged: boolean): Promise<number> {
    return this.call('append', { events, moveStaged });
  }

  put(command: PutCommand): Promise<boolean> {
    return this.call('putSecret', command);
  }

  delete(command: DeleteCommand): Promise<boolean> {
    return this.call('deleteSecret', command);
  }

  /** Purges up to `limit` secrets expired at `now`, each with its `secret.expired` event in the chain; the keys purged. */
  purgeExpiredSecrets(now: number, limit: number): Promise<string[]> {
    return this.call('purgeSecrets', { now, limit });
  }

  recordIssued(token: IssuedToken, events: readonly AuditEventInput[]): Promise<void> {
    return this.call('recordIssued', { token, events });
  }

  revoke(revocation: NewRevocation, events: readonly AuditEventInput[]): Promise<void> {
    return this.call('revoke', { revocation, events });
  }

  /** Revocations and issued-token records whose token can no longer be used. */
  purgeExpiredRevocations(now: number, limit: number): Promise<number> {
    return this.call('purgeRevocations', { now, limit });
  }

  createWrap(wrap: WrapRecord, events: readonly AuditEventInput[], quota: WrapQuota): Promise<QuotaRefusal | undefined> {
    return this.call('createWrap', { wrap, events, quota });
  }

  async takeWrap(tokenHash: string, now: number, actor: Actor): Promise<WrapRecord | undefined> {
    const wrap = await this.call('takeWrap', { tokenHash, now, actor });
    return wrap && { ...wrap, encrypted: encryptedFromWire(wrap.encrypted) };
  }

  purgeExpiredWraps(now: number, limit: number): Promise<number> {
    return this.call('purgeWraps', { now, limit });
  }

  putRule(rule: TrustRule, now: number, event: AuditEventInput): Promise<boolean> {
    return this.call('putTrustRule', { rule, now, event });
  }

  deleteRule(name: string, event: AuditEventInput): Promise<boolean> {
    return this.call('deleteTrustRule', { name, event });
  }

  /** Audit events older than `cutoff`, moving the chain's anchor. */
  purgeOlderThan(cutoff: number, limit: number): Promise<number> {
    return this.call('purgeAudit', { cutoff, limit });
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage('close' satisfies ToWriter);
    await exited;
  }

  private spawn(): void {
    const worker = new Worker(path.join(__dirname, 'write-thread-worker.js'), { workerData: this.data });
    this.worker = worker;
    worker.unref();
    worker.on('message', (message: FromWriter) => this.onMessage(message));
    worker.on('error', (error: unknown) => {
      this.lastFailure = failureOf(error);
    });
    worker.on('exit', () => this.onExit());
  }

  private onMessage(message: FromWriter): void {
    if (message === 'ready') {
      this.ready = true;
      this.readyAt = Date.now();
      this.firstStart?.resolve();
      this.firstStart = undefined;
      return;
    }
    if ('failed' in message) {
      this.lastFailure = message.failed;
      return;
    }
    const waiting = this.waiting.get(message.id);
    this.waiting.delete(message.id);
    waiting?.settle(message);
  }

  private onExit(): void {
    const wasReady = this.ready;
    this.ready = false;
    this.worker = undefined;
    const reason = this.lastFailure?.message ?? 'it exited';
    this.lastFailure = undefined;
    for (const waiting of this.waiting.values()) waiting.fail(new WriterUnavailable(`the SQLite write thread stopped: ${reason}`));
    this.waiting.clear();
    if (this.closing) return;
    if (this.firstStart) {
      this.firstStart.reject(new WriterError(`the SQLite write thread could not start: ${reason}`, 'WRITER_NOT_READY'));
      this.firstStart = undefined;
      return;
    }
    if (wasReady && Date.now() - this.readyAt >= STABLE_MS) this.restarts = 0;
    const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** this.restarts++);
    const delay = Math.round(backoff / 2 + Math.random() * (backoff / 2));
    this.logger.error({ reason, retryInMs: delay }, `the SQLite write thread stopped (${reason}); starting another in ${delay} ms`);
    this.restartTimer = setTimeout(() => this.spawn(), delay).unref();
  }

  private call<K extends WriterCall>(call: K, args: WriterCalls[K]['args']): Promise<OnTheWire<WriterCalls[K]['result']>> {
    const worker = this.worker;
    if (!this.ready || !worker) return Promise.reject(new WriterUnavailable('the SQLite write thread is not running'));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, {
        settle: (reply: WriterReply<K>) => {
          if ('error' in reply) reject(new WriterError(reply.error.message, reply.error.code));
          else resolve(reply.result);
        },
        fail: reject,
      });
      worker.postMessage({ id, call, args } satisfies ToWriter);
    });
  }
}

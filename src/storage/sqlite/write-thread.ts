/**
 * The main thread's side of the SQLite write thread: hands it every write
 * (secrets, tokens, revocations, audit appends, purges) and waits for each.
 * A thread that stops is replaced after a backoff that starts at 250 ms and
 * doubles up to 30 s (with jitter), one log line per stop; meanwhile every
 * request to it fails at once with WriterUnavailable (a 503), and `healthy`
 * is false, which turns /readyz red.
 */
import type { Actor } from '../../audit/audit-store-type';
import type { WrapRecord } from '../../wraps/wrap-store-type';
import type { QuotaRefusal, WrapWrites } from '../../wraps/wrap-writes';
import type { WrapQuota } from '../../config';
import type { TrustRule } from '../../federation/trust-rules';
import type { TrustWrites } from '../../federation/trust-writes';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { AuditEventInput } from '../../audit/audit-event';
import type { AuditStore } from '../../audit/audit-store-type';
import type { DeleteCommand, PutCommand, SecretWrites } from '../../secrets/secret-writes';
import type { IssuedToken, TokenStore } from '../../tokens/token-store-type';
import type { NewRevocation, TokenWrites } from '../../tokens/token-writes';
import type {
  WriterCommand,
  WriterCommands,
  WriterData,
  WriterFailure,
  WriterReply,
  WriterRequest,
  WriterStatus,
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

interface Waiting {
  resolve(reply: WriterReply): void;
  reject(error: Error): void;
}

const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 30_000;
/** A thread that ran this long before stopping starts the backoff over. */
const STABLE_MS = 10_000;

export class SqliteWriteThread
  implements
    Pick<AuditStore, 'append' | 'purgeOlderThan'>,
    Pick<TokenStore, 'purgeExpiredBatch'>,
    SecretWrites,
    TokenWrites,
    WrapWrites,
    TrustWrites
{
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
  async append(events: readonly AuditEventInput[], moveStaged: boolean): Promise<number> {
    return (await this.send('append', { events, moveStaged })) as number;
  }

  async put(command: PutCommand): Promise<boolean> {
    return (await this.send('putSecret', command)) as boolean;
  }

  async delete(command: DeleteCommand): Promise<boolean> {
    return (await this.send('deleteSecret', command)) as boolean;
  }

  async recordIssued(token: IssuedToken, events: readonly AuditEventInput[]): Promise<void> {
    await this.send('recordIssued', { token, events });
  }

  async revoke(revocation: NewRevocation, events: readonly AuditEventInput[]): Promise<void> {
    await this.send('revoke', { revocation, events });
  }

  /** Purges up to `limit` secrets expired at `now`, each with its staged `secret.expired` event; the keys purged. */
  async purgeExpired(now: number, limit: number): Promise<string[]> {
    return (await this.send('purgeSecrets', { now, limit })) as string[];
  }

  /** Revocations and issued-token records whose token can no longer be used. */
  async purgeExpiredBatch(now: number, limit: number): Promise<number> {
    return (await this.send('purgeRevocations', { now, limit })) as number;
  }

  async createWrap(wrap: WrapRecord, events: readonly AuditEventInput[], quota: WrapQuota): Promise<QuotaRefusal | undefined> {
    return (await this.send('createWrap', { wrap, events, quota })) as QuotaRefusal | undefined;
  }

  async takeWrap(tokenHash: string, now: number, actor: Actor): Promise<WrapRecord | undefined> {
    const wrap = (await this.send('takeWrap', { tokenHash, now, actor })) as WrapRecord | undefined;
    // Buffers come back from the thread as plain Uint8Arrays.
    return (
      wrap && {
        ...wrap,
        sealed: { ...wrap.sealed, wrappedKey: Buffer.from(wrap.sealed.wrappedKey), ciphertext: Buffer.from(wrap.sealed.ciphertext) },
      }
    );
  }

  async putRule(rule: TrustRule, now: number, event: AuditEventInput): Promise<boolean> {
    return (await this.send('putTrustRule', { rule, now, event })) as boolean;
  }

  async deleteRule(name: string, event: AuditEventInput): Promise<boolean> {
    return (await this.send('deleteTrustRule', { name, event })) as boolean;
  }

  async purgeExpiredWraps(now: number, limit: number): Promise<number> {
    return (await this.send('purgeWraps', { now, limit })) as number;
  }

  /** Audit events older than `cutoff`, moving the chain's anchor. */
  async purgeOlderThan(cutoff: number, limit: number): Promise<number> {
    return (await this.send('purgeAudit', { cutoff, limit })) as number;
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage('close');
    await exited;
  }

  private spawn(): void {
    const worker = new Worker(path.join(__dirname, 'write-thread-worker.js'), { workerData: this.data });
    this.worker = worker;
    worker.unref();
    worker.on('message', (message: WriterReply | WriterStatus) => this.onMessage(message));
    worker.on('error', (error: unknown) => {
      this.lastFailure = failureOf(error);
    });
    worker.on('exit', () => this.onExit());
  }

  private onMessage(message: WriterReply | WriterStatus): void {
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
    const reply = message as WriterReply;
    const waiting = this.waiting.get(reply.id);
    this.waiting.delete(reply.id);
    if (!waiting) return;
    if (reply.error) waiting.reject(new WriterError(reply.error.message, reply.error.code));
    else waiting.resolve(reply);
  }

  private onExit(): void {
    const wasReady = this.ready;
    this.ready = false;
    this.worker = undefined;
    const reason = this.lastFailure?.message ?? 'it exited';
    this.lastFailure = undefined;
    for (const waiting of this.waiting.values()) waiting.reject(new WriterUnavailable(`the SQLite write thread stopped: ${reason}`));
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

  private async send<K extends WriterCommand>(kind: K, args: WriterCommands[K]): Promise<unknown> {
    const worker = this.worker;
    if (!this.ready || !worker) throw new WriterUnavailable('the SQLite write thread is not running');
    const reply = await new Promise<WriterReply>((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, kind, args } satisfies WriterRequest<K>);
    });
    return reply.result;
  }
}

function failureOf(error: unknown): WriterFailure {
  const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
  return { message: typeof message === 'string' ? message : String(error), code: typeof code === 'string' ? code : undefined };
}

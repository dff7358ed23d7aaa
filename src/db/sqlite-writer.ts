/** Hands SQLite's background writes (audit appends, purges) to the writer thread and waits for each. */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AuditEventInput } from '../audit/audit-event';
import type { AuditStore } from '../audit/audit-store-type';
import type { WriterData, WriterReply, WriterRequest } from './sqlite-writer-worker';

interface Waiting {
  resolve(reply: WriterReply): void;
  reject(error: Error): void;
}

/** A request before it is numbered (Omit over each member of the union). */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type RequestBody = WithoutId<WriterRequest>;

export class SqliteWriter implements Pick<AuditStore, 'append'> {
  private worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private closing = false;

  constructor(
    private readonly filename: string,
    private readonly auditKey: Buffer,
  ) {
    this.worker = this.start();
  }

  /** A thread that dies is replaced at once; what it had in hand fails, later requests go to the new one. */
  private start(): Worker {
    const worker = new Worker(path.join(__dirname, 'sqlite-writer-worker.js'), { workerData: { filename: this.filename, auditKey: this.auditKey } satisfies WriterData });
    worker.unref();
    worker.on('message', (reply: WriterReply) => {
      const waiting = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (!waiting) return;
      if (reply.error) waiting.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else waiting.resolve(reply);
    });
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', () => {
      this.failAll(new Error('the SQLite writer thread stopped'));
      if (!this.closing) this.worker = this.start();
    });
    return worker;
  }

  async append(events: readonly AuditEventInput[]): Promise<void> {
    await this.send({ kind: 'append', events });
  }

  /** Purges up to `limit` secrets expired at `now`, each with its `secret.expired` event; the keys purged. */
  async purgeExpired(now: number, limit: number): Promise<string[]> {
    return (await this.send({ kind: 'purge', now, limit })).keys ?? [];
  }

  async close(): Promise<void> {
    this.closing = true;
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.postMessage('close');
    await exited;
  }

  private send(body: RequestBody): Promise<WriterReply> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...body } as WriterRequest);
    });
  }

  private failAll(error: Error): void {
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }
}

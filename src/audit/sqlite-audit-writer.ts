/** Hands audit appends to the SQLite writer thread and waits for each to be durable. */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AuditEventInput } from './audit-event';
import type { AuditStore } from './audit-store-type';
import type { AppendReply, AppendRequest } from './sqlite-audit-worker';

interface Waiting {
  resolve(): void;
  reject(error: Error): void;
}

export class SqliteAuditWriter implements Pick<AuditStore, 'append'> {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;

  constructor(filename: string) {
    this.worker = new Worker(path.join(__dirname, 'sqlite-audit-worker.js'), { workerData: { filename } });
    this.worker.unref();
    this.worker.on('message', (reply: AppendReply) => {
      const waiting = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (!waiting) return;
      if (reply.error) waiting.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else waiting.resolve();
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', () => this.failAll(new Error('the audit writer thread stopped')));
  }

  append(events: readonly AuditEventInput[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, events } satisfies AppendRequest);
    });
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.postMessage('close');
    await exited;
  }

  private failAll(error: Error): void {
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }
}

/**
 * Turns requests into audit events. A route notes its action and key before
 * its checks; the event is recorded when the response finishes, whatever
 * its status, and 401s become `auth.denied`. Successful writes commit their
 * event before answering, so an acknowledged write is always in the chain.
 *
 * A 429 is recorded too (as `auth.denied` when it came before any route),
 * but only the first per subject or address in each second: a flood of
 * refused requests must not become a flood of audit writes.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { AuditAction, AuditEventInput } from '../audit/audit-event';
import type { AuditLog } from '../audit/audit-log';
import type { Clock } from '../clock';
import { LruMap } from '../lru-map';
import { locals } from './locals';

export class RequestAuditor {
  private readonly audit: Pick<AuditLog, 'record'>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  /** When a 429 was last recorded, by subject or address. */
  private readonly throttledAt = new LruMap<string, number>({ maxEntries: 10_000 });

  constructor(deps: { audit: Pick<AuditLog, 'record'>; clock: Clock; logger: Logger }) {
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.logger = deps.logger;
  }

  note(res: Response, action: AuditAction, key: string | null): void {
    locals(res).audit = { action, key };
  }

  /** Records the noted event now, with `outcome`, and waits until it is durable. */
  async commit(req: Request, res: Response, outcome: number): Promise<void> {
    const noted = locals(res).audit;
    if (!noted) throw new Error('commit without a noted audit action');
    noted.recorded = true;
    await this.audit.record(this.event(req, res, noted.action, noted.key, outcome));
  }

  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      res.on('finish', () => {
        const noted = locals(res).audit;
        if (noted?.recorded) return;
        if (res.statusCode === 429 && !this.firstThrottledThisSecond(req, res)) return;
        const denied = res.statusCode === 401 || (res.statusCode === 429 && !noted);
        const action = denied ? 'auth.denied' : noted?.action;
        if (!action) return;
        this.audit
          .record(this.event(req, res, action, noted?.key ?? null, res.statusCode))
          .catch((error: unknown) => this.logger.error({ err: error, requestId: locals(res).requestId }, 'could not record an audit event'));
      });
      next();
    };
  }

  private firstThrottledThisSecond(req: Request, res: Response): boolean {
    const id = locals(res).principal?.subject ?? `address ${req.socket.remoteAddress ?? 'unknown'}`;
    const now = this.clock.now();
    const last = this.throttledAt.get(id);
    if (last !== undefined && now - last < 1000) return false;
    this.throttledAt.set(id, now);
    return true;
  }

  private event(req: Request, res: Response, action: AuditAction, key: string | null, outcome: number): AuditEventInput {
    const { principal, requestId } = locals(res);
    return {
      time: this.clock.now(),
      subject: principal?.subject ?? null,
      jti: principal?.jti ?? null,
      action,
      key,
      outcome,
      requestId,
      client: req.socket.remoteAddress ?? null,
    };
  }
}

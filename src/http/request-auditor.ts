/**
 * Turns requests into audit events. A route declares its action and key
 * (see secured-route), noted before its checks; the event is recorded when
 * the response finishes, whatever its status, and 401s become `auth.denied`. Successful writes stage their
 * event in their own transaction instead (staged, see AuditLog.kick), so a write and
 * its event commit together.
 *
 * A 429 is recorded too (as `auth.denied` when it came before any route),
 * but only the first per subject or address in each second; a failed
 * unwrap, which anyone may attempt without a token, only the first per
 * address in each minute. A flood of refused requests must not become a
 * flood of audit writes (the metrics count every one).
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { AuditAction, AuditEventInput } from '../audit/audit-event';
import type { AuditLog } from '../audit/audit-log';
import type { Actor } from '../audit/audit-storage';
import type { Clock } from '../common/clock';
import { LruMap } from '../common/lru-map';
import { ThrottledErrorLog } from '../common/throttled-error-log';
import { locals } from './locals';

const THROTTLED_WINDOW_MS = 1000;
const FAILED_UNWRAP_WINDOW_MS = 60_000;
const FAILURE_LOG_INTERVAL_MS = 10_000;

export class RequestAuditor {
  private readonly audit: Pick<AuditLog, 'record'>;
  private readonly clock: Clock;
  /** While the database is out of reach or full, every request's event fails alike: logged once, then counted. */
  private readonly recordFailures: ThrottledErrorLog;
  /** When a 429 or a failed unwrap was last recorded, by what it is and who sent it. */
  private readonly lastRecordedAt = new LruMap<string, number>({ maxEntries: 10_000 });

  constructor(deps: { audit: Pick<AuditLog, 'record'>; clock: Clock; logger: Logger }) {
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.recordFailures = new ThrottledErrorLog({
      logger: deps.logger,
      clock: deps.clock,
      message: 'could not record an audit event',
      intervalMs: FAILURE_LOG_INTERVAL_MS,
    });
  }

  /** Who is making this request, for an event a write stages in its own transaction. */
  actor(req: Request, res: Response): Actor {
    const { principal, requestId } = locals(res);
    return { subject: principal?.subject ?? null, jti: principal?.jti ?? null, requestId, client: req.socket.remoteAddress ?? null };
  }

  /** The noted event was committed with the write: nothing to record when the response finishes. */
  committedWithWrite(res: Response): void {
    const noted = locals(res).audit;
    if (noted) noted.recorded = true;
  }

  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      res.on('finish', () => {
        const noted = locals(res).audit;
        if (noted?.recorded) return;
        if (res.statusCode === 429 && !this.firstInWindow(`429 ${this.sender(req, res)}`, THROTTLED_WINDOW_MS)) return;
        if (
          noted?.action === 'wrap.unwrap' &&
          res.statusCode === 404 &&
          !this.firstInWindow(`unwrap ${this.sender(req, res)}`, FAILED_UNWRAP_WINDOW_MS)
        )
          return;
        const denied = res.statusCode === 401 || (res.statusCode === 429 && !noted);
        const action = denied ? 'auth.denied' : noted?.action;
        if (!action) return;
        this.audit
          .record({
            ...this.event(req, res, action, noted?.key ?? null, res.statusCode),
            ...(noted?.detail ? { detail: noted.detail } : {}),
          })
          .catch((error: unknown) => this.recordFailures.report(error, { requestId: locals(res).requestId }));
      });
      next();
    };
  }

  private sender(req: Request, res: Response): string {
    return locals(res).principal?.subject ?? `address ${req.socket.remoteAddress ?? 'unknown'}`;
  }

  private firstInWindow(id: string, windowMs: number): boolean {
    const now = this.clock.now();
    const last = this.lastRecordedAt.get(id);
    if (last !== undefined && now - last < windowMs) return false;
    this.lastRecordedAt.set(id, now);
    return true;
  }

  private event(req: Request, res: Response, action: AuditAction, key: string | null, outcome: number): AuditEventInput {
    return { ...this.actor(req, res), time: this.clock.now(), action, key, outcome };
  }
}

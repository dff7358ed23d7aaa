/** GET /v1/audit: the audit trail, oldest first, scoped by audit:read. */
import { Router } from 'express';
import type { AuditStore } from '../../audit/audit-store-type';
import { formatTimestamp } from '../../clock';
import { InvalidRequest } from '../../errors';
import { parseTimestamp } from '../../timestamps';
import type { Metrics } from '../../metrics';
import type { ContinuationTokens } from '../../secrets/continuation-token';
import { principalOf } from '../locals';
import { requirePatternScope, requireScopes } from '../require-scope';

export function auditRoutes(deps: {
  auditStore: Pick<AuditStore, 'query'>;
  continuation: ContinuationTokens;
  metrics: Metrics;
}): Router {
  const { auditStore, continuation, metrics } = deps;
  const router = Router({ caseSensitive: true, strict: true });

  router.get('/v1/audit', async (req, res) => {
    const key = req.query.key as string | undefined;
    const subject = req.query.subject as string | undefined;
    const sinceText = req.query.since as string | undefined;
    const since = sinceText === undefined ? undefined : parseTimestamp(sinceText);
    if (sinceText !== undefined && since === undefined) throw new InvalidRequest('since must be an RFC 3339 date-time that exists');
    const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
    const binding = JSON.stringify([key ?? null, subject ?? null, since ?? null]);
    const token = req.query.continuationToken as string | undefined;
    const afterSeq = token === undefined ? undefined : Number(continuation.resume(token, binding));
    // Without a key the caller reads every key's events: only a pattern covering audit:read:** allows that.
    if (key === undefined) requirePatternScope(principalOf(res), 'audit:read:**', metrics);
    else requireScopes(principalOf(res), [['audit', 'read', key]], metrics);

    const events = await auditStore.query({ key, subject, since, afterSeq, limit });
    const last = events[events.length - 1];
    res.json({
      events: events.map((event) => ({
        id: event.seq,
        time: formatTimestamp(event.time),
        subject: event.subject,
        jti: event.jti,
        action: event.action,
        key: event.key,
        outcome: event.outcome,
        requestId: event.requestId,
        client: event.client,
      })),
      ...(events.length === limit && last ? { continuationToken: continuation.issue(binding, String(last.seq)) } : {}),
    });
  });

  return router;
}

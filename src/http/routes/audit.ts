/** GET /v1/audit: the audit trail, oldest or newest first, scoped by audit:read. */
import { Router } from 'express';
import type { AuditOrder, AuditStorage } from '../../audit/audit-storage';
import { formatTimestamp } from '../../common/clock';
import { InvalidRequest } from '../../errors';
import { parseTimestamp } from '../../common/timestamps';
import type { ContinuationTokens } from '../../secrets/continuation-tokens';
import { setNextLink } from '../next-link';
import { secured } from '../secured-route';

export function auditRoutes(deps: { auditStore: Pick<AuditStorage, 'query'>; continuation: ContinuationTokens }): Router {
  const { auditStore, continuation } = deps;
  const router = Router({ caseSensitive: true, strict: true });

  router.get(
    '/v1/audit',
    secured({
      parse: (req) => {
        const key = req.query.key as string | undefined;
        const subject = req.query.subject as string | undefined;
        const sinceText = req.query.since as string | undefined;
        const since = sinceText === undefined ? undefined : parseTimestamp(sinceText);
        if (sinceText !== undefined && since === undefined) throw new InvalidRequest('since must be an RFC 3339 date-time that exists');
        const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
        const order = (req.query.order as AuditOrder | undefined) ?? 'oldest';
        const binding = JSON.stringify([key ?? null, subject ?? null, since ?? null, order]);
        const token = req.query.continuationToken as string | undefined;
        const afterSeq = token === undefined ? undefined : Number(continuation.resume(token, binding));
        return { key, subject, since, order, limit, afterSeq, binding };
      },
      // Without a key the caller reads every key's events: only a pattern covering audit:read:** allows that.
      scopes: ({ key }) => (key === undefined ? [{ covering: 'audit:read:**' }] : [['audit', 'read', key]]),
      async handle({ binding, ...query }, req, res) {
        const events = await auditStore.query(query);
        const last = events[events.length - 1];
        const continuationToken = events.length === query.limit && last ? continuation.issue(binding, String(last.seq)) : undefined;
        setNextLink(req, res, continuationToken);
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
            ...(event.detail == null ? {} : { detail: event.detail }),
          })),
          ...(continuationToken ? { continuationToken } : {}),
        });
      },
    }),
  );

  return router;
}

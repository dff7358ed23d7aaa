/**
 * POST /v1/wrap (secret:wrap:<key> to wrap a secret, wrap:value:<own
 * subject> to wrap a value of one's own), and POST
 * /v1/unwrap and /v1/wrap/lookup, which take no Authorization: the wrap
 * token in the body is the credential. The wrap token is never logged,
 * audited or echoed in an error.
 */
import { Router, type Request, type Response } from 'express';
import { formatTimestamp } from '../../common/clock';
import { InvalidKey, InvalidRequest, WrapTokenNotFound } from '../../errors';
import { keyProblem } from '../../secrets/secret-key';
import type { Metrics } from '../metrics';
import type { SecretValue } from '../../secrets/secret-service';
import type { WrapInfo } from '../../wraps/wrap-storage';
import type { WrapService } from '../../wraps/wrap-service';
import { locals, principalOf } from '../locals';
import type { RequestAuditor } from '../request-auditor';
import { secured } from '../secured-route';

function infoBody(info: WrapInfo) {
  return {
    ...(info.key === null ? {} : { key: info.key }),
    created: formatTimestamp(info.createdAt),
    expires: formatTimestamp(info.expiresAt),
    creator: info.creator,
  };
}

function bodyKey(req: Request): string | null {
  const key = (req.body as { key?: unknown } | undefined)?.key;
  return typeof key === 'string' ? key : null;
}

export function wrapRoutes(deps: { wraps: WrapService; auditor: RequestAuditor; metrics: Metrics }): Router {
  const { wraps, auditor, metrics } = deps;
  const router = Router({ caseSensitive: true, strict: true });

  router.post(
    '/v1/wrap',
    secured({
      audit: (req) => ['wrap.create', bodyKey(req)],
      parse: (req) => {
        const body = req.body as { key?: string; value?: SecretValue; ttl: number };
        if ((body.key === undefined) === (body.value === undefined)) throw new InvalidRequest('give exactly one of key and value');
        const problem = body.key === undefined ? undefined : keyProblem(body.key);
        if (problem) throw new InvalidKey(problem);
        return { key: body.key, value: body.value, ttlSeconds: wraps.checkTtl(body.ttl) };
      },
      // A value of one's own is stored until it is taken: only a subject granted wrap:value for itself may park one.
      scopes: ({ key }, caller) => (key === undefined ? [['wrap', 'value', caller.subject]] : [['secret', 'wrap', key]]),
      async handle(request, req, res) {
        const created = await wraps.create(request, principalOf(res).subject, auditor.actor(req, res));
        auditor.committedWithWrite(res);
        metrics.wraps.inc({ event: 'created' });
        res.status(201).json({
          wrapToken: created.wrapToken,
          expires: formatTimestamp(created.expiresAt),
          ...(created.key === null ? {} : { key: created.key }),
        });
      },
    }),
  );

  const wrapTokenOf = (req: Request): string => (req.body as { wrapToken: string }).wrapToken;

  router.post('/v1/unwrap', async (req: Request, res: Response) => {
    // Failures are audited when the response finishes; a success commits its event with the unwrap.
    locals(res).audit = { action: 'wrap.unwrap', key: null };
    let unwrapped;
    try {
      unwrapped = await wraps.unwrap(wrapTokenOf(req), auditor.actor(req, res));
    } catch (error) {
      // Counted every time; audited at most once a minute per address (see RequestAuditor).
      if (error instanceof WrapTokenNotFound) metrics.wraps.inc({ event: 'unwrap_failed' });
      throw error;
    }
    auditor.committedWithWrite(res);
    metrics.wraps.inc({ event: 'unwrapped' });
    res.json({ value: unwrapped.value, ...infoBody(unwrapped) });
  });

  router.post('/v1/wrap/lookup', async (req: Request, res: Response) => {
    res.json(infoBody(await wraps.lookup(wrapTokenOf(req))));
  });

  return router;
}

/**
 * Per-request bookkeeping: a request id (the client's own when it is
 * well-formed), `Cache-Control: no-store` on every response, and on finish
 * one log line and the request metrics. Never the URL's key, a body or a header.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from './metrics';
import { locals } from './locals';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

interface RoutedRequest extends Request {
  openapi?: { openApiRoute?: string };
}

function routeLabel(req: RoutedRequest): string {
  return req.openapi?.openApiRoute ?? (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
}

export function requestContext(deps: { logger: Logger; metrics: Metrics }) {
  const { logger, metrics } = deps;
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const offered = req.headers['x-request-id'];
    const requestId = typeof offered === 'string' && CLIENT_REQUEST_ID.test(offered) ? offered : randomUUID();
    locals(res).requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    res.setHeader('Cache-Control', 'no-store');
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { route: routeLabel(req as RoutedRequest), method: req.method, status: String(res.statusCode) };
      metrics.requests.inc(labels);
      metrics.requestDuration.observe(labels, seconds);
      logger.info(
        {
          requestId,
          subject: locals(res).principal?.subject,
          method: req.method,
          route: labels.route,
          status: res.statusCode,
          durationMs: Math.round(seconds * 1e6) / 1e3,
        },
        'request',
      );
    });
    next();
  };
}

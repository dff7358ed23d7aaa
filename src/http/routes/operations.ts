/**
 * Health, readiness, metrics and the OpenAPI document: no token needed, no
 * key or value revealed. Metrics do tell how many secrets exist; operators
 * who mind set SECRETS_METRICS_TOKEN.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';
import { Unauthorized, Unavailable } from '../../errors';
import type { Metrics } from '../../metrics';
import { packageVersion } from '../../version';
import type { OpenApiDocument } from '../openapi';

export function operationsRoutes(deps: {
  metrics: Metrics;
  isReady: () => Promise<boolean>;
  openApiDocument: OpenApiDocument;
  metricsToken?: string;
}): Router {
  const { metrics, isReady, openApiDocument, metricsToken } = deps;
  const expected = metricsToken === undefined ? undefined : digest(`Bearer ${metricsToken}`);
  const mayReadMetrics = (req: Request): boolean =>
    expected === undefined || timingSafeEqual(digest(req.headers.authorization ?? ''), expected);
  const router = Router({ caseSensitive: true, strict: true });

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', version: packageVersion() });
  });

  router.get('/readyz', async (_req, res) => {
    const ready = await isReady().catch(() => false);
    if (!ready) throw new Unavailable('the database is not reachable or not migrated');
    res.json({ status: 'ready' });
  });

  router.get('/metrics', async (req, res) => {
    if (!mayReadMetrics(req)) throw new Unauthorized('/metrics needs the operators\' metrics token', req.headers.authorization !== undefined);
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  router.get('/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });

  return router;
}

/** Equal-length digests, so that comparing them takes the same time whatever was sent. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Health, readiness, metrics and the OpenAPI document: no token needed, no key or value revealed. */
import { Router } from 'express';
import { Unavailable } from '../../errors';
import type { Metrics } from '../../metrics';
import type { OpenApiDocument } from '../openapi';

export function operationsRoutes(deps: {
  metrics: Metrics;
  isReady: () => Promise<boolean>;
  openApiDocument: OpenApiDocument;
}): Router {
  const { metrics, isReady, openApiDocument } = deps;
  const router = Router({ caseSensitive: true, strict: true });

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const ready = await isReady().catch(() => false);
    if (!ready) throw new Unavailable('the database is not reachable or not migrated');
    res.json({ status: 'ready' });
  });

  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  router.get('/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });

  return router;
}

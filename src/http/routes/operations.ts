/**
 * Health, readiness, metrics and the OpenAPI document: no token needed, no
 * key or value revealed. Metrics do tell how many secrets exist; operators
 * who mind set SECRETS_METRICS_TOKEN.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';
import { Unauthorized, Unavailable } from '../../errors';
import type { NotReadyReason, Readiness } from '../../storage/readiness-probe';
import type { Metrics } from '../metrics';
import { packageVersion } from '../../common/version';
import type { OpenApiDocument } from '../openapi';

const NOT_READY_TEXT: Record<NotReadyReason, string> = {
  database_unreachable: 'the database does not answer',
  not_migrated: 'the database is not migrated',
  disk_full: "the database's disk is full",
  writer_down: 'the database writer is restarting',
};

export function operationsRoutes(deps: {
  metrics: Metrics;
  readiness: () => Readiness;
  openApiDocument: OpenApiDocument;
  metricsToken?: string;
}): Router {
  const { metrics, readiness, openApiDocument, metricsToken } = deps;
  const expected = metricsToken === undefined ? undefined : digest(`Bearer ${metricsToken}`);
  const mayReadMetrics = (req: Request): boolean =>
    expected === undefined || timingSafeEqual(digest(req.headers.authorization ?? ''), expected);
  const router = Router({ caseSensitive: true, strict: true });

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', version: packageVersion() });
  });

  // Answered from what the background probe found: never waits on the database.
  router.get('/readyz', (_req, res) => {
    const { ready, reasons } = readiness();
    if (!ready) throw new Unavailable(`not ready: ${reasons.map((reason) => NOT_READY_TEXT[reason]).join('; ')}`);
    res.json({ status: 'ready' });
  });

  router.get('/metrics', async (req, res) => {
    if (!mayReadMetrics(req))
      throw new Unauthorized("/metrics needs the operators' metrics token", req.headers.authorization !== undefined);
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

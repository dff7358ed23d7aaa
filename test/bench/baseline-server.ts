/**
 * The baselines, each in its own process and returning the same JSON as a
 * scoped-secrets GET: (1) node:http, (2) express 5, (3) express 5 with
 * express-openapi-validator validating the same route with our document.
 * Usage: node baseline-server.js node|express|validator; prints its port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadOpenApiDocument, openApiValidation } from '../../src/http/openapi';

export const BASELINE_BODY = JSON.stringify({
  key: 'bench/s/00042',
  value: { user: 'bench-user', password: 'x'.repeat(120), host: 'db.internal', port: 5432 },
  expires: '2030-01-01T00:00:00.000Z',
  version: 1,
  created: '2026-11-22T00:00:00.000Z',
  updated: '2026-11-22T00:00:00.000Z',
});

function expressApp(validate: boolean): express.Express {
  const app = express();
  app.set('etag', false);
  // The router (and the validator) see the key as one encoded segment, as in scoped-secrets.
  app.use((req, _res, next) => {
    req.url = req.url.replace(/^\/v1\/secret\/(.+)$/, (_m, key: string) => `/v1/secret/${encodeURIComponent(key)}`);
    next();
  });
  if (validate) app.use(openApiValidation(loadOpenApiDocument(), false));
  app.get('/v1/secret/:key', (_req, res) => {
    res.type('application/json').send(BASELINE_BODY);
  });
  return app;
}

const mode = process.argv[2];
const server =
  mode === 'node'
    ? http.createServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(BASELINE_BODY);
      })
    : http.createServer(expressApp(mode === 'validator'));
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

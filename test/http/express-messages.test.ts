/**
 * Requests and responses are born with the app's prototypes, so that
 * express never changes them (which made V8 keep every response past two
 * scavenges), and express's helpers still work on them.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { buildApp } from '../../src/app';
import { adoptMessageClasses, expressMessageClasses, type MessageClasses } from '../../src/http/express-messages';
import { loadOpenApiDocument } from '../../src/http/openapi';
import { silentLogger } from '../../src/common/logger';
import { createHttpServer, DEFAULT_TIMEOUTS } from '../../src/server/create-server';
import { DEFAULT_CONNECTION_LIMITS } from '../../src/server/connection-limits';
import { sqlite, type TestDatabase } from '../support/databases';
import { startTestService, type TestService } from '../support/service';

/** Serves `app` from `messages`; `born` says, per request, whether both objects arrived with the app's prototypes. */
async function serve(app: express.Express, messages: MessageClasses) {
  const server = createHttpServer(app, DEFAULT_TIMEOUTS, { limits: DEFAULT_CONNECTION_LIMITS, logger: silentLogger }, messages);
  const born: boolean[] = [];
  // Before express's own listener: what the server made, before express could change it.
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    born.push(Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, born, url, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('requests and responses born with the app’s prototypes', () => {
  it('keep express’s request and response helpers, and the app', async () => {
    const app = express();
    const messages = expressMessageClasses();
    adoptMessageClasses(app, messages);
    app.set('etag', false);
    app.get('/hello/:name', (req, res) => {
      res
        .status(201)
        .set('X-Greeting', 'hi')
        .json({ name: req.params.name, host: req.get('host'), path: req.path, sameApp: req.app === app && res.app === app });
    });
    const served = await serve(app, messages);
    try {
      const res = await fetch(`${served.url}/hello/ada?x=1`);
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('x-greeting'), 'hi');
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(await res.json(), { name: 'ada', host: served.url.slice('http://'.length), path: '/hello/ada', sameApp: true });
      assert.deepEqual(served.born, [true]);
    } finally {
      await served.close();
    }
  });

  it('are a fresh pair for each app, each pointing at its own', () => {
    const [first, second] = [express(), express()];
    adoptMessageClasses(first, expressMessageClasses());
    adoptMessageClasses(second, expressMessageClasses());
    assert.notEqual(first.request, second.request);
    assert.equal(first.request.app, first);
    assert.equal(second.response.app, second);
  });

  describe('the service', () => {
    let db: TestDatabase;
    let svc: TestService;
    before(async () => {
      db = await sqlite.create();
      svc = await startTestService(db);
    });
    after(async () => {
      await svc.close();
      await db.drop();
    });

    it('serves a PUT and a GET from the server’s classes, which its app adopted', async () => {
      const messages = expressMessageClasses();
      const app = buildApp({
        ...svc.services,
        logger: silentLogger,
        openApiDocument: loadOpenApiDocument(),
        maxBodyBytes: svc.config.maxSecretBytes,
        validateResponses: true,
        messages,
      });
      const served = await serve(app, messages);
      const headers = { authorization: `Bearer ${svc.token(['secret:*:app/**'])}`, 'content-type': 'application/json' };
      try {
        const expires = new Date(svc.clock.now() + 3_600_000).toISOString();
        const put = await fetch(`${served.url}/v1/secret/app/db`, {
          method: 'PUT',
          headers,
          body: JSON.stringify({ value: { password: 'pw' }, expires }),
        });
        assert.equal(put.status, 201, await put.text());
        const get = await fetch(`${served.url}/v1/secret/app/db`, { headers });
        assert.equal(get.status, 200);
        assert.deepEqual(((await get.json()) as { value: unknown }).value, { password: 'pw' });
        assert.deepEqual(served.born, [true, true]);
      } finally {
        await served.close();
      }
    });
  });
});

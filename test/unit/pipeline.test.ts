import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import request from 'supertest';
import { pipeline, under, unlessSecretPath } from '../../src/http/pipeline';

/** An app whose pipeline notes what ran; the answer lists it, or the error's message. */
function appWith(handler: (ran: string[]) => RequestHandler) {
  const app = express();
  app.use((_req, res, next) => {
    res.locals.ran = [];
    next();
  });
  app.use((req, res, next) => handler(res.locals.ran as string[])(req, res, next));
  app.use((_req, res) => {
    res.json({ ran: res.locals.ran });
  });
  const onError: ErrorRequestHandler = (error: Error, _req, res, _next) => {
    res.status(500).json({ error: error.message, ran: res.locals.ran });
  };
  app.use(onError);
  return app;
}

const noting =
  (name: string, ran: string[]): RequestHandler =>
  (_req, _res, next) => {
    ran.push(name);
    next();
  };

describe('pipeline', () => {
  it('runs its handlers in order, then the rest of the app', async () => {
    const app = appWith((ran) => pipeline(noting('a', ran), noting('b', ran), noting('c', ran)));
    const res = await request(app).get('/anything').expect(200);
    assert.deepEqual(res.body, { ran: ['a', 'b', 'c'] });
  });

  it('sends a thrown error to the error handler and skips the handlers after it', async () => {
    const throwing: RequestHandler = () => {
      throw new Error('refused');
    };
    const app = appWith((ran) => pipeline(noting('a', ran), throwing, noting('c', ran)));
    const res = await request(app).get('/').expect(500);
    assert.deepEqual(res.body, { error: 'refused', ran: ['a'] });
  });

  it('sends a rejected promise to the error handler', async () => {
    const rejecting: RequestHandler = async () => {
      await Promise.resolve();
      throw new Error('refused later');
    };
    const app = appWith((ran) => pipeline(rejecting, noting('b', ran)));
    const res = await request(app).get('/').expect(500);
    assert.deepEqual(res.body, { error: 'refused later', ran: [] });
  });

  it('sends an error passed to next to the error handler', async () => {
    const app = appWith((ran) => pipeline((_req, _res, next) => next(new Error('passed on')), noting('b', ran)));
    const res = await request(app).get('/').expect(500);
    assert.deepEqual(res.body, { error: 'passed on', ran: [] });
  });
});

describe('under', () => {
  it('runs its handler for the prefix itself and the paths below it, as app.use(prefix) would', async () => {
    const app = appWith((ran) => under('/v1', noting('v1', ran)));
    for (const path of ['/v1', '/v1/', '/v1/whoami', '/v1/secret/a/b?version=2']) {
      assert.deepEqual((await request(app).get(path).expect(200)).body, { ran: ['v1'] }, path);
    }
    for (const path of ['/v10', '/v1x/whoami', '/V1/whoami', '/healthz', '/']) {
      assert.deepEqual((await request(app).get(path).expect(200)).body, { ran: [] }, path);
    }
  });
});

describe('unlessSecretPath', () => {
  it('skips its handler for the secret route only', async () => {
    const app = appWith((ran) => unlessSecretPath(noting('other', ran)));
    assert.deepEqual((await request(app).get('/v1/secret/ci/deploy').expect(200)).body, { ran: [] });
    for (const path of ['/v1/secrets', '/v1/whoami', '/healthz', '/ui/']) {
      assert.deepEqual((await request(app).get(path).expect(200)).body, { ran: ['other'] }, path);
    }
  });
});

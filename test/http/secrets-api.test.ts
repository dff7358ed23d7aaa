/** The secrets API over HTTP, on SQLite and PostgreSQL: every status code of every secret route. */
import assert from 'node:assert/strict';
import { before, beforeEach, describe, it } from 'node:test';
import request from 'supertest';
import { describeEachDialect } from '../support/databases';
import { useTestService } from '../support/service';

const HOUR = 3_600_000;

describeEachDialect('secrets API', (dialect) => {
  const svc = useTestService(dialect, { SECRETS_HISTORY: '3' });
  let admin: string;

  before(async () => {
    admin = svc.token(['secret:*:**']);
  });

  const future = (ms = HOUR) => new Date(svc.clock.now() + ms).toISOString();
  const put = (key: string, value: object = { user: 'u', password: 'p' }, token = admin, expires = future()) =>
    request(svc.app).put(`/v1/secret/${key}`).set('Authorization', `Bearer ${token}`).send({ value, expires });
  const get = (path: string, token = admin) => request(svc.app).get(path).set('Authorization', `Bearer ${token}`);
  const del = (key: string, token = admin) => request(svc.app).delete(`/v1/secret/${key}`).set('Authorization', `Bearer ${token}`);

  describe('PUT /v1/secret/{key}', () => {
    it('creates with 201, replaces with 200, and returns metadata with an ETag but never the value', async () => {
      const created = await put('put/one', { a: 'x' });
      assert.equal(created.status, 201);
      assert.equal(created.headers.etag, '"1"');
      assert.deepEqual(Object.keys(created.body).sort(), ['created', 'expires', 'key', 'updated', 'version']);
      assert.equal(created.body.version, 1);
      const replaced = await put('put/one', { a: 'y' });
      assert.equal(replaced.status, 200);
      assert.equal(replaced.headers.etag, '"2"');
      assert.equal(replaced.body.version, 2);
      assert.equal(replaced.body.created, created.body.created);
    });

    it('normalises an offset in expires to UTC with milliseconds', async () => {
      const res = await request(svc.app)
        .put('/v1/secret/put/offset')
        .set('Authorization', `Bearer ${admin}`)
        .send({ value: {}, expires: '2031-06-01T12:00:00.123+02:00' });
      assert.equal(res.status, 201);
      assert.equal(res.body.expires, '2031-06-01T10:00:00.123Z');
    });

    for (const [why, body] of [
      ['value is missing', { expires: '2031-01-01T00:00:00Z' }],
      ['value is not an object', { value: 'text', expires: '2031-01-01T00:00:00Z' }],
      ['value is an array', { value: [1], expires: '2031-01-01T00:00:00Z' }],
      ['expires is missing', { value: {} }],
      ['expires is not a date-time', { value: {}, expires: 'tomorrow' }],
      ['expires is in the past', { value: {}, expires: '2029-01-01T00:00:00Z' }],
      ['an unknown field is present', { value: {}, expires: '2031-01-01T00:00:00Z', ttl: 5 }],
    ] as const) {
      it(`is 400 InvalidRequest when ${why}`, async () => {
        const res = await request(svc.app).put('/v1/secret/put/bad').set('Authorization', `Bearer ${admin}`).send(body);
        assert.equal(res.status, 400);
        assert.equal(res.body.code, 'InvalidRequest');
      });
    }

    it('is 400 for malformed JSON, without echoing the body', async () => {
      const res = await request(svc.app)
        .put('/v1/secret/put/bad')
        .set('Authorization', `Bearer ${admin}`)
        .set('Content-Type', 'application/json')
        .send('{"value": {"password": "hunter2-marker"');
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 'InvalidRequest');
      assert.ok(!res.text.includes('hunter2-marker'));
    });

    it('is 400 for a body nested deeper than 64 levels', async () => {
      const deep = `{"value":${'{"a":'.repeat(70)}1${'}'.repeat(70)},"expires":"2031-01-01T00:00:00Z"}`;
      const res = await request(svc.app)
        .put('/v1/secret/put/deep')
        .set('Authorization', `Bearer ${admin}`)
        .set('Content-Type', 'application/json')
        .send(deep);
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 'InvalidRequest');
    });

    it('is 413 PayloadTooLarge over the body limit', async () => {
      const res = await put('put/big', { blob: 'x'.repeat(1_100_000) });
      assert.equal(res.status, 413);
      assert.equal(res.body.code, 'PayloadTooLarge');
    });

    it('is 415 UnsupportedMediaType for a body that is not JSON', async () => {
      const res = await request(svc.app)
        .put('/v1/secret/put/text')
        .set('Authorization', `Bearer ${admin}`)
        .set('Content-Type', 'text/plain')
        .send('value=1');
      assert.equal(res.status, 415);
      assert.equal(res.body.code, 'UnsupportedMediaType');
    });

    it('honours If-Match and If-None-Match, and rejects a malformed tag with 400', async () => {
      assert.equal((await put('put/cas')).status, 201);
      const stale = await put('put/cas').set('If-Match', '"7"');
      assert.equal(stale.status, 412);
      assert.equal(stale.body.code, 'PreconditionFailed');
      assert.equal((await put('put/cas').set('If-Match', '"1"')).status, 200);
      assert.equal((await put('put/cas').set('If-Match', 'W/"9", W/"2"')).status, 200);
      assert.equal((await put('put/cas').set('If-Match', '*')).status, 200);
      assert.equal((await put('put/cas').set('If-None-Match', '*')).status, 412);
      assert.equal((await put('put/cas-new').set('If-Match', '*')).status, 412);
      assert.equal((await put('put/cas-new').set('If-None-Match', '*')).status, 201);
      const malformed = await put('put/cas').set('If-Match', '4');
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.code, 'InvalidRequest');
    });

    it('treats an expired, unswept secret as absent: 201, version 1, history cleared', async () => {
      await put('put/expiring', { n: 1 }, admin, future(1000));
      await put('put/expiring', { n: 2 }, admin, future(1000));
      svc.clock.advance(2000);
      assert.equal((await put('put/expiring').set('If-Match', '*')).status, 412);
      const reborn = await put('put/expiring', { n: 3 }).set('If-None-Match', '*');
      assert.equal(reborn.status, 201);
      assert.equal(reborn.body.version, 1);
      const history = svc.token(['secret:get:**', 'secret:history:**']);
      assert.equal((await get('/v1/secret/put/expiring?version=2', history)).status, 404);
    });
  });

  describe('GET /v1/secret/{key}', () => {
    it('returns the value, metadata and ETag', async () => {
      await put('get/one', { user: 'ci', password: 's3cret' });
      const res = await get('/v1/secret/get/one');
      assert.equal(res.status, 200);
      assert.equal(res.headers.etag, '"1"');
      assert.deepEqual(res.body.value, { user: 'ci', password: 's3cret' });
      assert.equal(res.body.key, 'get/one');
      assert.equal(res.body.version, 1);
    });

    it('is 404 SecretNotFound for a missing secret', async () => {
      const res = await get('/v1/secret/get/missing');
      assert.equal(res.status, 404);
      assert.equal(res.body.code, 'SecretNotFound');
    });

    it('an expired secret reads as 410 until swept, then 404', async () => {
      await put('get/expiring', {}, admin, future(500));
      svc.clock.advance(1000);
      const expired = await get('/v1/secret/get/expiring');
      assert.equal(expired.status, 410);
      assert.equal(expired.body.code, 'SecretExpired');
      await svc.services.sweeper.runOnce();
      assert.equal((await get('/v1/secret/get/expiring')).status, 404);
    });

    it('serves earlier versions with ?version=N, keeping SECRETS_HISTORY of them', async () => {
      for (let n = 1; n <= 4; n++) await put('get/history', { n });
      const history = svc.token(['secret:get:get/**', 'secret:history:get/**']);
      const v2 = await get('/v1/secret/get/history?version=2', history);
      assert.equal(v2.status, 200);
      assert.deepEqual(v2.body.value, { n: 2 });
      assert.equal(v2.headers.etag, '"2"');
      assert.equal((await get('/v1/secret/get/history?version=4', history)).body.value.n, 4);
      const pruned = await get('/v1/secret/get/history?version=1', history);
      assert.equal(pruned.status, 404);
      assert.equal(pruned.body.code, 'SecretNotFound');
      assert.equal((await get('/v1/secret/get/history?version=99', history)).status, 404);
    });

    it('rejects a bad version or an unknown query parameter with 400', async () => {
      for (const query of ['version=abc', 'version=0', 'version=-1', 'colour=blue']) {
        const res = await get(`/v1/secret/get/one?${query}`);
        assert.equal(res.status, 400, query);
        assert.equal(res.body.code, 'InvalidRequest', query);
      }
    });

    it('answers a matching If-None-Match with 304 and ignores If-Match', async () => {
      await put('get/cond');
      assert.equal((await get('/v1/secret/get/cond').set('If-None-Match', '"1"')).status, 304);
      assert.equal((await get('/v1/secret/get/cond').set('If-None-Match', '"2"')).status, 200);
      assert.equal((await get('/v1/secret/get/cond').set('If-Match', '"5"')).status, 200);
    });
  });

  describe('DELETE /v1/secret/{key}', () => {
    it('deletes with 204, then 404', async () => {
      await put('del/one');
      assert.equal((await del('del/one')).status, 204);
      assert.equal((await get('/v1/secret/del/one')).status, 404);
      const again = await del('del/one');
      assert.equal(again.status, 404);
      assert.equal(again.body.code, 'SecretNotFound');
    });

    it('deletes the history too', async () => {
      await put('del/history', { n: 1 });
      await put('del/history', { n: 2 });
      await del('del/history');
      await put('del/history', { n: 3 });
      const history = svc.token(['secret:get:**', 'secret:history:**']);
      assert.equal((await get('/v1/secret/del/history?version=1', history)).body.value.n, 3);
      assert.equal((await get('/v1/secret/del/history?version=2', history)).status, 404);
    });

    it('deletes an expired, unswept secret with 204', async () => {
      await put('del/expired', {}, admin, future(500));
      svc.clock.advance(1000);
      assert.equal((await del('del/expired')).status, 204);
    });

    it('honours If-Match', async () => {
      await put('del/cas');
      assert.equal((await del('del/cas').set('If-Match', '"2"')).status, 412);
      assert.equal((await del('del/cas').set('If-Match', '"1"')).status, 204);
    });
  });

  describe('GET /v1/secrets', () => {
    before(async () => {
      for (const key of ['list/a', 'list/a/x', 'list/a/y', 'list/b', 'list/B', 'list/a-z', 'list/a.b', 'list/ab', 'listed/q']) {
        await put(key);
      }
      await put('list/gone', {}, admin, future(10));
    });

    const list = (query: string, token = admin) => get(`/v1/secrets${query}`, token);

    it('lists a whole-segment prefix in code-point order with metadata only', async () => {
      const res = await list('?prefix=list/a');
      assert.equal(res.status, 200);
      assert.deepEqual(
        res.body.secrets.map((s: { key: string }) => s.key),
        ['list/a', 'list/a/x', 'list/a/y'],
      );
      assert.deepEqual(Object.keys(res.body.secrets[0]).sort(), ['expires', 'key', 'updated', 'version']);
      const all = await list('?prefix=list');
      assert.deepEqual(
        all.body.secrets.map((s: { key: string }) => s.key),
        ['list/B', 'list/a', 'list/a-z', 'list/a.b', 'list/a/x', 'list/a/y', 'list/ab', 'list/b', 'list/gone'],
      );
    });

    it('leaves out expired secrets', async () => {
      svc.clock.advance(20);
      const res = await list('?prefix=list');
      assert.ok(!res.body.secrets.some((s: { key: string }) => s.key === 'list/gone'));
    });

    it('silently leaves out keys the caller may not list', async () => {
      const narrow = svc.token(['secret:list:list/a/*', 'secret:get:list/**']);
      const res = await list('?prefix=list', narrow);
      assert.deepEqual(
        res.body.secrets.map((s: { key: string }) => s.key),
        ['list/a/x', 'list/a/y'],
      );
      const none = await list('', svc.token(['secret:get:**']));
      assert.deepEqual(none.body.secrets, []);
    });

    it('pages with a continuation token bound to its prefix', async () => {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const res = await list(`?prefix=list&limit=2${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`);
        assert.equal(res.status, 200);
        assert.ok(res.body.secrets.length <= 2);
        seen.push(...res.body.secrets.map((s: { key: string }) => s.key));
        token = res.body.continuationToken;
        pages++;
      } while (token && pages < 20);
      assert.equal(seen.length, 8);
      assert.deepEqual(seen, [...seen].sort());

      const first = await list('?prefix=list&limit=2');
      const issued: string = first.body.continuationToken;
      const retargeted = await list(`?prefix=listed&continuationToken=${encodeURIComponent(issued)}`);
      assert.equal(retargeted.status, 400);
      assert.equal(retargeted.body.code, 'InvalidContinuationToken');
      const bytes = Buffer.from(issued, 'base64url');
      const flipped = Buffer.from(bytes);
      flipped.writeUInt8(flipped.readUInt8(40) ^ 1, 40);
      const tampered = flipped.toString('base64url');
      const truncated = bytes.subarray(0, bytes.length - 1).toString('base64url');
      for (const bad of [tampered, truncated, `${issued}AA`, 'garbage', 'e30.AAAA']) {
        const res = await list(`?prefix=list&continuationToken=${encodeURIComponent(bad)}`);
        assert.equal(res.status, 400, bad);
        assert.equal(res.body.code, 'InvalidContinuationToken', bad);
      }
    });

    it('rejects an invalid prefix with InvalidKey and a bad limit with InvalidRequest', async () => {
      for (const prefix of ['list/', '/list', 'a//b', 'a/../b', 'ci%2Fx', 'ci/*']) {
        const res = await list(`?prefix=${encodeURIComponent(prefix)}`);
        assert.equal(res.status, 400, prefix);
        assert.equal(res.body.code, 'InvalidKey', prefix);
      }
      for (const query of ['?limit=0', '?limit=1001', '?limit=x', '?page=2']) {
        const res = await list(query);
        assert.equal(res.status, 400, query);
        assert.equal(res.body.code, 'InvalidRequest', query);
      }
    });
  });

  describe('scope matrix', () => {
    // Each row: a token's scopes; each cell: the status of one operation on
    // an existing secret ci/app and on a missing one, ci/missing.
    const OPERATIONS = ['GET', 'GET?version=1', 'PUT', 'DELETE', 'GET missing', 'PUT missing', 'DELETE missing'] as const;
    const MATRIX: Array<[string, readonly string[] | undefined, readonly number[]]> = [
      ['no token', undefined, [401, 401, 401, 401, 401, 401, 401]],
      ['secret:*:**', ['secret:*:**'], [200, 200, 200, 204, 404, 201, 404]],
      ['secret:get:ci/**', ['secret:get:ci/**'], [200, 403, 403, 403, 404, 403, 403]],
      ['get and history', ['secret:get:ci/**', 'secret:history:ci/**'], [200, 200, 403, 403, 404, 403, 403]],
      ['history only', ['secret:history:ci/**'], [403, 403, 403, 403, 403, 403, 403]],
      ['secret:set:ci/*', ['secret:set:ci/*'], [403, 403, 200, 403, 403, 201, 403]],
      ['secret:delete:ci/app', ['secret:delete:ci/app'], [403, 403, 403, 204, 403, 403, 403]],
      ['other tree', ['secret:*:prod/**'], [403, 403, 403, 403, 403, 403, 403]],
      ['ci/* is not ci/app/x', ['secret:*:ci/app/*'], [403, 403, 403, 403, 403, 403, 403]],
      ['list only', ['secret:list:**'], [403, 403, 403, 403, 403, 403, 403]],
      ['action wildcard', ['secret:*:ci/**'], [200, 200, 200, 204, 404, 201, 404]],
    ];

    const perform = (operation: (typeof OPERATIONS)[number], token: string | undefined) => {
      const auth = (r: request.Test) => (token ? r.set('Authorization', `Bearer ${token}`) : r);
      const body = { value: { k: 'v' }, expires: future() };
      switch (operation) {
        case 'GET':
          return auth(request(svc.app).get('/v1/secret/ci/app'));
        case 'GET?version=1':
          return auth(request(svc.app).get('/v1/secret/ci/app?version=1'));
        case 'PUT':
          return auth(request(svc.app).put('/v1/secret/ci/app')).send(body);
        case 'DELETE':
          return auth(request(svc.app).delete('/v1/secret/ci/app'));
        case 'GET missing':
          return auth(request(svc.app).get('/v1/secret/ci/missing'));
        case 'PUT missing':
          return auth(request(svc.app).put('/v1/secret/ci/missing')).send(body);
        case 'DELETE missing':
          return auth(request(svc.app).delete('/v1/secret/ci/missing'));
      }
    };

    beforeEach(async () => {
      await del('ci/app');
      await del('ci/missing');
      assert.equal((await put('ci/app')).status, 201);
    });

    for (const [name, scopes, expected] of MATRIX) {
      it(`${name}: ${OPERATIONS.map((op, i) => `${op} ${expected[i]}`).join(', ')}`, async () => {
        for (const [index, operation] of OPERATIONS.entries()) {
          if (index > 0) {
            await del('ci/missing');
            await put('ci/app');
          }
          const token = scopes ? svc.token(scopes) : undefined;
          const res = await perform(operation, token);
          assert.equal(res.status, expected[index], `${operation} with ${name}`);
          if (res.status === 403) {
            assert.equal(res.body.code, 'InsufficientScopes');
            assert.match(res.body.message, /secret:(get|set|delete|history):ci\//);
          }
        }
      });
    }
  });

  describe('processing order', () => {
    it('authentication comes before the key grammar, the key before the body, the body before the scope', async () => {
      const noScope = svc.token(['secret:get:elsewhere']);
      const unauthenticated = await request(svc.app).put('/v1/secret/bad//key').send('not json');
      assert.equal(unauthenticated.status, 401);
      const badKey = await request(svc.app)
        .put('/v1/secret/bad//key')
        .set('Authorization', `Bearer ${noScope}`)
        .set('Content-Type', 'application/json')
        .send('not json');
      assert.equal(badKey.body.code, 'InvalidKey');
      const badBody = await request(svc.app).put('/v1/secret/good/key').set('Authorization', `Bearer ${noScope}`).send({ value: 1 });
      assert.equal(badBody.body.code, 'InvalidRequest');
      const noScopeMissing = await request(svc.app).get('/v1/secret/good/missing').set('Authorization', `Bearer ${noScope}`);
      assert.equal(noScopeMissing.status, 403);
    });
  });

  describe('keys in paths', () => {
    for (const path of [
      'ci%252Fdeploy',
      'ci/%2E%2E/x',
      '%41',
      'ci/../prod',
      'ci/./x',
      'ci//x',
      'ci/x/',
      'ci/*',
      'ci/a b',
      'ci/a:b',
      'ci/é',
      '',
    ]) {
      it(`/v1/secret/${path} is 400 InvalidKey`, async () => {
        const res = await get(`/v1/secret/${path}`);
        assert.equal(res.status, 400);
        assert.equal(res.body.code, 'InvalidKey');
      });
    }

    it('keys are case-sensitive and may hold dots, dashes and underscores', async () => {
      await put('Case/.hidden_-x', { a: 1 });
      assert.equal((await get('/v1/secret/Case/.hidden_-x')).status, 200);
      assert.equal((await get('/v1/secret/case/.hidden_-x')).status, 404);
    });

    it('accepts a key of 512 characters and refuses 513', async () => {
      const long = `k/${'x'.repeat(510)}`;
      assert.equal((await put(long)).status, 201);
      assert.equal((await get(`/v1/secret/${long}y`)).body.code, 'InvalidKey');
    });
  });

  describe('authentication', () => {
    it('no token: 401 with WWW-Authenticate: Bearer', async () => {
      const res = await request(svc.app).get('/v1/secret/ci/app');
      assert.equal(res.status, 401);
      assert.equal(res.body.code, 'Unauthorized');
      assert.equal(res.headers['www-authenticate'], 'Bearer');
    });

    for (const [why, header] of <Array<[string, string]>>[
      ['a malformed token', 'Bearer not-a-jwt'],
      ['a wrong scheme', 'Basic dXNlcjpwYXNz'],
      [
        'an unsigned token',
        `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x","scopes":[],"exp":9999999999}').toString('base64url')}.`,
      ],
    ]) {
      it(`${why}: 401 with error="invalid_token"`, async () => {
        const res = await request(svc.app).get('/v1/whoami').set('Authorization', header);
        assert.equal(res.status, 401);
        assert.equal(res.headers['www-authenticate'], 'Bearer error="invalid_token"');
      });
    }

    it('an expired token: 401 invalid_token', async () => {
      const token = svc.token(['secret:*:**']);
      svc.clock.advance(2 * HOUR);
      const res = await request(svc.app).get('/v1/whoami').set('Authorization', `Bearer ${token}`);
      assert.equal(res.status, 401);
      assert.equal(res.headers['www-authenticate'], 'Bearer error="invalid_token"');
      admin = svc.token(['secret:*:**']);
    });

    it('GET /v1/whoami describes any valid token', async () => {
      const res = await request(svc.app)
        .get('/v1/whoami')
        .set('Authorization', `Bearer ${svc.token(['secret:get:a/*'], 'task-7')}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.subject, 'task-7');
      assert.deepEqual(res.body.scopes, ['secret:get:a/*']);
      assert.match(res.body.expires, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(typeof res.body.jti, 'string');
    });
  });

  describe('every response', () => {
    it('carries Cache-Control: no-store and an X-Request-Id, reusing a well-formed client id', async () => {
      for (const res of [
        await get('/v1/whoami'),
        await request(svc.app).get('/v1/whoami'),
        await get('/v1/secret/x//y'),
        await request(svc.app).get('/healthz'),
        await get('/v1/nothing-here'),
      ]) {
        assert.equal(res.headers['cache-control'], 'no-store');
        assert.match(res.headers['x-request-id'] ?? '', /^[A-Za-z0-9._-]{1,64}$/);
        assert.equal(res.headers.etag === undefined || /^"\d+"$/.test(res.headers.etag), true);
      }
      const mine = await get('/v1/whoami').set('X-Request-Id', 'build-42.step_3');
      assert.equal(mine.headers['x-request-id'], 'build-42.step_3');
      const bad = await get('/v1/whoami').set('X-Request-Id', 'has spaces and / slashes');
      assert.notEqual(bad.headers['x-request-id'], 'has spaces and / slashes');
      const failed = await get('/v1/secret/nope/nothing').set('X-Request-Id', 'abc');
      assert.equal(failed.body.requestId, 'abc');
    });

    it('unknown routes are 404 NotFound and unknown methods 405 MethodNotAllowed with Allow', async () => {
      const missing = await get('/v1/nothing-here');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.code, 'NotFound');
      const method = await request(svc.app).post('/v1/secret/ci/app').set('Authorization', `Bearer ${admin}`).send({});
      assert.equal(method.status, 405);
      assert.equal(method.body.code, 'MethodNotAllowed');
      assert.match(method.headers.allow ?? '', /GET/);
      assert.match(method.headers.allow ?? '', /PUT/);
    });

    it('operations endpoints need no token', async () => {
      assert.equal((await request(svc.app).get('/healthz')).status, 200);
      assert.deepEqual((await request(svc.app).get('/readyz')).body, { status: 'ready' });
      const metrics = await request(svc.app).get('/metrics');
      assert.equal(metrics.status, 200);
      assert.match(metrics.text, /scoped_secrets_http_requests_total/);
      assert.match(metrics.text, /scoped_secrets_secrets_stored \d+/);
      assert.ok(!metrics.text.includes('ci/app'));
      const doc = await request(svc.app).get('/v1/openapi.json');
      assert.equal(doc.status, 200);
      assert.equal(doc.body.openapi, '3.0.3');
      assert.ok(doc.body.paths['/v1/secret/{key}']);
    });
  });
});

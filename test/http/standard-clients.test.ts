/**
 * What standard HTTP clients send, answered as they expect: a key whose
 * slashes a client encoded as %2F (as OpenAPI clients encode a path
 * parameter), a date-time whose colons it left as they are, and
 * conditional or range headers, and errors as problem details.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request, { type Response } from 'supertest';
import { sqlite } from '../support/databases';
import { useTestService } from '../support/service';

describe('requests as standard clients send them', () => {
  const svc = useTestService(sqlite);
  const as = (scopes: string[]) => ({ Authorization: `Bearer ${svc.token(scopes)}` });
  const body = { value: { region: 'eu' }, expires: '2031-01-01T00:00:00Z' };

  it('takes a key whose slashes are percent-encoded, decoded once, then checked and scope-checked like any key', async () => {
    const writer = as(['secret:*:ci/**']);
    const put = await request(svc.app).put('/v1/secret/ci%2Fdeploy%2Faws').set(writer).send(body);
    assert.equal(put.status, 201, JSON.stringify(put.body));
    assert.equal(put.body.key, 'ci/deploy/aws');
    const plain = await request(svc.app).get('/v1/secret/ci/deploy/aws').set(writer);
    assert.deepEqual(plain.body.value, { region: 'eu' });
    const lower = await request(svc.app).get('/v1/secret/ci%2fdeploy%2faws').set(writer);
    assert.equal(lower.status, 200);
    const mixed = await request(svc.app).get('/v1/secret/ci/deploy%2Faws').set(writer);
    assert.equal(mixed.status, 200);

    const other = await request(svc.app)
      .get('/v1/secret/ci%2Fdeploy%2Faws')
      .set(as(['secret:get:prod/**']));
    assert.equal(other.status, 403, 'scope-checked as ci/deploy/aws');
    for (const path of ['ci%252Fdeploy', 'ci%2F..%2Fprod', 'ci%2F%2Fx', '%2Fci', 'ci%2E', 'ci%41']) {
      const refused = await request(svc.app).get(`/v1/secret/${path}`).set(writer);
      assert.equal(refused.status, 400, path);
      assert.equal(refused.body.code, 'InvalidKey', path);
    }
    const deleted = await request(svc.app).delete('/v1/secret/ci%2Fdeploy%2Faws').set(writer);
    assert.equal(deleted.status, 204);
  });

  it('reads a date-time query parameter whose colons are not encoded', async () => {
    const reader = as(['audit:read:**']);
    const res = await request(svc.app).get('/v1/audit?since=2026-12-01T00:00:00Z').set(reader);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const encoded = await request(svc.app).get('/v1/audit?since=2026-12-01T00%3A00%3A00Z').set(reader);
    assert.equal(encoded.status, 200);
    const bad = await request(svc.app).get('/v1/audit?since=yesterday').set(reader);
    assert.equal(bad.status, 400);
  });

  it("answers conditions and ranges on the console's files with 4xx JSON, never 500", async () => {
    const cases: Array<[Record<string, string>, number, string]> = [
      [{ 'If-Match': '"x"' }, 412, 'PreconditionFailed'],
      [{ 'If-Unmodified-Since': 'Mon, 01 Jan 2001 00:00:00 GMT' }, 412, 'PreconditionFailed'],
      [{ Range: 'bytes=999999-' }, 416, 'RangeNotSatisfiable'],
    ];
    for (const [headers, status, code] of cases) {
      const res = await request(svc.app).get('/ui/').set(headers);
      assert.equal(res.status, status, JSON.stringify(headers));
      assert.equal(res.body.code, code, JSON.stringify(headers));
    }
    const range = await request(svc.app).get('/ui/').set('Range', 'bytes=0-9');
    assert.equal(range.status, 206);
  });

  it('links each page to the next with Link rel="next", which a client can follow as it is', async () => {
    const writer = as(['secret:*:pages/**', 'audit:read:**']);
    for (const n of [1, 2, 3]) {
      assert.equal((await request(svc.app).put(`/v1/secret/pages/p${n}`).set(writer).send(body)).status, 201);
    }
    const keys: string[] = [];
    let next: string | undefined = '/v1/secrets?prefix=pages&limit=2';
    for (let page = 0; next !== undefined && page < 5; page++) {
      const res: Response = await request(svc.app).get(next).set(writer);
      assert.equal(res.status, 200);
      keys.push(...(res.body as { secrets: Array<{ key: string }> }).secrets.map((secret) => secret.key));
      const link = res.headers.link;
      assert.equal(link !== undefined, res.body.continuationToken !== undefined, 'a Link exactly when there is a next page');
      next = link === undefined ? undefined : /^<([^>]+)>; rel="next"$/.exec(link)?.[1];
      if (next !== undefined) assert.ok(next.startsWith('/v1/secrets?prefix=pages&limit=2&continuationToken='), next);
    }
    assert.deepEqual(keys, ['pages/p1', 'pages/p2', 'pages/p3']);
    await svc.auditWritten();
    const audit = await request(svc.app).get('/v1/audit?key=pages/p1&limit=1').set(writer);
    assert.match(audit.headers.link ?? '', /^<\/v1\/audit\?key=pages%2Fp1&limit=1&continuationToken=[^>]+>; rel="next"$/);
  });

  it('answers HEAD wherever GET is answered: the same status and headers, no body, the same scope check', async () => {
    const reader = as(['secret:*:head/**']);
    assert.equal((await request(svc.app).put('/v1/secret/head/one').set(reader).send(body)).status, 201);
    const head = await request(svc.app).head('/v1/secret/head/one').set(reader);
    assert.equal(head.status, 200);
    assert.equal(head.headers.etag, '"1"');
    assert.equal(head.text, undefined, 'no body');
    assert.equal(
      (
        await request(svc.app)
          .head('/v1/secret/head/one')
          .set(as(['secret:get:other/**']))
      ).status,
      403,
    );
    assert.equal((await request(svc.app).head('/v1/secret/head/none').set(reader)).status, 404);
    assert.equal((await request(svc.app).head('/v1/secrets?prefix=head').set(reader)).status, 200);
    assert.equal((await request(svc.app).head('/healthz')).status, 200);
    assert.equal((await request(svc.app).head('/v1/whoami')).status, 401);
  });

  it('answers If-None-Match on a secret with 304 when the version read matches, and nowhere else', async () => {
    const reader = as(['secret:*:cond/**']);
    assert.equal((await request(svc.app).put('/v1/secret/cond/one').set(reader).send(body)).status, 201);
    const current = await request(svc.app).get('/v1/secret/cond/one').set(reader).set('If-None-Match', '"1"');
    assert.equal(current.status, 304);
    assert.equal(current.headers.etag, '"1"');
    assert.equal(current.text, '', 'no body');
    for (const tags of ['W/"1"', '"7", "1"', '*']) {
      assert.equal((await request(svc.app).get('/v1/secret/cond/one').set(reader).set('If-None-Match', tags)).status, 304, tags);
    }
    assert.equal((await request(svc.app).put('/v1/secret/cond/one').set(reader).send(body)).status, 200);
    const changed = await request(svc.app).get('/v1/secret/cond/one').set(reader).set('If-None-Match', '"1"');
    assert.equal(changed.status, 200, 'a new version is sent in full');
    assert.deepEqual(changed.body.value, { region: 'eu' });
    const older = await request(svc.app).get('/v1/secret/cond/one?version=1').set(reader).set('If-None-Match', '"1"');
    assert.equal(older.status, 304, 'an older version read by number has its own tag');

    const stranger = await request(svc.app)
      .get('/v1/secret/cond/one')
      .set(as(['secret:get:other/**']))
      .set('If-None-Match', '*');
    assert.equal(stranger.status, 403, 'the scope is checked before the condition');
    const malformed = await request(svc.app).get('/v1/secret/cond/one').set(reader).set('If-None-Match', 'one');
    assert.equal(malformed.status, 400);
    assert.equal((await request(svc.app).get('/v1/secret/cond/none').set(reader).set('If-None-Match', '*')).status, 404);

    for (const path of ['/v1/whoami', '/v1/secrets?prefix=cond', '/healthz', '/v1/openapi.json']) {
      const res = await request(svc.app)
        .get(path)
        .set(reader)
        .set('If-None-Match', '*')
        .set('If-Modified-Since', 'Mon, 01 Jan 2001 00:00:00 GMT');
      assert.equal(res.status, 200, path);
    }
  });

  it('serves every error as RFC 9457 problem details that keep the code', async () => {
    const res = await request(svc.app)
      .get('/v1/secret/problem/none')
      .set(as(['secret:get:problem/**']));
    assert.equal(res.status, 404);
    assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json; charset=utf-8$/);
    const problem = JSON.parse(res.text) as Record<string, unknown>;
    assert.deepEqual(problem, {
      type: 'urn:scoped-secrets:error:SecretNotFound',
      title: 'Secret not found',
      status: 404,
      detail: 'no such secret',
      code: 'SecretNotFound',
      message: 'no such secret',
      requestId: res.headers['x-request-id'],
    });
    const escalation = await request(svc.app)
      .post('/v1/tokens')
      .set(as(['secret:get:a/**']))
      .send({ scopes: ['secret:get:b/**'], ttl: 60 });
    assert.equal(escalation.status, 403);
    const escalated = JSON.parse(escalation.text) as Record<string, unknown>;
    assert.equal(escalated.type, 'urn:scoped-secrets:error:ScopeEscalation');
    assert.equal(escalated.status, 403);
    assert.deepEqual(escalated.details, { uncovered: ['secret:get:b/**'] });
    const unauthenticated = await request(svc.app).get('/v1/whoami');
    assert.match(unauthenticated.headers['content-type'] ?? '', /^application\/problem\+json/);
    assert.equal(JSON.parse(unauthenticated.text).title, 'Unauthorized');
  });
});

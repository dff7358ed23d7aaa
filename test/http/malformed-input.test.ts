/**
 * Malformed input never yields a 5xx: garbage paths, methods, headers,
 * bodies and query strings, sent as raw bytes to a listening server, all
 * get a 4xx with a JSON error body (or no body where HTTP forbids one).
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createHttpServer } from '../../src/server/create-server';
import { sqlite, type TestDatabase } from '../support/databases';
import { rawRequest } from '../support/raw-http';
import { startTestService, type TestService } from '../support/service';

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return {
    int: (max: number) => Math.floor(next() * max),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T,
    bytes: (length: number) => Buffer.from(Array.from({ length }, () => Math.floor(next() * 256))),
  };
}

describe('malformed input', () => {
  let db: TestDatabase;
  let svc: TestService;
  let server: http.Server;
  let port: number;
  let token: string;

  before(async () => {
    db = await sqlite.create();
    svc = await startTestService(db);
    token = svc.token(['secret:*:**']);
    server = createHttpServer(svc.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await svc.close();
    await db.drop();
  });

  function send(method: string, path: string, headers: Record<string, string>, body?: string | Buffer) {
    const lines = [`${method} ${path} HTTP/1.1`, 'Host: localhost', 'Connection: close'];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
    if (body !== undefined) lines.push(`Content-Length: ${payload.length}`);
    return rawRequest(port, Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), payload]));
  }

  function assertClientError(res: { status: number; body: string; headers: Record<string, string> }, what: string) {
    assert.ok(res.status >= 400 && res.status < 500, `${what}: status ${res.status}`);
    const error = JSON.parse(res.body) as Record<string, unknown>;
    assert.equal(typeof error.code, 'string', what);
    assert.equal(typeof error.message, 'string', what);
    assert.equal(typeof error.requestId, 'string', what);
    assert.ok(!/\bat .+\(.+:\d+:\d+\)/.test(res.body), `${what}: stack trace in body`);
    assert.equal(res.headers['cache-control'], 'no-store', what);
  }

  const auth = () => ({ Authorization: `Bearer ${token}` });

  const PATHS = [
    '/v1/secret/%zz',
    '/v1/secret/%',
    '/v1/secret/%00',
    '/v1/secret/a%2F..%2Fb',
    '/v1/secret//',
    '/v1/secret/a/../../etc/passwd',
    `/v1/secret/${'a'.repeat(5000)}`,
    `/v1/secret/${'a/'.repeat(300)}a`,
    '/v1/secret/\u00e9',
    '/v1/secret/a;b',
    '/v1/secret/a,b',
    '/v1/secrets/',
    '/v1/secrets/x',
    '/v1//secret/a',
    '/v1/Secret/a',
    '/V1/secret/a',
    '/v1/secret',
    '/v1',
    '/v1/',
    '/',
    '/v1/secret/a?version=1e309',
    '/v1/secret/a?version=%00',
    '/v1/secret/a?version=1&version=2',
    '/v1/secret/a?%zz=1',
    '/v1/secrets?prefix=a&prefix=b',
    '/v1/secrets?prefix[]=a',
    '/v1/secrets?limit=-0',
    '/v1/secrets?limit=1.5',
    '/v1/secrets?continuationToken=%FF%FE',
    '/v1/secrets?prefix=%zz',
    '/v1/whoami?x',
    '/v1/secrets?=&=&',
    '/healthz/../v1/secrets',
    '/v1/openapi.json/../secret/a',
  ];
  for (const path of PATHS) {
    it(`GET ${path.slice(0, 60)} is a JSON 4xx`, async () => {
      assertClientError(await send('GET', path, auth()), path);
    });
  }

  const METHODS = ['POST', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND'];
  for (const method of METHODS) {
    it(`${method} on a secret is a JSON 4xx`, async () => {
      assertClientError(await send(method, '/v1/secret/ci/a', auth(), '{}'), method);
    });
  }

  const AUTHORIZATIONS = [
    'Bearer',
    'Bearer ',
    'Bearer a.b',
    'Bearer a.b.c.d',
    'bearer !!!',
    `Bearer ${'x'.repeat(20_000)}`,
    'Basic Og==',
    'Bearer eyJhbGciOiJub25lIn0.e30.',
    'Bearer \u0000',
  ];
  for (const authorization of AUTHORIZATIONS) {
    it(`Authorization ${JSON.stringify(authorization.slice(0, 30))} is 401`, async () => {
      const res = await send('GET', '/v1/secret/ci/a', { Authorization: authorization });
      assert.ok(res.status === 401 || res.status === 400 || res.status === 431, `status ${res.status}`);
      if (res.status === 401) assertClientError(res, authorization);
    });
  }

  const BODIES: Array<[string, string, string]> = [
    ['null', 'application/json', 'null'],
    ['an array', 'application/json', '[]'],
    ['a number', 'application/json', '1'],
    ['a string', 'application/json', '"x"'],
    ['truncated JSON', 'application/json', '{"value":'],
    ['value null', 'application/json', '{"value":null,"expires":"2031-01-01T00:00:00Z"}'],
    ['a huge number', 'application/json', `{"value":{"n":1e999},"expires":"2031-01-01T00:00:00Z"}`],
    ['__proto__', 'application/json', '{"__proto__":{"polluted":1},"value":{},"expires":"2031-01-01T00:00:00Z"}'],
    ['expires year 0', 'application/json', '{"value":{},"expires":"0000-01-01T00:00:00Z"}'],
    ['expires leap second', 'application/json', '{"value":{},"expires":"2031-12-31T23:59:60Z"}'],
    ['expires far future', 'application/json', '{"value":{},"expires":"+275760-09-13T00:00:00Z"}'],
    ['10000 levels deep', 'application/json', `{"value":${'['.repeat(10_000)}${']'.repeat(10_000)}}`],
    ['a UTF-16 charset', 'application/json; charset=utf-16', '{"value":{}}'],
    ['a latin1 charset', 'application/json; charset=latin1', '{"value":{}}'],
    ['gibberish type', '!!!/???', '{}'],
    ['form data', 'application/x-www-form-urlencoded', 'value=1'],
    ['no content type', '', '{"value":{},"expires":"2031-01-01T00:00:00Z"}'],
  ];
  for (const [name, type, body] of BODIES) {
    it(`a PUT body of ${name} is a JSON 4xx`, async () => {
      const headers: Record<string, string> = { ...auth() };
      if (type) headers['Content-Type'] = type;
      assertClientError(await send('PUT', '/v1/secret/ci/body', headers, body), name);
    });
  }

  it('random bytes as bodies, paths and headers never give a 5xx', async () => {
    const rng = random(20261122);
    for (let round = 0; round < 150; round++) {
      const pathBytes = rng
        .bytes(1 + rng.int(40))
        .toString('latin1')
        .replace(/[\s?#]/g, 'x');
      const path = rng.pick(['/v1/secret/', '/v1/secrets?prefix=', '/v1/', '/']) + encodeURI(pathBytes);
      const headers: Record<string, string> = {
        ...auth(),
        'Content-Type': rng.pick(['application/json', 'text/plain', 'application/json; charset=utf-8']),
      };
      if (rng.int(3) === 0) headers['If-Match'] = rng.bytes(8).toString('base64');
      const res = await send(rng.pick(['GET', 'PUT', 'DELETE']), path, headers, rng.bytes(rng.int(200)));
      assert.ok(res.status < 500, `round ${round}: ${res.status} for ${path}`);
    }
  });

  it('an oversized header block is refused without a 5xx', async () => {
    const res = await send('GET', '/v1/whoami', { ...auth(), 'X-Filler': 'x'.repeat(20_000) });
    assert.ok(res.status === 431 || res.status === 400, `status ${res.status}`);
  });

  it('the service still answers afterwards', async () => {
    const res = await send('GET', '/v1/whoami', auth());
    assert.equal(res.status, 200);
  });
});

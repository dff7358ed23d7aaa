/**
 * Property-based: generated keys, bodies, headers, query strings and tokens
 * never give a 5xx, always a JSON error body, and never a value the caller
 * may not read. Plus slow clients, and listings over many keys.
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import request from 'supertest';
import { isValidKey } from '../../src/secrets/secret-key';
import { createHttpServer } from '../../src/server/create-server';
import { sqlite, type TestDatabase } from '../support/databases';
import { rawRequest } from '../support/raw-http';
import { waitFor } from '../support/processes';
import { startTestService, type TestService } from '../support/service';

const MARKER = 'hostile-marker-77c1';
const KEY_CHARS = [...'abcXYZ019_.-/%*?[]{}!+@#\\:; é~'];

describe('hostile input', () => {
  let db: TestDatabase;
  let svc: TestService;
  let server: http.Server;
  let port: number;
  let admin: string;
  let tokens: string[];

  before(async () => {
    db = await sqlite.create();
    svc = await startTestService(db);
    admin = svc.token(['secret:*:**']);
    const expires = new Date(svc.clock.now() + 3_600_000).toISOString();
    await request(svc.app)
      .put('/v1/secret/hidden/secret')
      .set('Authorization', `Bearer ${admin}`)
      .send({ value: { password: MARKER }, expires })
      .expect(201);
    // None of these may read hidden/secret.
    tokens = [
      svc.token([]),
      svc.token(['secret:list:**', 'secret:set:**', 'secret:delete:open/**']),
      svc.token(['secret:get:open/**', 'secret:history:**']),
      svc.token(['secret:get:hidden/other', 'secret:get:hidden']),
      'garbage',
      `${admin}x`,
      admin.split('.').slice(0, 2).join('.'),
    ];
    server = createHttpServer(svc.app, { headersMs: 1500, requestMs: 3000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await svc.close();
    await db.drop();
  });

  const pathText = fc.array(fc.constantFrom(...KEY_CHARS), { maxLength: 40 }).map((chars) => chars.join(''));
  const queryText = fc.array(
    fc.tuple(
      fc.constantFrom('prefix', 'limit', 'version', 'continuationToken', 'x', ''),
      fc.array(fc.constantFrom(...'ab1-/%=&.'), { maxLength: 12 }).map((c) => c.join('')),
    ),
    { maxLength: 3 },
  );
  const body = fc.oneof(
    fc.json(),
    fc.string(),
    fc.record(
      {
        value: fc.jsonValue(),
        expires: fc.oneof(
          fc.string(),
          fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())),
        ),
      },
      { requiredKeys: [] },
    ),
  );

  it('never answers with a 5xx, always with a JSON error, never with a value the caller may not read', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'PUT', 'DELETE', 'POST', 'PATCH'),
        fc.constantFrom('/v1/secret/', '/v1/secrets', '/v1/secret/hidden/', '/v1/tokens', '/v1/audit', '/v1/'),
        pathText,
        queryText,
        fc.constantFrom(...tokens.map((t) => `Bearer ${t}`), '', 'Basic x', 'Bearer'),
        fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8', ''),
        body,
        fc.option(fc.constantFrom('*', '"1"', 'W/"2"', 'garbage', '"', ''), { nil: undefined }),
        async (method, base, tail, query, authorization, contentType, payload, ifMatch) => {
          const target = `${base}${encodeURI(tail).replace(/%25/g, '%')}${query.length ? `?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : ''}`;
          const headers = [`${method} ${target} HTTP/1.1`, 'Host: localhost', 'Connection: close'];
          if (authorization) headers.push(`Authorization: ${authorization}`);
          if (contentType) headers.push(`Content-Type: ${contentType}`);
          if (ifMatch !== undefined) headers.push(`If-Match: ${ifMatch}`);
          const bodyText = typeof payload === 'string' ? payload : JSON.stringify(payload);
          const bytes = Buffer.from(bodyText ?? '');
          headers.push(`Content-Length: ${bytes.length}`);
          const res = await rawRequest(port, Buffer.concat([Buffer.from(`${headers.join('\r\n')}\r\n\r\n`), bytes]));
          assert.ok(res.status >= 200 && res.status < 500, `${method} ${target}: ${res.status} ${res.body}`);
          assert.ok(!res.body.includes(MARKER), `${method} ${target} revealed a value`);
          if (res.status >= 400) {
            const error = JSON.parse(res.body) as Record<string, unknown>;
            assert.equal(typeof error.code, 'string');
            assert.equal(typeof error.requestId, 'string');
          }
        },
      ),
      { numRuns: 400, seed: 20261122 },
    );
  });

  it('treats generated keys exactly as the grammar says', async () => {
    await fc.assert(
      fc.asyncProperty(
        pathText.filter((text) => text.length > 0 && !/[?#\s%]/.test(text)),
        async (key) => {
          const res = await request(svc.app)
            .put(`/v1/secret/${encodeURI(key)}`)
            .set('Authorization', `Bearer ${admin}`)
            .send({ value: { k: 1 }, expires: new Date(svc.clock.now() + 60_000).toISOString() });
          if (isValidKey(key) && encodeURI(key) === key) assert.ok(res.status === 200 || res.status === 201, `${key}: ${res.status}`);
          else assert.equal(res.body.code, 'InvalidKey', `${key}: ${res.status} ${res.text}`);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it('cuts off a client that trickles its headers byte by byte', async () => {
    const socket = net.connect(port, '127.0.0.1');
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.on('error', () => (closed = true));
    socket.on('data', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /v1/whoami HTTP/1.1\r\nHost: localhost\r\n');
    const trickle = setInterval(() => socket.writable && socket.write('X'), 200);
    try {
      await waitFor(async () => (closed ? true : undefined), 6000, 'the server to close the trickling connection');
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
  });

  it('lists over thousands of keys in pages, even when the caller may list none of them', async () => {
    const knex = svc.knex;
    const now = svc.clock.now();
    const rows = Array.from({ length: 6000 }, (_, n) => ({
      key: `many/${String(n).padStart(5, '0')}`,
      version: 1,
      created_at: now,
      updated_at: now,
      expires_at: now + 3_600_000,
    }));
    for (let i = 0; i < rows.length; i += 500) await knex('secrets').insert(rows.slice(i, i + 500));

    const pages = async (token: string) => {
      let continuationToken: string | undefined;
      let seen = 0;
      let count = 0;
      do {
        const res = await request(svc.app)
          .get(
            `/v1/secrets?prefix=many&limit=1000${continuationToken ? `&continuationToken=${encodeURIComponent(continuationToken)}` : ''}`,
          )
          .set('Authorization', `Bearer ${token}`);
        assert.equal(res.status, 200);
        seen += res.body.secrets.length;
        continuationToken = res.body.continuationToken;
        count++;
      } while (continuationToken && count < 50);
      return { seen, count };
    };
    assert.deepEqual(await pages(svc.token(['secret:list:many/**'])), { seen: 6000, count: 7 });
    const blind = await pages(svc.token(['secret:list:elsewhere/**']));
    assert.equal(blind.seen, 0);
    assert.equal(blind.count, 1, 'a caller who may list nothing under the prefix gets one empty page at once');
  });
});

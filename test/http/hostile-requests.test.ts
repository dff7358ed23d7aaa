/**
 * Requests an outside audit sent that once got a 500, were rolled over
 * into another date, or went unrecorded.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { createHttpServer } from '../../src/server/create-server';
import { sqlite } from '../support/databases';
import { TEST_JWT_SECRET, useTestService } from '../support/service';

describe('hostile requests', () => {
  const svc = useTestService(sqlite, { SECRETS_RATE_LIMIT: '1/m,burst=2', SECRETS_METRICS_TOKEN: 'metrics-token-of-the-operators' });
  let admin: string;

  before(async () => {
    admin = svc.token(['secret:*:**', 'token:*:**', 'audit:read:**'], 'admin');
  });

  const body = { value: { a: 1 }, expires: '2031-01-01T00:00:00Z' };

  describe('compressed bodies', () => {
    // Sent with node:http: supertest re-encodes a body it is told is compressed.
    let server: http.Server;
    let port: number;
    before(async () => {
      server = createHttpServer(svc.app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const send = (method: string, path: string, subject: string, encoding: string, payload: Buffer) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const headers = {
          Authorization: `Bearer ${svc.token(['secret:*:**'], subject)}`,
          'Content-Type': 'application/json',
          'Content-Encoding': encoding,
          'Content-Length': payload.length,
        };
        const call = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        call.on('error', reject);
        call.end(payload);
      });

    const corrupt = Buffer.from('this is not compressed at all, whatever the header says');
    for (const encoding of ['gzip', 'deflate', 'br']) {
      for (const [method, path] of [
        ['PUT', '/v1/secret/enc/a'],
        ['POST', '/v1/tokens'],
      ] as const) {
        it(`answers a corrupt ${encoding} body on ${method} ${path} with 400`, async () => {
          const res = await send(method, path, `enc-${encoding}-${method}`, encoding, corrupt);
          assert.equal(res.status, 400);
          assert.equal(JSON.parse(res.body).code, 'InvalidRequest');
        });
      }
    }

    it('reads a valid gzip body', async () => {
      const res = await send('PUT', '/v1/secret/enc/gzipped', 'enc-ok', 'gzip', gzipSync(JSON.stringify(body)));
      assert.equal(res.status, 201);
    });

    it('answers an encoding it does not know with 415', async () => {
      const res = await send('PUT', '/v1/secret/enc/b', 'enc-unknown', 'zstd', Buffer.from(JSON.stringify(body)));
      assert.equal(res.status, 415);
    });
  });

  describe('dates that do not exist', () => {
    for (const [index, date] of [
      '2030-02-30T00:00:00Z',
      '2031-04-31T00:00:00Z',
      '2031-01-01T24:00:00Z',
      '2031-01-01T23:60:00Z',
      '2031-13-01T00:00:00Z',
    ].entries()) {
      it(`refuses expires ${date} rather than rolling it over`, async () => {
        const res = await request(svc.app)
          .put('/v1/secret/dates/x')
          .set('Authorization', `Bearer ${svc.token(['secret:*:**'], `dates-${index}`)}`)
          .send({ value: {}, expires: date });
        assert.equal(res.status, 400);
        assert.equal(res.body.code, 'InvalidRequest');
      });
    }

    it('refuses since=2030-02-30 on the audit route', async () => {
      const res = await request(svc.app)
        .get('/v1/audit?since=2030-02-30T00:00:00Z')
        .set('Authorization', `Bearer ${svc.token(['audit:read:**'], 'dates-audit')}`);
      assert.equal(res.status, 400);
    });

    it('keeps a valid leap day and normalises an offset', async () => {
      const res = await request(svc.app)
        .put('/v1/secret/dates/leap')
        .set('Authorization', `Bearer ${svc.token(['secret:*:**'], 'dates-ok')}`)
        .send({ value: {}, expires: '2032-02-29T01:30:00.5+01:00' });
      assert.equal(res.status, 201);
      assert.equal(res.body.expires, '2032-02-29T00:30:00.500Z');
    });
  });

  it('refuses a hand-made token whose exp is no date with 401, not 500', async () => {
    const forged = jwt.sign({ sub: 'x', scopes: [], exp: 1e308 }, TEST_JWT_SECRET, { algorithm: 'HS256', noTimestamp: true });
    const res = await request(svc.app).get('/v1/whoami').set('Authorization', `Bearer ${forged}`);
    assert.equal(res.status, 401);
  });

  it('audits a 429, once per subject and second however many follow', async () => {
    const eager = svc.token(['secret:get:**'], 'eager');
    const statuses: number[] = [];
    for (let n = 0; n < 6; n++) statuses.push((await request(svc.app).get('/v1/whoami').set('Authorization', `Bearer ${eager}`)).status);
    assert.deepEqual(statuses, [200, 200, 429, 429, 429, 429]);
    await svc.auditWritten();
    const events = await request(svc.app)
      .get('/v1/audit?subject=eager')
      .set('Authorization', `Bearer ${svc.token(['audit:read:**'], 'auditor')}`);
    const throttled = events.body.events.filter((event: { outcome: number }) => event.outcome === 429);
    assert.equal(throttled.length, 1);
    assert.equal(throttled[0].action, 'auth.denied');
  });

  describe('metrics behind SECRETS_METRICS_TOKEN', () => {
    it("refuses /metrics without the operators' token", async () => {
      for (const header of [undefined, 'Bearer wrong', `Bearer ${admin}`]) {
        const call = request(svc.app).get('/metrics');
        const res = await (header ? call.set('Authorization', header) : call);
        assert.equal(res.status, 401, String(header));
        assert.equal(res.body.code, 'Unauthorized');
      }
    });

    it('serves /metrics with it', async () => {
      const res = await request(svc.app).get('/metrics').set('Authorization', 'Bearer metrics-token-of-the-operators');
      assert.equal(res.status, 200);
      assert.match(res.text, /scoped_secrets_secrets_stored/);
    });
  });
});

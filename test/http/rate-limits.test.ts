/** 429 with Retry-After, per token subject and per client address. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { sqlite } from '../support/databases';
import { startTestService, useTestService } from '../support/service';

describe('rate limits', () => {
  const svc = useTestService(sqlite, { SECRETS_RATE_LIMIT: '1/m,burst=5', SECRETS_RATE_LIMIT_ADDRESS: '1/m,burst=3' });

  const whoami = (token?: string) => {
    const call = request(svc.app).get('/v1/whoami');
    return token === undefined ? call : call.set('Authorization', `Bearer ${token}`);
  };

  it('limits each subject to its burst, then answers 429 with Retry-After', async () => {
    const alice = svc.token(['secret:get:a'], 'alice');
    for (let n = 0; n < 5; n++) assert.equal((await whoami(alice)).status, 200);
    const limited = await whoami(alice);
    assert.equal(limited.status, 429);
    assert.equal(limited.body.code, 'TooManyRequests');
    assert.equal(limited.headers['retry-after'], '60');
    const anotherAliceToken = svc.token(['secret:get:b'], 'alice');
    assert.equal((await whoami(anotherAliceToken)).status, 429, 'the limit is per subject, not per token');
    assert.equal((await whoami(svc.token(['secret:get:a'], 'bob'))).status, 200, 'other subjects are not affected');
  });

  it('limits requests without a valid token per client address, without touching valid ones', async () => {
    for (let n = 0; n < 3; n++) assert.equal((await whoami()).status, 401);
    const limited = await whoami('not-a-token');
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    assert.equal((await whoami(svc.token(['secret:get:a'], 'carol'))).status, 200);
  });

  it('limits how fast one subject may derive and revoke tokens, apart from its other requests', async () => {
    const limited = await startTestService(svc.db, { SECRETS_TOKEN_RATE_LIMIT: '1/m,burst=3' });
    try {
      const dave = limited.token(['secret:get:**'], 'dave');
      const derive = () => request(limited.app).post('/v1/tokens').set('Authorization', `Bearer ${dave}`).send({ scopes: [], ttl: 60 });
      const children: string[] = [];
      for (let n = 0; n < 2; n++) {
        const res = await derive();
        assert.equal(res.status, 201);
        children.push(res.body.jti);
      }
      const revoke = await request(limited.app).post('/v1/tokens/revoke').set('Authorization', `Bearer ${dave}`).send({ jti: children[0] });
      assert.equal(revoke.status, 204, 'deriving and revoking share one budget');
      const refused = await derive();
      assert.equal(refused.status, 429);
      assert.equal(refused.headers['retry-after'], '60');
      const refusedRevoke = await request(limited.app)
        .post('/v1/tokens/revoke')
        .set('Authorization', `Bearer ${dave}`)
        .send({ jti: children[1] });
      assert.equal(refusedRevoke.status, 429);
      const read = await request(limited.app).get('/v1/whoami').set('Authorization', `Bearer ${dave}`);
      assert.equal(read.status, 200, 'other requests of the subject go on');
    } finally {
      await limited.close();
    }
  });

  it('leaves health, readiness and metrics alone', async () => {
    for (let n = 0; n < 10; n++) assert.equal((await request(svc.app).get('/healthz')).status, 200);
  });
});

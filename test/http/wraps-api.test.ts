/** One-time hand-off over HTTP, on SQLite and PostgreSQL: POST /v1/wrap, /v1/unwrap and /v1/wrap/lookup. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import request from 'supertest';
import { describeEachDialect } from '../support/databases';
import { useTestService } from '../support/service';

const HOUR = 3_600_000;
const UNKNOWN = `sswrap_${'A'.repeat(43)}`;

describeEachDialect('wraps API', (dialect) => {
  const svc = useTestService(dialect, { SECRETS_MAX_WRAP_TTL: '7200' });
  let admin: string;
  let broker: string;

  before(async () => {
    admin = svc.token(['secret:*:**', 'audit:read:**']);
    // A broker may hand out ci/** without reading it.
    broker = svc.token(['secret:wrap:ci/**'], 'broker');
    const expires = new Date(svc.clock.now() + 3 * HOUR).toISOString();
    for (const [key, value] of [
      ['ci/aws', { secret_key: 'wrapped-marker-1' }],
      ['ci/db', { password: 'db-pw' }],
    ] as const) {
      const res = await request(svc.app).put(`/v1/secret/${key}`).set('Authorization', `Bearer ${admin}`).send({ value, expires });
      assert.equal(res.status, 201);
    }
  });

  const wrap = (body: object, token = broker) => request(svc.app).post('/v1/wrap').set('Authorization', `Bearer ${token}`).send(body);
  const unwrap = (wrapToken: string) => request(svc.app).post('/v1/unwrap').send({ wrapToken });
  const lookup = (wrapToken: string) => request(svc.app).post('/v1/wrap/lookup').send({ wrapToken });

  describe('POST /v1/wrap', () => {
    it('wraps a secret with only secret:wrap: 201 with the token, its expiry and the key, never the value', async () => {
      const res = await wrap({ key: 'ci/aws', ttl: 600 });
      assert.equal(res.status, 201);
      assert.match(res.body.wrapToken, /^sswrap_[A-Za-z0-9_-]{43}$/);
      assert.equal(res.body.key, 'ci/aws');
      assert.equal(res.body.expires, new Date(svc.clock.now() + 600_000).toISOString());
      assert.ok(!JSON.stringify(res.body).includes('wrapped-marker-1'));
      const read = await request(svc.app).get('/v1/secret/ci/aws').set('Authorization', `Bearer ${broker}`);
      assert.equal(read.status, 403, 'the broker cannot read what it hands out');
    });

    it("wraps a supplied value only with wrap:value for the caller's own subject", async () => {
      for (const scopes of [[], ['secret:get:ci/one'], ['secret:*:**'], ['wrap:value:someone-else']]) {
        const refused = await wrap({ value: { blob: 'parked' }, ttl: 7200 }, svc.token(scopes, 'nobody-special'));
        assert.equal(refused.status, 403, scopes.join(' '));
        assert.equal(refused.body.code, 'InsufficientScopes');
        assert.match(refused.body.message, /wrap:value:nobody-special/);
      }
      const res = await wrap({ value: { note: 'shared once' }, ttl: 60 }, svc.token(['wrap:value:nobody-*'], 'nobody-special'));
      assert.equal(res.status, 201);
      assert.equal(res.body.key, undefined);
      const taken = await unwrap(res.body.wrapToken);
      assert.deepEqual(taken.body.value, { note: 'shared once' });
      assert.equal(taken.body.creator, 'nobody-special');
    });

    it('checks the scope before existence: 403 alike for a key that exists and one that does not', async () => {
      const outsider = svc.token(['secret:wrap:other/**']);
      for (const key of ['ci/aws', 'ci/missing']) {
        const res = await wrap({ key, ttl: 60 }, outsider);
        assert.equal(res.status, 403, key);
        assert.equal(res.body.code, 'InsufficientScopes');
      }
      assert.equal((await wrap({ key: 'ci/aws', ttl: 60 }, svc.token(['secret:get:ci/**']))).status, 403, 'secret:get is not secret:wrap');
    });

    it('is 404 for a missing secret and 410 for an expired one, as a read would be', async () => {
      assert.equal((await wrap({ key: 'ci/missing', ttl: 60 })).body.code, 'SecretNotFound');
      const expires = new Date(svc.clock.now() + 1000).toISOString();
      await request(svc.app)
        .put('/v1/secret/ci/short')
        .set('Authorization', `Bearer ${admin}`)
        .send({ value: { a: 'b' }, expires });
      svc.clock.advance(2000);
      const gone = await wrap({ key: 'ci/short', ttl: 60 });
      assert.equal(gone.status, 410);
      assert.equal(gone.body.code, 'SecretExpired');
    });

    it('never lets a wrap outlive the secret it copies', async () => {
      const expires = new Date(svc.clock.now() + 30_000).toISOString();
      await request(svc.app)
        .put('/v1/secret/ci/brief')
        .set('Authorization', `Bearer ${admin}`)
        .send({ value: { a: 'b' }, expires });
      const res = await wrap({ key: 'ci/brief', ttl: 3600 });
      assert.equal(res.status, 201);
      assert.equal(res.body.expires, new Date(Date.parse(expires)).toISOString());
    });

    for (const [why, body] of [
      ['both key and value are given', { key: 'ci/aws', value: { a: 'b' }, ttl: 60 }],
      ['neither key nor value is given', { ttl: 60 }],
      ['ttl is missing', { key: 'ci/aws' }],
      ['ttl is 0', { key: 'ci/aws', ttl: 0 }],
      ['ttl is over SECRETS_MAX_WRAP_TTL', { key: 'ci/aws', ttl: 7201 }],
      ['the value is not an object', { value: 'text', ttl: 60 }],
      ['an unknown field is present', { key: 'ci/aws', ttl: 60, extra: 1 }],
    ] as const) {
      it(`is 400 InvalidRequest when ${why}`, async () => {
        const res = await wrap(body);
        assert.equal(res.status, 400);
        assert.equal(res.body.code, 'InvalidRequest');
      });
    }

    it('is 413 for a value over SECRETS_MAX_SECRET_BYTES and 415 for a body that is not JSON', async () => {
      const big = await wrap({ value: { blob: 'x'.repeat(1_100_000) }, ttl: 60 });
      assert.equal(big.status, 413);
      const text = await request(svc.app)
        .post('/v1/wrap')
        .set('Authorization', `Bearer ${broker}`)
        .set('Content-Type', 'text/plain')
        .send('x');
      assert.equal(text.status, 415);
    });

    it('is 400 InvalidKey for a bad key, and 401 without a token', async () => {
      assert.equal((await wrap({ key: 'ci//x', ttl: 60 })).body.code, 'InvalidKey');
      const anonymous = await request(svc.app).post('/v1/wrap').send({ key: 'ci/aws', ttl: 60 });
      assert.equal(anonymous.status, 401);
    });
  });

  describe('POST /v1/unwrap and /v1/wrap/lookup', () => {
    it('hands out a frozen copy once; then 404 WrapTokenNotFound, the same as for an unknown token', async () => {
      const created = await wrap({ key: 'ci/db', ttl: 600 });
      await request(svc.app)
        .put('/v1/secret/ci/db')
        .set('Authorization', `Bearer ${admin}`)
        .send({ value: { password: 'changed-after-wrapping' }, expires: new Date(svc.clock.now() + HOUR).toISOString() });
      const looked = await lookup(created.body.wrapToken);
      assert.equal(looked.status, 200);
      assert.deepEqual(looked.body, {
        key: 'ci/db',
        creator: 'broker',
        created: new Date(svc.clock.now()).toISOString(),
        expires: created.body.expires,
      });
      const first = await unwrap(created.body.wrapToken);
      assert.equal(first.status, 200);
      assert.deepEqual(first.body.value, { password: 'db-pw' }, 'the copy made at wrapping, not the current value');
      assert.equal(first.body.key, 'ci/db');
      assert.equal(first.body.creator, 'broker');
      const second = await unwrap(created.body.wrapToken);
      const unknown = await unwrap(UNKNOWN);
      for (const res of [second, unknown, await lookup(created.body.wrapToken)]) {
        assert.equal(res.status, 404);
        assert.equal(res.body.code, 'WrapTokenNotFound');
        assert.equal(res.body.message, unknown.body.message);
      }
    });

    it('is 404 once the wrap expired, and the sweeper purges it with a wrap.expired event', async () => {
      const created = await wrap({ key: 'ci/aws', ttl: 60 });
      svc.clock.advance(61_000);
      assert.equal((await lookup(created.body.wrapToken)).status, 404);
      assert.equal((await unwrap(created.body.wrapToken)).status, 404);
      const purged = await svc.services.sweeper.runOnce();
      assert.ok((purged.wraps ?? 0) >= 1);
      await svc.auditWritten();
      const events = await request(svc.app).get('/v1/audit?key=ci/aws').set('Authorization', `Bearer ${admin}`);
      assert.ok((events.body.events as Array<{ action: string }>).some((event) => event.action === 'wrap.expired'));
    });

    it('needs no Authorization, ignores one, and refuses malformed bodies with 400', async () => {
      const created = await wrap({ key: 'ci/aws', ttl: 60 });
      const withBogusAuth = await request(svc.app)
        .post('/v1/wrap/lookup')
        .set('Authorization', 'Bearer not-a-jwt')
        .send({ wrapToken: created.body.wrapToken });
      assert.equal(withBogusAuth.status, 200);
      for (const body of [{}, { wrapToken: 'sswrap_short' }, { wrapToken: created.body.wrapToken, extra: 1 }]) {
        const res = await request(svc.app).post('/v1/unwrap').send(body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.body.code, 'InvalidRequest');
        assert.ok(!JSON.stringify(res.body).includes(created.body.wrapToken), 'the token is never echoed');
      }
      for (const route of ['/v1/unwrap', '/v1/wrap/lookup']) {
        const text = await request(svc.app).post(route).set('Content-Type', 'text/plain').send('x');
        assert.equal(text.status, 415, route);
        assert.equal((await request(svc.app).post(route).send({ wrapToken: 42 })).status, 400, route);
      }
    });

    it('audits wrap.create and wrap.unwrap, failures included, with no wrap token in any event', async () => {
      const created = await wrap({ key: 'ci/aws', ttl: 60 });
      await unwrap(created.body.wrapToken);
      await unwrap(created.body.wrapToken);
      await svc.auditWritten();
      const res = await request(svc.app).get('/v1/audit?key=ci/aws').set('Authorization', `Bearer ${admin}`);
      const all = await request(svc.app).get('/v1/audit').set('Authorization', `Bearer ${admin}`);
      const events = res.body.events as Array<{ action: string; outcome: number; subject: string | null }>;
      assert.ok(events.some((event) => event.action === 'wrap.create' && event.outcome === 201 && event.subject === 'broker'));
      assert.ok(events.some((event) => event.action === 'wrap.unwrap' && event.outcome === 200));
      assert.ok(
        (all.body.events as Array<{ action: string; outcome: number }>).some(
          (event) => event.action === 'wrap.unwrap' && event.outcome === 404,
        ),
      );
      assert.ok(!JSON.stringify(all.body).includes(created.body.wrapToken));
    });

    it('audits failed unwraps at most once a minute per address, and counts every one', async () => {
      const failedEvents = async () => {
        await svc.auditWritten();
        const all = await request(svc.app).get('/v1/audit?limit=1000').set('Authorization', `Bearer ${admin}`);
        return (all.body.events as Array<{ action: string; outcome: number }>).filter(
          (event) => event.action === 'wrap.unwrap' && event.outcome === 404,
        ).length;
      };
      const metric = async () =>
        Number(/scoped_secrets_wraps_total\{event="unwrap_failed"\} (\d+)/.exec((await request(svc.app).get('/metrics')).text)?.[1] ?? 0);
      svc.clock.advance(61_000);
      const [eventsBefore, countedBefore] = [await failedEvents(), await metric()];
      for (let attempt = 0; attempt < 20; attempt++) assert.equal((await unwrap(UNKNOWN)).status, 404);
      assert.equal(await failedEvents(), eventsBefore + 1, 'twenty failures from one address within a minute: one event');
      assert.equal(await metric(), countedBefore + 20);
      svc.clock.advance(61_000);
      assert.equal((await unwrap(UNKNOWN)).status, 404);
      assert.equal(await failedEvents(), eventsBefore + 2, 'the next minute records again');
    });
  });
});

describeEachDialect('wraps and the per-address rate limit', (dialect) => {
  const svc = useTestService(dialect, { SECRETS_RATE_LIMIT_ADDRESS: '1/s,burst=3' });

  it("counts unwrap and lookup against the caller's address: 429 after the burst", async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      statuses.push(
        (
          await request(svc.app)
            .post(attempt % 2 ? '/v1/unwrap' : '/v1/wrap/lookup')
            .send({ wrapToken: UNKNOWN })
        ).status,
      );
    }
    assert.deepEqual(statuses, [404, 404, 404, 429, 429]);
  });
});

describeEachDialect("wraps and each subject's quota", (dialect) => {
  const svc = useTestService(dialect, { SECRETS_WRAP_QUOTA_WRAPS: '3', SECRETS_WRAP_QUOTA_BYTES: '4096' });
  const tokenOf = (subject: string) => svc.token([`wrap:value:${subject}`, 'secret:wrap:ci/**'], subject);
  const wrap = (body: object, subject: string) =>
    request(svc.app)
      .post('/v1/wrap')
      .set('Authorization', `Bearer ${tokenOf(subject)}`)
      .send(body);
  const unwrap = (wrapToken: string) => request(svc.app).post('/v1/unwrap').send({ wrapToken });

  it("refuses a subject's wrap past its live wraps with 429 and Retry-After, and makes room as wraps are taken", async () => {
    const tokens: string[] = [];
    for (let index = 0; index < 3; index++) {
      const res = await wrap({ value: { n: index }, ttl: 600 + index }, 'team-a');
      assert.equal(res.status, 201);
      tokens.push(res.body.wrapToken as string);
    }
    const refused = await wrap({ value: { n: 4 }, ttl: 60 }, 'team-a');
    assert.equal(refused.status, 429);
    assert.equal(refused.body.code, 'TooManyRequests');
    assert.match(refused.body.message, /^team-a holds its quota of 3 live wraps \(SECRETS_WRAP_QUOTA_WRAPS\)/);
    assert.equal(refused.headers['retry-after'], '600', 'when the first live wrap expires');
    assert.equal((await wrap({ value: { n: 1 }, ttl: 60 }, 'team-b')).status, 201, 'another subject has a quota of its own');
    assert.equal((await unwrap(tokens[0] as string)).status, 200);
    assert.equal((await wrap({ value: { n: 5 }, ttl: 60 }, 'team-a')).status, 201, 'an unwrapped wrap no longer counts');
    svc.clock.advance(602_000);
    assert.equal((await wrap({ value: { n: 6 }, ttl: 60 }, 'team-a')).status, 201, 'nor does an expired one, swept or not');
  });

  it("counts the bytes a subject's live wraps hold, and refuses one wrap larger than the whole quota with 413", async () => {
    const blob = (bytes: number) => ({ blob: 'x'.repeat(bytes) });
    assert.equal((await wrap({ value: blob(2500), ttl: 60 }, 'bytes')).status, 201);
    const over = await wrap({ value: blob(2500), ttl: 60 }, 'bytes');
    assert.equal(over.status, 429);
    assert.match(over.body.message, /4096 bytes in live wraps \(SECRETS_WRAP_QUOTA_BYTES\)/);
    const huge = await wrap({ value: blob(5000), ttl: 60 }, 'huge');
    assert.equal(huge.status, 413);
    assert.equal(huge.body.code, 'PayloadTooLarge');
  });

  it('holds under concurrent creation: of ten at once, exactly the quota is created', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 10 }, (_, index) => wrap({ value: { n: index }, ttl: 60 }, 'racer').then((res) => res.status)),
    );
    assert.deepEqual(statuses.filter((status) => status === 201).length, 3, statuses.join(','));
    assert.deepEqual(statuses.filter((status) => status === 429).length, 7, statuses.join(','));
  });

  it('audits the refusals as wrap.create with their status', async () => {
    await svc.auditWritten();
    const admin = svc.token(['audit:read:**']);
    const res = await request(svc.app).get('/v1/audit?limit=1000').set('Authorization', `Bearer ${admin}`);
    const refusals = (res.body.events as Array<{ action: string; outcome: number; subject: string | null }>).filter(
      (event) => event.action === 'wrap.create' && event.outcome >= 400,
    );
    assert.ok(
      refusals.some((event) => event.outcome === 429 && event.subject === 'team-a'),
      JSON.stringify(refusals),
    );
    assert.ok(refusals.some((event) => event.outcome === 413 && event.subject === 'huge'));
  });
});

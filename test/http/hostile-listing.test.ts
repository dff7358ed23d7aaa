/**
 * A listing costs what the caller may see, not what exists: thousands of
 * keys the caller cannot list neither stall the server nor leak through
 * the continuation token.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { before, it } from 'node:test';
import request from 'supertest';
import { describeEachDialect } from '../support/databases';
import { useTestService } from '../support/service';

const HIDDEN = 5200;

describeEachDialect('listings under hidden keys', (dialect) => {
  const svc = useTestService(dialect);

  before(async () => {
    // Metadata rows are all a listing reads; thousands of sealed PUTs would only slow the set-up.
    const now = svc.clock.now();
    const rows = Array.from({ length: HIDDEN }, (_, n) => ({
      key: `a/hidden/payroll-${String(n).padStart(5, '0')}`,
      version: 1,
      created_at: now,
      updated_at: now,
      expires_at: now + 3_600_000,
    }));
    await svc.services.knex.batchInsert('secrets', rows, 500);
  });

  /** Runs `attack` while probing /healthz; the slowest probe and the attack's own duration, in ms. */
  async function whileProbing(attack: () => Promise<request.Response>) {
    let done = false;
    let slowestProbe = 0;
    const started = performance.now();
    const attacked = attack().then((res) => {
      done = true;
      return res;
    });
    // Give the attack a head start, as a second request arriving behind it would.
    await new Promise((resolve) => setImmediate(resolve));
    while (!done) {
      const probeStarted = performance.now();
      assert.equal((await request(svc.app).get('/healthz')).status, 200);
      slowestProbe = Math.max(slowestProbe, performance.now() - probeStarted);
    }
    const res = await attacked;
    return { res, slowestProbe, duration: performance.now() - started };
  }

  const list = (query: string, token: string) => request(svc.app).get(`/v1/secrets${query}`).set('Authorization', `Bearer ${token}`);

  it('answers a caller with no list scope at once, without scanning', async () => {
    const scopeless = svc.token(['secret:get:x']);
    const { res, slowestProbe, duration } = await whileProbing(() => list('?prefix=a&limit=1', scopeless));
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { secrets: [] });
    assert.ok(slowestProbe < 100, `/healthz took ${slowestProbe.toFixed(0)} ms behind the listing`);
    assert.ok(duration < 1000, `the listing took ${duration.toFixed(0)} ms`);
  });

  it('keeps the server responsive while a narrow pattern scans a wide range, and bounds the request', async () => {
    // The literal part of a/*/visible is a/: every hidden key lies in that range.
    const narrow = svc.token(['secret:list:a/*/visible']);
    let query = '?prefix=a&limit=1';
    let pages = 0;
    let slowest = 0;
    for (;;) {
      const { res, slowestProbe, duration } = await whileProbing(() => list(query, narrow));
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.secrets, []);
      assert.ok(slowestProbe < 100, `/healthz took ${slowestProbe.toFixed(0)} ms behind the listing`);
      slowest = Math.max(slowest, duration);
      pages += 1;
      if (!res.body.continuationToken) break;
      assert.ok(pages < 200, 'the scan makes progress');
      query = `?prefix=a&limit=1&continuationToken=${encodeURIComponent(res.body.continuationToken)}`;
    }
    assert.ok(slowest < 1000, `one listing request took ${slowest.toFixed(0)} ms`);
  });

  it('issues continuation tokens that reveal no key', async () => {
    const narrow = svc.token(['secret:list:a/*/visible']);
    for (const limit of [1, 7, 1000]) {
      const res = await list(`?prefix=a&limit=${limit}`, narrow);
      const token: string | undefined = res.body.continuationToken;
      if (token === undefined) continue;
      const decoded = token
        .split('.')
        .map((part) => Buffer.from(part, 'base64url').toString('latin1'))
        .join(' ');
      assert.doesNotMatch(decoded, /payroll|hidden/, 'the token carries a hidden key in the clear');
    }
    // Every token has the same length, whichever key it points after.
    const lengths = new Set<number>();
    const visible = svc.token(['secret:list:**']);
    for (const limit of [1, 2, 3, 50]) {
      const res = await list(`?prefix=a&limit=${limit}`, visible);
      lengths.add((res.body.continuationToken as string).length);
    }
    assert.equal(lengths.size, 1);
  });
});

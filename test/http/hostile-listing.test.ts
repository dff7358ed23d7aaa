/**
 * A listing costs what the caller may see, not what exists: thousands of
 * keys the caller cannot list are read a bounded batch at a time, never
 * at all for a caller who may list nothing, and never leak through the
 * continuation token. How long /healthz waits behind such scans is a
 * matter of speed, measured by `npm run bench`, not here.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import request from 'supertest';
import { describeEachDialect } from '../support/databases';
import { useTestService } from '../support/service';

const HIDDEN = 5200;
/** The most rows one listing statement reads. */
const LARGEST_BATCH = 1000;

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
    await svc.knex.batchInsert('secrets', rows, 500);
  });

  const list = (query: string, token: string) => request(svc.app).get(`/v1/secrets${query}`).set('Authorization', `Bearer ${token}`);

  /** `work`'s result, and how many batches of keys it read from the store. */
  async function watchingScans<T>(work: () => Promise<T>): Promise<{ result: T; scans: number }> {
    const store = svc.services.storage.secrets;
    const read = store.listRange.bind(store);
    let scans = 0;
    store.listRange = (...args) => {
      scans += 1;
      return read(...args);
    };
    try {
      return { result: await work(), scans };
    } finally {
      // The spy is an own property over the class's method: removing it restores the method.
      Reflect.deleteProperty(store, 'listRange');
    }
  }

  it('answers a caller with no list scope without reading the table', async () => {
    const scopeless = svc.token(['secret:get:x']);
    const { result, scans } = await watchingScans(() => list('?prefix=a&limit=1', scopeless));
    assert.equal(result.status, 200);
    assert.deepEqual(result.body, { secrets: [] });
    assert.equal(scans, 0, 'a caller who may list nothing costs no read');
  });

  it('scans a wide range for a narrow pattern a bounded batch at a time, and makes progress', async () => {
    // The literal part of a/*/visible is a/: every hidden key lies in that range.
    const narrow = svc.token(['secret:list:a/*/visible']);
    let query = '?prefix=a&limit=1';
    let pages = 0;
    let batches = 0;
    for (;;) {
      const { result: res, scans } = await watchingScans(() => list(query, narrow));
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.secrets, []);
      batches += scans;
      pages += 1;
      if (!res.body.continuationToken) break;
      assert.ok(pages < 200, 'the scan makes progress');
      query = `?prefix=a&limit=1&continuationToken=${encodeURIComponent(res.body.continuationToken)}`;
    }
    // Each batch is one bounded keyset read, with a turn of the event loop after it.
    assert.ok(batches >= Math.ceil(HIDDEN / LARGEST_BATCH), `${batches} batches for ${HIDDEN} keys`);
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

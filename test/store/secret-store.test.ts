/** The secret store and sweeper against both databases, concurrency included. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countOf } from '../support/count';
import { describeEachDialect } from '../support/databases';
import { TEST_ACTOR, useTestService } from '../support/service';

const HOUR = 3_600_000;

describeEachDialect('secret store', (dialect) => {
  const svc = useTestService(dialect, { SECRETS_HISTORY: '2' });

  const secrets = () => svc.services.secrets;
  const expiresIn = (ms: number) => svc.clock.now() + ms;

  it('stores values sealed, never as plaintext', async () => {
    await secrets().put('store/plain', { marker: 'plaintext-marker-4711' }, expiresIn(HOUR), {}, TEST_ACTOR);
    const rows = await svc.knex('secret_versions').where({ key: 'store/plain' });
    assert.equal(rows.length, 1);
    assert.ok(!Buffer.from(rows[0].ciphertext).includes('plaintext-marker-4711'));
    assert.equal(rows[0].kek_id, svc.services.keyring.activeKeyId);
    assert.deepEqual((await secrets().get('store/plain')).value, { marker: 'plaintext-marker-4711' });
  });

  it('keeps SECRETS_HISTORY versions, the current one included', async () => {
    for (let n = 1; n <= 5; n++) await secrets().put('store/history', { n }, expiresIn(HOUR), {}, TEST_ACTOR);
    const versions = await svc.knex('secret_versions').where({ key: 'store/history' }).orderBy('version').pluck('version');
    assert.deepEqual(versions.map(Number), [4, 5]);
  });

  it('lets exactly one of many concurrent creators win with If-None-Match: *', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, n) => secrets().put('store/race', { n }, expiresIn(HOUR), { ifNoneMatch: '*' }, TEST_ACTOR)),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const result of results) {
      if (result.status === 'rejected') assert.equal((result.reason as { code: string }).code, 'PreconditionFailed');
    }
  });

  it('gives concurrent writers consecutive versions, none lost', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, n) => secrets().put('store/concurrent', { n }, expiresIn(HOUR), {}, TEST_ACTOR)),
    );
    assert.deepEqual(
      results.map((r) => r.record.version).sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
  });

  it('answers concurrent reads of many keys, present and absent, each with its own secret', async () => {
    // NULL: a key that an unquoted PostgreSQL array element would read as null.
    const keys = [...Array.from({ length: 39 }, (_, n) => `store/many/${n}`), 'NULL'];
    await Promise.all(keys.map((key, n) => secrets().put(key, { n }, expiresIn(HOUR), {}, TEST_ACTOR)));
    const reads = await Promise.allSettled([...keys, 'store/many/absent', ...keys].map((key) => secrets().get(key)));
    const values = reads.map((read) => (read.status === 'fulfilled' ? read.value.value : (read.reason as { code: string }).code));
    const expected = keys.map((_key, n) => ({ n }));
    assert.deepEqual(values, [...expected, 'SecretNotFound', ...expected]);
  });

  it('lets exactly one of concurrent If-Match writers take each version', async () => {
    await secrets().put('store/cas', { n: 0 }, expiresIn(HOUR), {}, TEST_ACTOR);
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, n) => secrets().put('store/cas', { n }, expiresIn(HOUR), { ifMatch: [1] }, TEST_ACTOR)),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.equal((await secrets().get('store/cas')).version, 2);
  });

  describe('sweeper', () => {
    it('purges every expired secret with its history in bounded batches, and nothing else', async () => {
      const knex = svc.knex;
      const start = svc.clock.now();
      const rows = Array.from({ length: 450 }, (_, n) => ({
        key: `sweep/${String(n).padStart(4, '0')}`,
        version: 1,
        created_at: start,
        updated_at: start,
        expires_at: start + 1000,
      }));
      for (let i = 0; i < rows.length; i += 100) await knex('secrets').insert(rows.slice(i, i + 100));
      await secrets().put('sweep/keep', { a: 1 }, expiresIn(HOUR), {}, TEST_ACTOR);
      await secrets().put('sweep/versions', { a: 1 }, expiresIn(1000), {}, TEST_ACTOR);
      await secrets().put('sweep/versions', { a: 2 }, expiresIn(1000), {}, TEST_ACTOR);
      svc.clock.advance(2000);

      const purged = await svc.services.sweeper.runOnce();
      assert.equal(purged.secrets, 451);
      assert.equal(await countOf(knex('secrets').where('key', 'like', 'sweep/%')), 1);
      assert.equal(await countOf(knex('secret_versions').where('key', 'sweep/versions')), 0);
      assert.equal((await secrets().get('sweep/keep')).version, 1);
      assert.equal((await svc.services.sweeper.runOnce()).secrets, 0);
    });

    it('never purges the same secret twice when sweeps run at once', async () => {
      const knex = svc.knex;
      const start = svc.clock.now();
      const rows = Array.from({ length: 600 }, (_, n) => ({
        key: `twice/${n}`,
        version: 1,
        created_at: start,
        updated_at: start,
        expires_at: start + 10,
      }));
      for (let i = 0; i < rows.length; i += 100) await knex('secrets').insert(rows.slice(i, i + 100));
      svc.clock.advance(20);
      const store = svc.services.storage.secrets;
      const batches = await Promise.all(Array.from({ length: 4 }, () => store.purgeExpired(svc.clock.now(), 50)));
      let more = batches.flat();
      for (let round = 0; round < 50; round++) {
        const next = (await Promise.all([store.purgeExpired(svc.clock.now(), 50), store.purgeExpired(svc.clock.now(), 50)])).flat();
        if (next.length === 0) break;
        more = more.concat(next);
      }
      assert.equal(more.length, 600);
      assert.equal(new Set(more).size, 600);
    });
  });
});

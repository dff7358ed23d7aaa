/** PostgreSQL's lookups by key: those of one turn go as one statement, named so that each connection parses and plans it once. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { PostgresSecretStorage } from '../../src/storage/postgres/postgres-secret-storage';
import { dialects } from '../support/databases';
import { useTestService } from '../support/service';

interface QueryEvent {
  readonly sql: string;
  readonly options?: { readonly name?: string };
}

describe('lookups by key batched per turn', async () => {
  const postgres = (await dialects()).find((dialect) => dialect.name === 'postgres');
  describe('on postgres', { skip: postgres?.skip ?? 'no PostgreSQL dialect' }, () => {
    if (!postgres || postgres.skip) return;
    const svc = useTestService(postgres);

    it('answers the current versions and the records asked for in one turn with one named statement each', async () => {
      const as = { Authorization: `Bearer ${svc.token(['secret:*:**'])}` };
      for (const key of ['lookup/a', 'lookup/b']) {
        const put = await request(svc.app).put(`/v1/secret/${key}`).set(as).send({ value: { key }, expires: '2031-01-01T00:00:00Z' });
        assert.equal(put.status, 201);
      }
      const store = new PostgresSecretStorage(svc.knex);
      const queries: QueryEvent[] = [];
      const listen = (query: QueryEvent) => queries.push(query);
      svc.knex.on('query', listen);
      let current, records;
      try {
        [current, records] = await Promise.all([
          Promise.all(['lookup/a', 'lookup/b', 'lookup/absent', 'lookup/a'].map((key) => store.getCurrent(key))),
          Promise.all(['lookup/b', 'lookup/absent'].map((key) => store.getRecord(key))),
        ]);
      } finally {
        svc.knex.off('query', listen);
      }
      assert.deepEqual(
        current.map((sealed) => sealed && [sealed.key, sealed.version]),
        [['lookup/a', 1], ['lookup/b', 1], undefined, ['lookup/a', 1]],
      );
      assert.deepEqual(
        records.map((record) => record && [record.key, record.version]),
        [['lookup/b', 1], undefined],
      );
      assert.equal(queries.length, 2, queries.map((query) => query.sql).join('\n'));
      const names = queries.map((query) => query.options?.name);
      assert.ok(
        names.every((name) => typeof name === 'string' && name.length > 0),
        `every lookup statement named: ${String(names)}`,
      );
      assert.notEqual(names[0], names[1], 'a name per statement text');
    });
  });
});

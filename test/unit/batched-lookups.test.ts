import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchedLookups } from '../../src/storage/batched-lookups';

interface Row {
  readonly key: string;
  readonly value: number;
}

function lookups(maxKeys?: number) {
  const queries: string[][] = [];
  let failNext = false;
  const batched = new BatchedLookups<Row>(
    async (keys) => {
      queries.push(keys);
      if (failNext) {
        failNext = false;
        throw new Error('the database is down');
      }
      return keys.filter((key) => !key.startsWith('absent')).map((key) => ({ key, value: key.length }));
    },
    (row) => row.key,
    maxKeys,
  );
  return { batched, queries, failNextQuery: () => (failNext = true) };
}

describe('batched lookups', () => {
  it('answers the lookups of one turn with one query of their distinct keys, each with its own row', async () => {
    const { batched, queries } = lookups();
    const answers = await Promise.all(['a', 'bb', 'a', 'absent-1', 'ccc'].map((key) => batched.get(key)));
    assert.deepEqual(queries, [['a', 'bb', 'absent-1', 'ccc']]);
    assert.deepEqual(answers, [
      { key: 'a', value: 1 },
      { key: 'bb', value: 2 },
      { key: 'a', value: 1 },
      undefined,
      { key: 'ccc', value: 3 },
    ]);
  });

  it('queries again for lookups of a later turn', async () => {
    const { batched, queries } = lookups();
    await batched.get('a');
    await batched.get('b');
    assert.deepEqual(queries, [['a'], ['b']]);
  });

  it('splits a large turn into queries of at most maxKeys keys', async () => {
    const { batched, queries } = lookups(2);
    const answers = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((key) => batched.get(key)));
    assert.deepEqual(queries, [['a', 'b'], ['c', 'd'], ['e']]);
    assert.deepEqual(
      answers.map((row) => row?.key),
      ['a', 'b', 'c', 'd', 'e'],
    );
  });

  it('fails every lookup of a failed query, and the next turn queries afresh', async () => {
    const { batched, failNextQuery } = lookups();
    failNextQuery();
    const failed = await Promise.allSettled([batched.get('a'), batched.get('b')]);
    assert.deepEqual(
      failed.map((outcome) => outcome.status),
      ['rejected', 'rejected'],
    );
    assert.deepEqual(await batched.get('a'), { key: 'a', value: 1 });
  });
});

/** PostgreSQL's batched secret writes: one statement per turn, the compare-and-set per write, and nothing half-written when a batch fails. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Envelope } from '../../src/crypto/envelope';
import type { PutCommand } from '../../src/secrets/secret-storage';
import { PostgresSecretStorage } from '../../src/storage/postgres/postgres-secret-storage';
import { countOf } from '../support/count';
import { dialects } from '../support/databases';
import { TEST_ACTOR, useTestService } from '../support/service';

const HOUR = 3_600_000;

describe('secret writes batched per turn', async () => {
  const postgres = (await dialects()).find((dialect) => dialect.name === 'postgres');
  describe('on postgres', { skip: postgres?.skip ?? 'no PostgreSQL dialect' }, () => {
    if (!postgres || postgres.skip) return;
    const svc = useTestService(postgres, { SECRETS_HISTORY: '2' });
    const writes = () => new PostgresSecretStorage(svc.knex);

    async function command(key: string, version: number, expected: PutCommand['expected']): Promise<PutCommand> {
      const now = svc.clock.now();
      const encrypted = await new Envelope(svc.services.keyring).encrypt(Buffer.from(JSON.stringify({ version })), { key, version });
      return {
        expected,
        record: { key, version, createdAt: now, updatedAt: now, expiresAt: now + HOUR },
        encrypted,
        keepVersions: 2,
        events: [{ ...TEST_ACTOR, time: now, action: 'secret.write', key, outcome: version === 1 ? 201 : 200 }],
      };
    }

    /** The keys whose writes took the transactional path (which locks the record first) while `work` ran. */
    async function transactionalDuring(work: () => Promise<unknown>): Promise<string[]> {
      const keys: string[] = [];
      const note = (query: { sql: string; bindings?: unknown[] }) => {
        if (/^select \* from "secrets" where "key" = \$1 limit \$2 for update$/i.test(query.sql)) keys.push(String(query.bindings?.[0]));
      };
      svc.knex.on('query', note);
      try {
        await work();
      } finally {
        svc.knex.off('query', note);
      }
      return keys;
    }

    /** The batched statements run while `work` runs. */
    async function batchesDuring(work: () => Promise<unknown>): Promise<number> {
      let batches = 0;
      const count = (query: { sql: string }) => {
        if (query.sql.startsWith('WITH input AS')) batches++;
      };
      svc.knex.on('query', count);
      try {
        await work();
      } finally {
        svc.knex.off('query', count);
      }
      return batches;
    }

    const outboxFor = (key: string) => countOf(svc.knex('audit_outbox').where({ key }));
    const versionsOf = async (key: string) =>
      ((await svc.knex('secret_versions').where({ key }).orderBy('version').pluck('version')) as unknown[]).map(Number);

    it('creates, updates on the planned record, prunes history, and stages one event per write', async () => {
      await svc.services.audit.drain();
      const first = await command('one/statement', 1, null);
      const alone = await transactionalDuring(async () => {
        assert.equal(await writes().put(first), true);
        let expected = { version: 1, expiresAt: first.record.expiresAt };
        for (const version of [2, 3]) {
          const next = await command('one/statement', version, expected);
          assert.equal(await writes().put(next), true);
          expected = { version, expiresAt: next.record.expiresAt };
        }
      });
      assert.deepEqual(alone, [], 'every write went batched');
      assert.deepEqual(await versionsOf('one/statement'), [2, 3]);
      assert.equal(await outboxFor('one/statement'), 3);
      assert.deepEqual((await svc.services.secrets.get('one/statement')).value, { version: 3 });
    });

    it('writes nothing, no version and no event, when the record is no longer the one planned on', async () => {
      await svc.services.secrets.put('one/stale', { n: 1 }, svc.clock.now() + HOUR, {}, TEST_ACTOR);
      await svc.services.secrets.put('one/stale', { n: 2 }, svc.clock.now() + HOUR, {}, TEST_ACTOR);
      await svc.services.audit.drain();
      const staleVersion = await command('one/stale', 2, { version: 1, expiresAt: svc.clock.now() + HOUR });
      const staleExpiry = await command('one/stale', 3, { version: 2, expiresAt: svc.clock.now() + 2 * HOUR });
      const taken = await command('one/stale', 1, null);
      const alone = await transactionalDuring(async () => {
        assert.equal(await writes().put(staleVersion), false);
        assert.equal(await writes().put(staleExpiry), false);
        assert.equal(await writes().put(taken), false, 'a create on a key that exists');
      });
      assert.deepEqual(alone, [], 'every write went batched');
      assert.deepEqual(await versionsOf('one/stale'), [1, 2]);
      assert.equal(await outboxFor('one/stale'), 0);
      assert.deepEqual((await svc.services.secrets.get('one/stale')).value, { n: 2 });
    });

    it('sends the writes of one turn as one statement, each with its own outcome', async () => {
      await svc.services.secrets.put('batch/stale', { n: 1 }, svc.clock.now() + HOUR, {}, TEST_ACTOR);
      await svc.services.secrets.put('batch/taken', { n: 1 }, svc.clock.now() + HOUR, {}, TEST_ACTOR);
      const stale = await svc.services.storage.secrets.getRecord('batch/stale');
      await svc.services.secrets.put('batch/stale', { n: 2 }, svc.clock.now() + HOUR, {}, TEST_ACTOR);
      await svc.services.audit.drain();
      const fresh = await Promise.all(Array.from({ length: 10 }, (_unused, n) => command(`batch/new-${n}`, 1, null)));
      const staleWrite = await command('batch/stale', 2, { version: 1, expiresAt: stale?.expiresAt ?? 0 });
      const takenWrite = await command('batch/taken', 1, null);
      const w = writes();
      let outcomes: boolean[] = [];
      let batches = 0;
      const alone = await transactionalDuring(async () => {
        batches = await batchesDuring(async () => {
          outcomes = await Promise.all([...fresh, staleWrite, takenWrite].map((next) => w.put(next)));
        });
      });
      assert.deepEqual(alone, [], 'every write went batched');
      assert.equal(batches, 1);
      assert.deepEqual(outcomes, [...Array(10).fill(true), false, false]);
      for (let n = 0; n < 10; n++) {
        assert.deepEqual((await svc.services.secrets.get(`batch/new-${n}`)).value, { version: 1 });
        assert.equal(await outboxFor(`batch/new-${n}`), 1);
      }
      assert.deepEqual((await svc.services.secrets.get('batch/stale')).value, { n: 2 }, 'the stale write wrote nothing');
      assert.equal(await outboxFor('batch/stale'), 0);
      assert.deepEqual((await svc.services.secrets.get('batch/taken')).value, { n: 1 });
    });

    it('lets one of two writes to the same key in one turn win, the other planned again by the service', async () => {
      const w = writes();
      const [first, second] = await Promise.all([command('batch/twice', 1, null), command('batch/twice', 1, null)]);
      let outcomes: boolean[] = [];
      const alone = await transactionalDuring(async () => {
        outcomes = await Promise.all([w.put(first), w.put(second)]);
      });
      assert.deepEqual(outcomes.sort(), [false, true]);
      assert.deepEqual(alone, ['batch/twice'], 'the second went on its own');
      assert.deepEqual(await versionsOf('batch/twice'), [1]);
    });

    it('runs the writes of a failed batch one by one: the bad one fails alone, the others commit', async () => {
      const w = writes();
      const good = await Promise.all([command('batch/good-1', 1, null), command('batch/good-2', 1, null)]);
      // Longer than the key column holds: the batch's statement fails, and nothing of it stays.
      const bad = await command(`batch/${'x'.repeat(600)}`, 1, null);
      let settled: PromiseSettledResult<boolean>[] = [];
      const alone = await transactionalDuring(async () => {
        settled = await Promise.allSettled([w.put(good[0]), w.put(bad), w.put(good[1])]);
      });
      assert.deepEqual(
        settled.map((outcome) => outcome.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.equal(alone.length, 3, 'all three went one by one');
      for (const key of ['batch/good-1', 'batch/good-2']) {
        assert.deepEqual(await versionsOf(key), [1]);
        assert.equal(await outboxFor(key), 1, 'one event, staged once');
      }
    });
  });
});

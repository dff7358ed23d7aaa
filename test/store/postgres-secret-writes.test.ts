/** PostgreSQL's one-statement secret writes: the compare-and-set, and nothing half-written when it fails. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Envelope } from '../../src/crypto/envelope';
import { postgresSecretWrites } from '../../src/secrets/postgres-secret-writes';
import type { PutCommand, SecretWrites } from '../../src/secrets/secret-writes';
import { countOf } from '../support/count';
import { dialects } from '../support/databases';
import { TEST_ACTOR, useTestService } from '../support/service';

const HOUR = 3_600_000;

/** Fails the test if the write leaves the one-statement path. */
const noTransactionalPath: SecretWrites = {
  put: () => Promise.reject(new Error('took the transactional path')),
  delete: () => Promise.reject(new Error('took the transactional path')),
};

describe('secret writes in one statement', async () => {
  const postgres = (await dialects()).find((dialect) => dialect.name === 'postgres');
  describe('on postgres', { skip: postgres?.skip ?? 'no PostgreSQL dialect' }, () => {
    if (!postgres || postgres.skip) return;
    const svc = useTestService(postgres, { SECRETS_HISTORY: '2' });
    const writes = () => postgresSecretWrites(svc.services.knex, noTransactionalPath);

    async function command(key: string, version: number, expected: PutCommand['expected']): Promise<PutCommand> {
      const now = svc.clock.now();
      const sealed = await new Envelope(svc.services.keyring).seal(Buffer.from(JSON.stringify({ version })), { key, version });
      return {
        expected,
        record: { key, version, createdAt: now, updatedAt: now, expiresAt: now + HOUR },
        sealed,
        keepVersions: 2,
        events: [{ ...TEST_ACTOR, time: now, action: 'secret.write', key, outcome: version === 1 ? 201 : 200 }],
      };
    }

    const outboxFor = (key: string) => countOf(svc.services.knex('audit_outbox').where({ key }));
    const versionsOf = async (key: string) =>
      ((await svc.services.knex('secret_versions').where({ key }).orderBy('version').pluck('version')) as unknown[]).map(Number);

    it('creates, updates on the planned record, prunes history, and stages one event per write', async () => {
      await svc.services.audit.drain();
      const first = await command('one/statement', 1, null);
      assert.equal(await writes().put(first), true);
      let expected = { version: 1, expiresAt: first.record.expiresAt };
      for (const version of [2, 3]) {
        const next = await command('one/statement', version, expected);
        assert.equal(await writes().put(next), true);
        expected = { version, expiresAt: next.record.expiresAt };
      }
      assert.deepEqual(await versionsOf('one/statement'), [2, 3]);
      assert.equal(await outboxFor('one/statement'), 3);
      assert.deepEqual((await svc.services.secrets.get('one/statement')).value, { version: 3 });
    });

    it('writes nothing, no version and no event, when the record is no longer the one planned on', async () => {
      await svc.services.secrets.put('one/stale', { n: 1 }, svc.clock.now() + HOUR, {}, TEST_ACTOR);
      await svc.services.secrets.put('one/stale', { n: 2 }, svc.clock.now() + HOUR, {}, TEST_ACTOR);
      await svc.services.audit.drain();
      const staleVersion = await command('one/stale', 2, { version: 1, expiresAt: svc.clock.now() + HOUR });
      assert.equal(await writes().put(staleVersion), false);
      const staleExpiry = await command('one/stale', 3, { version: 2, expiresAt: svc.clock.now() + 2 * HOUR });
      assert.equal(await writes().put(staleExpiry), false);
      const taken = await command('one/stale', 1, null);
      assert.equal(await writes().put(taken), false, 'a create on a key that exists');
      assert.deepEqual(await versionsOf('one/stale'), [1, 2]);
      assert.equal(await outboxFor('one/stale'), 0);
      assert.deepEqual((await svc.services.secrets.get('one/stale')).value, { n: 2 });
    });
  });
});

/**
 * Exactly once, across replicas: 50 concurrent unwraps of one wrap token,
 * split over two `serve` processes on one PostgreSQL database. One gets
 * the value; the other 49 get 404 WrapTokenNotFound. Several rounds, so a
 * read-then-delete race would have its chance to show.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dialects, tempDir, type TestDatabase } from '../support/databases';
import { runCli, startServer, type RunningServer } from '../support/processes';

const ROUNDS = 5;
const UNWRAPS = 50;

describe('unwrap across replicas on PostgreSQL', async () => {
  const postgres = (await dialects()).find((dialect) => dialect.name === 'postgres');
  if (!postgres) throw new Error('no postgres dialect');

  describe('two serve processes', { skip: postgres.skip }, () => {
    let db: TestDatabase;
    let cwd: string;
    const replicas: RunningServer[] = [];
    let admin: string;

    before(async () => {
      db = await postgres.create();
      cwd = tempDir('scoped-secrets-wrap-');
      const env = {
        SECRETS_DB: db.url,
        SECRETS_JWT_SECRET: randomBytes(32).toString('hex'),
        SECRETS_KEYRING_FILE: path.join(cwd, 'keyring.json'),
        SECRETS_RATE_LIMIT: 'off',
        SECRETS_RATE_LIMIT_ADDRESS: 'off',
      };
      for (let n = 0; n < 2; n++) replicas.push(await startServer({ cwd, env }));
      admin = runCli(['token', 'create', '--subject', 'admin', '--scope', 'secret:*:**', '--scope', 'wrap:value:admin', '--ttl', '1h'], {
        cwd,
        env,
      }).stdout.trim();
    });
    after(async () => {
      for (const replica of replicas) await replica.stop('SIGKILL');
      await db.drop();
      fs.rmSync(cwd, { recursive: true, force: true });
    });

    it(`hands the value to exactly one of ${UNWRAPS} concurrent unwraps, in each of ${ROUNDS} rounds`, async () => {
      const [first, second] = replicas as [RunningServer, RunningServer];
      for (let round = 0; round < ROUNDS; round++) {
        const created = await fetch(`${first.url}/v1/wrap`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ value: { round }, ttl: 60 }),
        });
        assert.equal(created.status, 201);
        const { wrapToken } = (await created.json()) as { wrapToken: string };
        const answers = await Promise.all(
          Array.from({ length: UNWRAPS }, async (_, index) => {
            const res = await fetch(`${(index % 2 ? first : second).url}/v1/unwrap`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({ wrapToken }),
            });
            return { status: res.status, body: (await res.json()) as { value?: unknown; code?: string } };
          }),
        );
        const winners = answers.filter((answer) => answer.status === 200);
        assert.equal(winners.length, 1, `round ${round}: ${winners.length} unwraps got the value`);
        assert.deepEqual(winners[0]?.body.value, { round });
        assert.ok(answers.every((answer) => answer.status === 200 || answer.body.code === 'WrapTokenNotFound'));
      }
    });
  });
});

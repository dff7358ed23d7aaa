/**
 * Two `serve` processes on one PostgreSQL database, both revoking due
 * leases: a thousand leases that expire together are each revoked once.
 * The backend's revocation statements log each user they revoke in a
 * table, so that a revocation run twice would show there as well as in
 * the audit trail.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { dialects, tempDir, type TestDatabase } from '../support/databases';
import { DYNAMIC_TEST_DATABASE, kindServer } from '../support/dynamic-servers';
import { runCli, startServer, waitFor, type RunningServer } from '../support/processes';

const LEASES = 1000;
const CONCURRENCY = 16;

describe('lease revocation across replicas', async () => {
  const postgres = (await dialects()).find((dialect) => dialect.name === 'postgres');
  if (!postgres) throw new Error('no postgres dialect');

  describe('two serve processes on PostgreSQL', { skip: postgres.skip }, () => {
    let db: TestDatabase;
    let cwd: string;
    let knex: Knex;
    let admin: string;
    const replicas: RunningServer[] = [];

    before(async () => {
      db = await postgres.create();
      cwd = tempDir('scoped-secrets-lease-replicas-');
      const env = {
        SECRETS_DB: db.url,
        SECRETS_KEYRING_FILE: path.join(cwd, 'keyring.json'),
        SECRETS_SWEEP_INTERVAL: '0.5',
        SECRETS_RATE_LIMIT: 'off',
      };
      for (let n = 0; n < 2; n++) replicas.push(await startServer({ cwd, env }));
      const minted = runCli(['token', 'create', '--subject', 'admin', '--scope', 'dynamic:*:**', '--ttl', '1h'], { cwd, env });
      assert.equal(minted.status, 0, minted.stderr);
      admin = minted.stdout.trim();
      knex = knexFactory({ client: 'pg', connection: db.url });
    });
    after(async () => {
      await Promise.all(replicas.map((replica) => replica.stop('SIGTERM')));
      await knex?.destroy();
      await db.drop();
      fs.rmSync(cwd, { recursive: true, force: true });
    });

    const call = async (n: number, method: string, pathname: string, body?: unknown) => {
      const replica = replicas[n % replicas.length] as RunningServer;
      const response = await fetch(`${replica.url}${pathname}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    it('revokes each of a thousand leases expiring together exactly once', async () => {
      const target = kindServer('postgresql');
      const backend = await target.setUp();
      const configured = await call(0, 'PUT', '/v1/backends/load/pg', {
        ...backend,
        revocationStatements: [
          "INSERT INTO lease_revocations (name) VALUES ('{{name}}')",
          'GRANT "{{name}}" TO CURRENT_USER',
          'DROP OWNED BY "{{name}}"',
          'DROP ROLE IF EXISTS "{{name}}"',
        ],
      });
      assert.equal(configured.status, 201, JSON.stringify(configured.body));

      const usernames: string[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let n = next++; n < LEASES; n = next++) {
            const drawn = await call(n, 'POST', '/v1/creds/load/pg', { ttl: 3600 });
            assert.equal(drawn.status, 201, JSON.stringify(drawn.body));
            usernames.push((drawn.body.credential as { username: string }).username);
          }
        }),
      );
      assert.equal(await countLive(knex), LEASES);

      // The clock moves past every lease's expiry at once: both replicas find them all due in the same second.
      const now = Date.now();
      await knex('leases').update({ expires_at: now, revoke_at: now });
      await waitFor(async () => ((await countLive(knex)) === 0 ? true : undefined), 120_000, 'every lease to be revoked');

      const revokedAtServer = await withBackendDatabase((client) =>
        client.query<{ name: string; n: string }>('SELECT name, count(*) AS n FROM lease_revocations GROUP BY name'),
      );
      assert.equal(revokedAtServer.rows.length, LEASES, 'each user revoked');
      assert.deepEqual(
        revokedAtServer.rows.filter((row) => Number(row.n) !== 1),
        [],
        'no user revoked twice',
      );
      assert.deepEqual(revokedAtServer.rows.map((row) => row.name).sort(), [...usernames].sort());
      const left = await withBackendDatabase((client) => client.query('SELECT 1 FROM pg_roles WHERE rolname = ANY($1)', [usernames]));
      assert.equal(left.rowCount, 0);

      await waitFor(
        async () => ((await countEvents(knex, 'lease.revoked')) >= LEASES ? true : undefined),
        60_000,
        'the revocations in the audit chain',
      );
      const events: Array<{ detail: string }> = await knex('audit_events').where({ action: 'lease.revoked' }).select('detail');
      const leaseIds = events.map((event) => event.detail.split(' ')[0]);
      assert.equal(leaseIds.length, LEASES, 'one lease.revoked event per lease');
      assert.equal(new Set(leaseIds).size, LEASES);

      // Each replica counts the revocations it finished: together, one per lease.
      const finished = await Promise.all(replicas.map((replica) => revokedBy(replica)));
      assert.equal(
        finished.reduce((sum, n) => sum + n, 0),
        LEASES,
        `revocations finished by each replica: ${finished.join(', ')}`,
      );
    });
  });
});

async function revokedBy(replica: RunningServer): Promise<number> {
  const text = await (await fetch(`${replica.url}/metrics`)).text();
  const match = /^scoped_secrets_leases_total\{event="revoked"\} (\d+)$/m.exec(text);
  return Number(match?.[1] ?? 0);
}

async function countLive(knex: Knex): Promise<number> {
  const row = (await knex('leases').count({ n: '*' }).first()) as { n: string | number };
  return Number(row.n);
}

async function countEvents(knex: Knex, action: string): Promise<number> {
  const row = (await knex('audit_events').where({ action }).count({ n: '*' }).first()) as { n: string | number };
  return Number(row.n);
}

async function withBackendDatabase<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: DYNAMIC_TEST_DATABASE });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * PostgreSQL cut off without a restart, as by a network partition or a
 * failed-over address: a TCP relay between the service and the database
 * stops every byte, on open connections and new ones. Every request must
 * answer within the database timeout (503 with Retry-After, never a hang
 * or a 500), /readyz must answer at once and turn red, and when the path
 * is back everything recovers by itself, with nothing acknowledged lost.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dialects, tempDir, type Dialect, type TestDatabase } from '../support/databases';
import { startServer, waitFor, type RunningServer } from '../support/processes';
import { TcpRelay } from '../support/tcp-relay';
import { readinessBecomes, timedCaller } from '../support/timed-calls';

/** SECRETS_DB_TIMEOUT for this test, in seconds. */
const DB_TIMEOUT_S = 1;
/** What "answers within the limit" allows: a wait for a connection, then a statement, each bounded by the timeout, and room for a busy machine. */
const ANSWER_WITHIN_MS = 8_000;

describe('PostgreSQL behind a network partition', async () => {
  const postgres = (await dialects()).find((dialect) => dialect.name === 'postgres');
  describe('through a TCP relay that cuts both directions', { skip: postgres?.skip ?? 'no PostgreSQL dialect' }, () =>
    partitionTrial(postgres),
  );
});

function partitionTrial(postgres: Dialect | undefined): void {
  let db: TestDatabase;
  let relay: TcpRelay;
  let cwd: string;
  let server: RunningServer;
  let token: string;

  before(async () => {
    db = await (postgres?.create() ?? Promise.reject(new Error('no PostgreSQL')));
    const target = new URL(db.url);
    relay = await TcpRelay.start({ host: target.hostname, port: Number(target.port || 5432) });
    target.port = String(relay.port);
    cwd = tempDir('scoped-secrets-e2e-partition-');
    server = await startServer({
      cwd,
      env: { SECRETS_DB: target.toString(), SECRETS_DB_TIMEOUT: String(DB_TIMEOUT_S), SECRETS_RATE_LIMIT: 'off' },
    });
    token = fs.readFileSync(path.join(cwd, 'data', 'root.token'), 'utf8').trim();
  });
  after(async () => {
    await server?.stop('SIGKILL');
    await relay?.close();
    await db?.drop();
    if (cwd) fs.rmSync(cwd, { recursive: true, force: true });
  });

  const call = timedCaller(
    () => server.url,
    () => token,
  );
  const expires = () => new Date(Date.now() + 3_600_000).toISOString();

  it('answers every request within the timeout with 503, turns /readyz red, and recovers by itself with nothing lost', async () => {
    for (let index = 0; index < 5; index++)
      assert.equal((await call('PUT', `/v1/secret/partition/before-${index}`, { value: { index }, expires: expires() })).status, 201);
    assert.equal((await call('GET', '/readyz')).status, 200);

    relay.partition();
    const requests: Array<[string, string, unknown?]> = [
      ['GET', '/v1/secret/partition/before-0'],
      ['PUT', '/v1/secret/partition/during', { value: { v: 1 }, expires: expires() }],
      ['GET', '/v1/secrets?prefix=partition'],
      ['DELETE', '/v1/secret/partition/before-1'],
      ['POST', '/v1/tokens', { scopes: ['secret:get:partition/**'], ttl: 60 }],
      ['GET', '/v1/secret/partition/before-2'],
    ];
    // All at once too: several connections of the pool, and new ones, are caught by the partition.
    const answers = await Promise.all(requests.map(([method, pathname, body]) => call(method, pathname, body)));
    for (const [index, answer] of answers.entries()) {
      const [method, pathname] = requests[index] as [string, string];
      assert.equal(answer.status, 503, `${method} ${pathname}: ${answer.status} ${answer.text}`);
      assert.equal(JSON.parse(answer.text).code, 'Unavailable');
      assert.ok(Number(answer.retryAfter) >= 1, 'Retry-After');
      assert.ok(answer.ms < ANSWER_WITHIN_MS, `${method} ${pathname} took ${answer.ms} ms`);
    }
    // Readiness turns red, answering at once each time it is asked.
    await readinessBecomes(call, 503);
    const healthz = await call('GET', '/healthz');
    assert.equal(healthz.status, 200, 'the process itself is alive');
    const again = await call('GET', '/v1/secret/partition/before-3');
    assert.equal(again.status, 503);
    assert.ok(again.ms < ANSWER_WITHIN_MS, `a request well into the partition took ${again.ms} ms`);

    relay.heal();
    // Green by itself; the guard is only against a hang.
    await readinessBecomes(call, 200, 30_000);
    await waitFor(
      async () => ((await call('GET', '/v1/secret/partition/before-4')).status === 200 ? true : undefined),
      30_000,
      'reads to come back',
    );
    assert.equal((await call('PUT', '/v1/secret/partition/after', { value: { v: 2 }, expires: expires() })).status, 201);
    for (let index = 0; index < 5; index++) {
      const read = await call('GET', `/v1/secret/partition/before-${index}`);
      // The DELETE during the partition answered 503: whether or not it reached the database, nothing acknowledged is lost.
      if (index === 1) assert.ok([200, 404].includes(read.status), `before-1: ${read.status}`);
      else assert.deepEqual([read.status, JSON.parse(read.text).value], [200, { index }], `before-${index}`);
    }
  });
}

/** PostgreSQL goes away and comes back: 503 with Retry-After meanwhile, never a hang or a 500, then recovery on its own. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/databases';
import { PrivatePostgres, privatePostgresSkip } from '../support/private-postgres';
import { startServer, waitFor, type RunningServer } from '../support/processes';
import { readinessBecomes, timedCaller } from '../support/timed-calls';

const skip = process.env.CI === 'true' ? false : privatePostgresSkip();

describe('database outage', { skip }, () => {
  let cluster: PrivatePostgres;
  let cwd: string;
  let server: RunningServer;
  let token: string;

  before(async () => {
    cluster = await PrivatePostgres.create();
    cwd = tempDir('scoped-secrets-e2e-');
    server = await startServer({ cwd, env: { SECRETS_DB: cluster.url } });
    token = fs.readFileSync(path.join(cwd, 'data', 'root.token'), 'utf8').trim();
  });
  after(async () => {
    await server?.stop('SIGKILL');
    cluster?.destroy();
    if (cwd) fs.rmSync(cwd, { recursive: true, force: true });
  });

  const timed = timedCaller(
    () => server.url,
    () => token,
  );

  it('answers 503 Unavailable with Retry-After while PostgreSQL is down, and recovers when it is back', async () => {
    const expires = new Date(Date.now() + 3_600_000).toISOString();
    assert.equal((await timed('PUT', '/v1/secret/outage/a', { value: { v: 1 }, expires })).status, 201);
    assert.equal((await timed('GET', '/readyz')).status, 200);

    cluster.stop();
    for (const [method, pathname, body] of [
      ['GET', '/v1/secret/outage/a'],
      ['PUT', '/v1/secret/outage/b', { value: { v: 2 }, expires }],
      ['GET', '/v1/secrets?prefix=outage'],
      ['DELETE', '/v1/secret/outage/a'],
      ['GET', '/v1/secret/outage/a'],
    ] as Array<[string, string, unknown?]>) {
      const res = await timed(method, pathname, body);
      assert.equal(res.status, 503, `${method} ${pathname}: ${res.status} ${res.text}`);
      assert.equal(JSON.parse(res.text).code, 'Unavailable');
      assert.ok(Number(res.retryAfter) >= 1);
      assert.ok(res.ms < 10_000, `${method} ${pathname} took ${res.ms} ms`);
    }
    // Readiness comes from a probe every second: red within a few seconds, each answer at once.
    await readinessBecomes(timed, 503);
    assert.equal((await timed('GET', '/healthz')).status, 200, 'the process itself is alive');

    cluster.start();
    await waitFor(async () => ((await timed('GET', '/v1/secret/outage/a')).status === 200 ? true : undefined), 20_000, 'recovery');
    await readinessBecomes(timed, 200);
    assert.equal((await timed('PUT', '/v1/secret/outage/b', { value: { v: 3 }, expires })).status, 201);
    assert.ok(!/unhandled error/.test(server.output()), 'an outage is answered as one, never as a 500');
  });
});

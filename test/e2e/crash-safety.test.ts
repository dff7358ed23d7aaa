/**
 * kill -9 in the middle of a few hundred concurrent writes: after a restart
 * every acknowledged write is there (at its acknowledged version or later),
 * the database is intact, nothing is half-written, and the audit chain
 * verifies.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir } from '../support/databases';
import { runCli, startServer, type RunningServer } from '../support/processes';

const WRITES = 400;
const KEYS = 40;

describe('crash safety', () => {
  let cwd: string;
  let server: RunningServer;
  let token: string;

  before(async () => {
    cwd = tempDir('scoped-secrets-e2e-');
    server = await startServer({ cwd, env: { SECRETS_RATE_LIMIT: 'off' } });
    token = fs.readFileSync(path.join(cwd, 'data', 'root.token'), 'utf8').trim();
  });
  after(async () => {
    await server.stop('SIGKILL');
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  const call = (base: string, method: string, key: string, body?: unknown) =>
    fetch(`${base}/v1/secret/${key}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('keeps every acknowledged PUT and DELETE across kill -9', async () => {
    const expires = new Date(Date.now() + 3_600_000).toISOString();
    for (let n = 0; n < KEYS; n++) assert.equal((await call(server.url, 'PUT', `doomed/${n}`, { value: { n }, expires })).status, 201);

    const acknowledged = new Map<string, { version: number; value: unknown }>();
    const deleted = new Set<string>();
    let killed = false;
    let acknowledgedPuts = 0;
    const failures: string[] = [];
    const writes = Array.from({ length: WRITES }, async (_, n) => {
      const isDelete = n % 10 === 0;
      const key = isDelete ? `doomed/${(n / 10) % KEYS}` : `crash/${n % KEYS}`;
      const value = { n, payload: 'x'.repeat(64) };
      try {
        const res = await call(server.url, isDelete ? 'DELETE' : 'PUT', key, isDelete ? undefined : { value, expires });
        if (isDelete && res.status === 204) deleted.add(key);
        if (!isDelete && (res.status === 200 || res.status === 201)) {
          const { version } = (await res.json()) as { version: number };
          acknowledgedPuts++;
          if (version > (acknowledged.get(key)?.version ?? 0)) acknowledged.set(key, { version, value });
        }
        if (!killed && acknowledgedPuts >= 60) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      } catch (error) {
        // Not acknowledged: the connection died with the process.
        failures.push(String((error as Error).cause ?? error));
      }
    });
    await Promise.all(writes);
    assert.ok(killed, 'the process was killed while writes were in flight');
    assert.ok(acknowledged.size > 0, `nothing acknowledged: ${failures.slice(0, 3).join('; ')}`);
    await server.stop('SIGKILL');

    server = await startServer({ cwd, env: { SECRETS_RATE_LIMIT: 'off' } });
    for (const [key, { version, value }] of acknowledged) {
      const res = await call(server.url, 'GET', key);
      assert.equal(res.status, 200, key);
      const secret = (await res.json()) as { version: number; value: unknown };
      assert.ok(secret.version >= version, `${key}: acknowledged version ${version}, found ${secret.version}`);
      if (secret.version === version) assert.deepEqual(secret.value, value);
    }
    for (const key of deleted) assert.equal((await call(server.url, 'GET', key)).status, 404, key);

    const db = new Database(path.join(cwd, 'data', 'secrets.db'), { readonly: true });
    try {
      assert.equal((db.pragma('integrity_check') as Array<{ integrity_check: string }>)[0]?.integrity_check, 'ok');
      const orphans = db
        .prepare('SELECT count(*) AS n FROM secret_versions v WHERE NOT EXISTS (SELECT 1 FROM secrets s WHERE s.key = v.key)')
        .get() as { n: number };
      assert.equal(orphans.n, 0, 'history rows without their secret');
      const headless = db
        .prepare(
          'SELECT count(*) AS n FROM secrets s WHERE NOT EXISTS (SELECT 1 FROM secret_versions v WHERE v.key = s.key AND v.version = s.version)',
        )
        .get() as { n: number };
      assert.equal(headless.n, 0, 'secrets without their current version');
    } finally {
      db.close();
    }
    const verify = runCli(['audit', 'verify'], { cwd });
    assert.equal(verify.status, 0, verify.stderr);
  });
});

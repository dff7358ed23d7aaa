/**
 * SQLite on a small filesystem of its own (a tmpfs) that fills up: writes
 * are refused with 507 InsufficientStorage (never a 500), reads go on,
 * /readyz and a metric say why, and once room is made everything comes
 * back by itself, with nothing acknowledged lost and the audit chain whole.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/databases';
import { runCli, startServer, waitFor, type RunningServer } from '../support/processes';

const FILESYSTEM_MIB = 24;

/** false, or why no tmpfs can be mounted here (a failure under CI=true, which runs as root). */
function mountSkip(): false | string {
  if (process.env.CI === 'true') return false;
  return process.getuid?.() === 0 ? false : 'mounting a tmpfs needs root';
}

describe('SQLite on a disk that fills up', { skip: mountSkip() }, () => {
  let cwd: string;
  let data: string;
  let server: RunningServer;
  let token: string;

  before(async () => {
    cwd = tempDir('scoped-secrets-e2e-disk-');
    data = path.join(cwd, 'data');
    fs.mkdirSync(data, { mode: 0o700 });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${FILESYSTEM_MIB}m,mode=0700`, 'tmpfs', data]);
    server = await startServer({ cwd, env: { SECRETS_RATE_LIMIT: 'off' } });
    token = fs.readFileSync(path.join(data, 'root.token'), 'utf8').trim();
  });
  after(async () => {
    await server?.stop();
    if (data) execFileSync('umount', ['-l', data]);
    if (cwd) fs.rmSync(cwd, { recursive: true, force: true });
  });

  const call = async (method: string, pathname: string, body?: unknown) => {
    const res = await fetch(`${server.url}${pathname}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
  };
  const expires = () => new Date(Date.now() + 3_600_000).toISOString();
  const value = (index: number) => ({ index, padding: 'p'.repeat(2000) });

  /** Writes a file of zeros until the filesystem refuses another byte. */
  function fill(file: string): void {
    const chunk = Buffer.alloc(64 * 1024);
    const fd = fs.openSync(file, 'w');
    try {
      for (;;) {
        try {
          fs.writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
      // What is left is less than a chunk: take it byte by byte.
      for (;;) {
        try {
          fs.writeSync(fd, Buffer.alloc(1));
        } catch {
          break;
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  it('refuses writes with 507 while full, keeps reading, says why, and comes back by itself with nothing lost', async () => {
    for (let index = 0; index < 20; index++)
      assert.equal((await call('PUT', `/v1/secret/disk/before-${index}`, { value: value(index), expires: expires() })).status, 201);
    assert.equal((await call('GET', '/readyz')).status, 200);

    const filler = path.join(data, 'filler');
    fill(filler);
    for (const [method, pathname, body] of [
      ['PUT', '/v1/secret/disk/during', { value: value(-1), expires: expires() }],
      ['PUT', '/v1/secret/disk/before-0', { value: value(100), expires: expires() }],
    ] as Array<[string, string, unknown]>) {
      const res = await call(method, pathname, body);
      assert.equal(res.status, 507, `${method} ${pathname}: ${res.status} ${res.text}`);
      assert.equal(JSON.parse(res.text).code, 'InsufficientStorage');
      assert.ok(Number(res.retryAfter) >= 1, 'Retry-After');
    }
    const read = await call('GET', '/v1/secret/disk/before-1');
    assert.deepEqual([read.status, JSON.parse(read.text).value], [200, value(1)], 'reads go on');
    // Every read's audit event fails alike: the log must not grow with the traffic on a disk that is full.
    for (let index = 0; index < 30; index++) assert.equal((await call('GET', `/v1/secret/disk/before-${index % 20}`)).status, 200);
    const failureLines = server
      .output()
      .split('\n')
      .filter((line) => line.includes('could not record an audit event')).length;
    assert.ok(failureLines <= 3, `${failureLines} log lines for 31 failed audit events`);
    const red = await waitFor(
      async () => {
        const readyz = await call('GET', '/readyz');
        return readyz.status === 503 ? readyz : undefined;
      },
      10_000,
      '/readyz to turn red',
    );
    assert.match(JSON.parse(red.text).message, /disk is full/);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^scoped_secrets_not_ready\{reason="disk_full"\} 1$/m);

    fs.rmSync(filler);
    await waitFor(
      async () => ((await call('GET', '/readyz')).status === 200 ? true : undefined),
      10_000,
      '/readyz to turn green by itself',
    );
    assert.equal((await call('PUT', '/v1/secret/disk/after', { value: value(200), expires: expires() })).status, 201);
    assert.equal((await call('GET', '/v1/secret/disk/during')).status, 404, 'the refused write left nothing');
    for (let index = 0; index < 20; index++) {
      const again = await call('GET', `/v1/secret/disk/before-${index}`);
      assert.deepEqual(
        [again.status, JSON.parse(again.text).value, JSON.parse(again.text).version],
        [200, value(index), 1],
        `before-${index}`,
      );
    }
    const verify = runCli(['audit', 'verify'], { cwd });
    assert.equal(verify.status, 0, verify.stderr);
  });
});

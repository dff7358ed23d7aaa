import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ClientConfigError, clientOptionsFromEnv, SecretsClient } from '../../src/cli/client/secrets-client';
import { closedPort } from '../support/processes';

describe('HTTP client', () => {
  let server: http.Server;
  let url: string;
  const seen: string[] = [];
  let failuresLeft = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      if (failuresLeft > 0) {
        failuresLeft--;
        res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '0' });
        res.end(JSON.stringify({ code: 'Unavailable', message: 'try again', requestId: 'r' }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ subject: 's', scopes: [], expires: '2030-01-01T00:00:00.000Z' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  const client = (target = url) => new SecretsClient({ url: target, token: 'tkn', attempts: 3, backoffMs: 1 });

  it('retries a read on 503 and succeeds', async () => {
    seen.length = 0;
    failuresLeft = 2;
    assert.equal((await client().whoami()).subject, 's');
    assert.deepEqual(seen, Array(3).fill('GET /v1/whoami Bearer tkn'));
  });

  it("gives up after its attempts with the server's error as one line", async () => {
    failuresLeft = 5;
    await assert.rejects(client().whoami(), { message: 'Unavailable: try again', status: 503 });
    failuresLeft = 0;
  });

  it('does not repeat a write that reached the server', async () => {
    seen.length = 0;
    failuresLeft = 1;
    await assert.rejects(client().putSecret('a/b', { x: 1 }, '2030-01-01T00:00:00Z'), { status: 503 });
    assert.equal(seen.length, 1);
    failuresLeft = 0;
  });

  it('retries a refused connection, then reports it in one line', async () => {
    const port = await closedPort();
    await assert.rejects(client(`http://127.0.0.1:${port}`).putSecret('a/b', {}, '2030-01-01T00:00:00Z'), {
      message: `cannot reach http://127.0.0.1:${port} (ECONNREFUSED)`,
    });
  });

  it('reads its settings from the environment', () => {
    assert.deepEqual(clientOptionsFromEnv({ SECRETS_TOKEN: ' t \n', SECRETS_URL: 'https://x:1/' }), { url: 'https://x:1', token: 't' });
    assert.deepEqual(clientOptionsFromEnv({ SECRETS_TOKEN: 't', SECRETS_URL: 'http://localhost:1/v1' }), {
      url: 'http://localhost:1',
      token: 't',
    });
    assert.throws(
      () => clientOptionsFromEnv({ SECRETS_TOKEN: 't', SECRETS_URL: 'http://x:1' }),
      /refusing to send credentials over plain http to x:1/,
    );
    assert.deepEqual(clientOptionsFromEnv({ SECRETS_TOKEN: 't', SECRETS_URL: 'http://x:1', SECRETS_ALLOW_INSECURE_HTTP: 'true' }), {
      url: 'http://x:1',
      token: 't',
    });
    assert.throws(() => clientOptionsFromEnv({}), ClientConfigError);
    assert.throws(() => clientOptionsFromEnv({ SECRETS_TOKEN_FILE: '/nonexistent/token' }), ClientConfigError);
  });
});

/**
 * A dynamic backend whose server is down, played by a relay between the
 * service and PostgreSQL that stops passing bytes: drawing answers 503;
 * a revocation stays pending, visible with its error, across a restart of
 * the service, and completes once the server is back.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/databases';
import { kindServer } from '../support/dynamic-servers';
import { openSession, sessionEnded, useCredential, type DrawnCredential } from '../support/lease-clients';
import { startServer, waitFor, type RunningServer } from '../support/processes';
import { TcpRelay } from '../support/tcp-relay';

interface ListedLease {
  id: string;
  state: string;
  lastError?: string;
  revokeAttempts?: number;
}

describe('a dynamic backend whose server is down', () => {
  let cwd: string;
  let server: RunningServer;
  let relay: TcpRelay;
  let root: string;
  const target = kindServer('postgresql');

  const api = async (method: string, url: string, body?: unknown) => {
    const response = await fetch(`${server.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${root}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
  };
  const leases = async () => ((await api('GET', '/v1/leases')).body as { leases: ListedLease[] }).leases;
  const start = () => startServer({ cwd, env: { SECRETS_SWEEP_INTERVAL: '0.2' } });

  before(async () => {
    cwd = tempDir('scoped-secrets-lease-outage-');
    relay = await TcpRelay.start({ host: '127.0.0.1', port: target.port });
    server = await start();
    root = fs.readFileSync(path.join(cwd, 'data', 'root.token'), 'utf8').trim();
    const configured = await api('PUT', '/v1/backends/team/pg', await target.setUp(relay.port));
    assert.equal(configured.status, 201, JSON.stringify(configured.body));
  });
  after(async () => {
    await server.stop('SIGKILL');
    await relay.close();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('answers a draw with 503 while the server is down', async () => {
    relay.partition();
    try {
      const drawn = await api('POST', '/v1/creds/team/pg');
      assert.equal(drawn.status, 503);
      assert.equal(drawn.body?.code, 'BackendUnavailable');
      assert.match(String(drawn.body?.message), /cannot be reached/);
    } finally {
      relay.heal();
    }
  });

  it('keeps a revocation pending through the outage and a restart, and completes it when the server is back', async () => {
    const reply = await api('POST', '/v1/creds/team/pg');
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const drawn = reply.body as unknown as { lease: { id: string }; credential: DrawnCredential };
    const session = await openSession('postgresql', drawn.credential);

    relay.partition();
    const revoked = await api('DELETE', `/v1/leases/${drawn.lease.id}`);
    assert.equal(revoked.status, 202);
    assert.equal(revoked.body?.state, 'revoking');
    assert.match(String(revoked.body?.lastError), /cannot be reached/);

    // A stop waits for an attempt under way, which gives its claim back: one killed mid-attempt leaves it held a minute.
    await server.stop('SIGTERM');
    server = await start();
    const pending = (await leases()).find((lease) => lease.id === drawn.lease.id);
    assert.equal(pending?.state, 'revoking', 'the pending revocation survives the restart');
    assert.ok((pending?.revokeAttempts ?? 0) >= 1);
    assert.equal(JSON.stringify(pending).includes(drawn.credential.password), false);

    relay.heal();
    // A draw during the outage may have made its user before the server stopped answering: its lease is revoked too.
    await waitFor(async () => ((await leases()).length === 0 ? true : undefined), 90_000, 'the revocations to complete');
    await sessionEnded(session);
    await assert.rejects(useCredential('postgresql', drawn.credential));
    assert.equal(await target.exists(drawn.credential.username), false);
    assert.equal(await target.sessions(drawn.credential.username), 0);
    assert.equal(server.output().includes(drawn.credential.password), false);
    assert.equal(server.output().includes(target.adminPassword), false);
  });
});

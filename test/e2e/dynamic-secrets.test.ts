/**
 * Dynamic secrets against the real PostgreSQL, MariaDB, Redis and RabbitMQ
 * on this machine, through a real `serve`: for each kind, a credential is
 * drawn through the HTTP API and through `run --lease`, used against the
 * server, then revoked each way there is (by hand, at expiry, by revoking
 * the token that drew it, and by `run` exiting); each time the credential
 * no longer connects and no session of it is left. Last, every password
 * (administrative and drawn) is searched for in the service's output, its
 * files and the audit trail, which must hold none.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/databases';
import { kindServer } from '../support/dynamic-servers';
import { openSession, sessionEnded, useCredential, type DrawnCredential, type KindName } from '../support/lease-clients';
import { runCliAsync, startCli, startServer, waitFor, type RunningServer } from '../support/processes';

const KINDS: KindName[] = ['postgresql', 'mariadb', 'redis', 'rabbitmq'];
const LEASE_CLIENT = path.resolve(__dirname, '..', 'support', 'lease-clients.js');

interface Drawn {
  lease: { id: string; expires: string; state: string };
  credential: DrawnCredential;
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

describe('dynamic secrets on the real servers', () => {
  let cwd: string;
  let server: RunningServer;
  let root: string;
  const passwords: string[] = [];

  const api = async (method: string, url: string, token: string, body?: unknown) => {
    const response = await fetch(`${server.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
  };
  const draw = async (key: string, token: string, ttl?: number): Promise<Drawn> => {
    const reply = await api('POST', `/v1/creds/${key}`, token, ttl === undefined ? {} : { ttl });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const drawn = reply.body as unknown as Drawn;
    passwords.push(drawn.credential.password);
    return drawn;
  };
  const derive = async (token: string, scopes: string[]) => {
    const reply = await api('POST', '/v1/tokens', token, { scopes, ttl: 600 });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    return reply.body as { token: string; jti: string };
  };
  const leaseIds = async (key: string) =>
    ((await api('GET', `/v1/leases?prefix=${key}`, root)).body as { leases: Array<{ id: string }> }).leases.map((lease) => lease.id);

  before(async () => {
    cwd = tempDir('scoped-secrets-dynamic-');
    // The revoker looks for due leases as often as the sweep interval, when that is under a second.
    server = await startServer({ cwd, env: { SECRETS_SWEEP_INTERVAL: '0.2' } });
    root = fs.readFileSync(path.join(cwd, 'data', 'root.token'), 'utf8').trim();
  });
  after(async () => {
    await server.stop('SIGKILL');
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  for (const kind of KINDS) {
    describe(kind, () => {
      const target = kindServer(kind);
      const key = `team/dynamic/${kind}`;

      /** The credential connects no more, and the server holds no session of it. */
      const assertGone = async (credential: DrawnCredential) => {
        await assert.rejects(useCredential(kind, credential));
        assert.equal(await target.exists(credential.username), false, 'the user is gone from the server');
        await waitFor(async () => ((await target.sessions(credential.username)) === 0 ? true : undefined), 30_000, 'no session left');
      };

      before(async () => {
        passwords.push(target.adminPassword);
        const configured = await api('PUT', `/v1/backends/${key}`, root, await target.setUp());
        assert.equal(configured.status, 201, JSON.stringify(configured.body));
        assert.equal(JSON.stringify(configured.body).includes(target.adminPassword), false);
      });

      it('draws a credential through the API that works; revoked by hand, it connects no more and its session is ended', async () => {
        const drawn = await draw(key, root);
        assert.equal(await useCredential(kind, drawn.credential), 'item');
        const session = await openSession(kind, drawn.credential);
        assert.equal((await api('DELETE', `/v1/leases/${drawn.lease.id}`, root)).status, 204);
        await sessionEnded(session);
        await assertGone(drawn.credential);
        assert.deepEqual(await leaseIds(key), []);
      });

      it('revokes the credential when its lease expires', async () => {
        const drawn = await draw(key, root, 2);
        assert.equal(await useCredential(kind, drawn.credential), 'item');
        const session = await openSession(kind, drawn.credential);
        await sessionEnded(session);
        await waitFor(async () => ((await leaseIds(key)).length === 0 ? true : undefined), 30_000, 'the lease to be revoked');
        await assertGone(drawn.credential);
      });

      it('revokes the credential when a token it was drawn under is revoked, down the line of delegation', async () => {
        const parent = await derive(root, [`dynamic:lease:${key}`]);
        const child = await derive(parent.token, [`dynamic:lease:${key}`]);
        const drawn = await draw(key, child.token);
        const session = await openSession(kind, drawn.credential);
        assert.equal((await api('POST', '/v1/tokens/revoke', root, { jti: parent.jti })).status, 204);
        await sessionEnded(session);
        await waitFor(async () => ((await leaseIds(key)).length === 0 ? true : undefined), 30_000, 'the lease to be revoked');
        await assertGone(drawn.credential);
      });

      it('run --lease gives the command a working credential, and revokes it when the command exits', async () => {
        const saved = path.join(cwd, `${kind}.credential.json`);
        const run = await runCliAsync(
          ['run', '--lease', key, '--uppercase', '--prefix', 'LEASE_', '--', process.execPath, LEASE_CLIENT, kind, saved],
          { cwd, env: { SECRETS_URL: server.url, SECRETS_TOKEN: root } },
        );
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.stdout, 'used the credential: read item\n');
        const credential = JSON.parse(fs.readFileSync(saved, 'utf8')) as DrawnCredential;
        passwords.push(credential.password);
        fs.rmSync(saved);
        assert.deepEqual(await leaseIds(key), []);
        await assertGone(credential);
      });
    });
  }

  it('lets a task draw through the auth proxy only when it allows dynamic:lease, and revokes the lease with the task token', async () => {
    const target = kindServer('redis');
    const key = 'team/dynamic/redis';
    const task = await derive(root, [`dynamic:lease:${key}`]);
    const tokenFile = path.join(cwd, 'task.token');
    fs.writeFileSync(tokenFile, task.token, { mode: 0o600 });
    const proxyUrl = async (allow: string[]) => {
      const proxy = startCli(['proxy', '--listen', '127.0.0.1:0', '--upstream', server.url, '--token-file', tokenFile, ...allow], {
        cwd,
        env: {},
      });
      const port = await waitFor(
        async () => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(proxy.output.stdout + proxy.output.stderr)?.[1],
        10_000,
        'the proxy',
      );
      return { url: `http://127.0.0.1:${port}`, stop: async () => (proxy.child.kill('SIGTERM'), await proxy.exited) };
    };
    const readOnly = await proxyUrl([]);
    try {
      const refused = await fetch(`${readOnly.url}/v1/creds/${key}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(refused.status, 403);
      assert.match(await refused.text(), /--allow dynamic:lease/);
    } finally {
      await readOnly.stop();
    }
    const drawing = await proxyUrl(['--allow', 'dynamic:lease']);
    try {
      const drawn = await fetch(`${drawing.url}/v1/creds/${key}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(drawn.status, 201);
      const { credential } = (await drawn.json()) as { credential: DrawnCredential };
      passwords.push(credential.password);
      assert.equal(await useCredential('redis', credential), 'item');
      assert.equal((await api('POST', '/v1/tokens/revoke', root, { jti: task.jti })).status, 204);
      await waitFor(
        async () => ((await target.exists(credential.username)) ? undefined : true),
        30_000,
        'the lease to be revoked with the task token',
      );
      await assert.rejects(useCredential('redis', credential));
    } finally {
      await drawing.stop();
      fs.rmSync(tokenFile);
    }
  });

  it('lists and revokes leases from the command line', async () => {
    const target = kindServer('redis');
    const drawn = await draw('team/dynamic/redis', root);
    const cliEnv = { SECRETS_URL: server.url, SECRETS_TOKEN: root };
    const listed = await runCliAsync(['lease', 'list', 'team/dynamic', '--json'], { cwd, env: cliEnv });
    assert.equal(listed.status, 0, listed.stderr);
    const leases = JSON.parse(listed.stdout) as Array<{ id: string; backend: string; state: string }>;
    assert.deepEqual(
      leases.map((lease) => [lease.id, lease.backend, lease.state]),
      [[drawn.lease.id, 'team/dynamic/redis', 'active']],
    );
    assert.equal(listed.stdout.includes(drawn.credential.password), false);
    const revoked = await runCliAsync(['lease', 'revoke', drawn.lease.id], { cwd, env: cliEnv });
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.equal(revoked.stderr, `revoked ${drawn.lease.id}\n`);
    assert.equal(await target.exists(drawn.credential.username), false);
    const byPrefix = await runCliAsync(['lease', 'revoke', '--prefix', 'team/dynamic'], { cwd, env: cliEnv });
    assert.equal(byPrefix.stderr, 'revoking 0 leases under team/dynamic\n');
    const both = await runCliAsync(['lease', 'revoke', drawn.lease.id, '--prefix', 'team'], { cwd, env: cliEnv });
    assert.equal(both.status, 1);
  });

  it('never writes a password, administrative or drawn, to its output, its files or the audit trail', async () => {
    const audit = await api('GET', '/v1/audit?limit=1000', root);
    assert.equal(audit.status, 200);
    const events = JSON.stringify(audit.body);
    assert.match(events, /lease\.revoked/);
    const haystacks: Array<[string, Buffer]> = [
      ['the output', Buffer.from(server.output())],
      ['the audit trail', Buffer.from(events)],
      ...filesUnder(cwd).map((file): [string, Buffer] => [file, fs.readFileSync(file)]),
    ];
    assert.ok(passwords.length >= KINDS.length * 5);
    for (const password of passwords) {
      for (const [where, content] of haystacks) assert.equal(content.includes(password), false, `a password in ${where}`);
    }
  });
});

/** The real `scoped-secrets serve` process, started as a newcomer would start it. */
import assert from 'node:assert/strict';
import { signatureOf } from '../support/tokens';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/databases';
import { runCli, startServer, waitFor, type RunningServer } from '../support/processes';

const MARKER = 'e2e-marker-value-9f3c1a';

describe('scoped-secrets serve', () => {
  let cwd: string;
  let server: RunningServer;
  let rootToken: string;

  before(async () => {
    cwd = tempDir('scoped-secrets-e2e-');
    server = await startServer({ cwd, env: { SECRETS_SWEEP_INTERVAL: '1.5' } });
    rootToken = fs.readFileSync(path.join(cwd, 'data', 'root.token'), 'utf8').trim();
  });
  after(async () => {
    await server.stop('SIGKILL');
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  const call = (method: string, key: string, body?: unknown) =>
    fetch(`${server.url}/v1/secret/${key}`, {
      method,
      headers: { Authorization: `Bearer ${rootToken}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('creates ./data with a keyring and a root token, both 0600, signs with an ES256 key, and says where', async () => {
    for (const file of ['keyring.json', 'root.token']) {
      assert.equal(fs.statSync(path.join(cwd, 'data', file)).mode & 0o777, 0o600, file);
    }
    assert.equal(fs.existsSync(path.join(cwd, 'data', 'jwt-secret')), false, 'no HS256 secret in a file');
    assert.match(server.output(), /created the ES256 signing key \S+ \(kept with the keyring\)/);
    assert.match(server.output(), /root token .* to .*data\/root\.token/);
    assert.match(server.output(), /curl -s -H "Authorization: Bearer \$\(cat .*root\.token\)" http:\/\/127\.0\.0\.1:\d+\/v1\/whoami/);
    const whoami = await fetch(`${server.url}/v1/whoami`, { headers: { Authorization: `Bearer ${rootToken}` } });
    assert.equal(whoami.status, 200);
    assert.equal(((await whoami.json()) as { subject: string }).subject, 'root');
  });

  it('keeps the SQLite database and its WAL files 0600', async () => {
    const expires = new Date(Date.now() + 3_600_000).toISOString();
    assert.equal((await call('PUT', 'e2e/perms', { value: { v: 1 }, expires })).status, 201);
    for (const file of ['secrets.db', 'secrets.db-wal', 'secrets.db-shm']) {
      assert.equal(fs.statSync(path.join(cwd, 'data', file)).mode & 0o777, 0o600, file);
    }
    assert.doesNotMatch(server.output(), /open to other users/);
  });

  it('warns when the data folder is open to other users, and closes an old database file', async () => {
    const elsewhere = tempDir('scoped-secrets-e2e-open-');
    fs.mkdirSync(path.join(elsewhere, 'data'), { mode: 0o755 });
    fs.chmodSync(path.join(elsewhere, 'data'), 0o755);
    fs.writeFileSync(path.join(elsewhere, 'data', 'secrets.db'), '', { mode: 0o644 });
    fs.chmodSync(path.join(elsewhere, 'data', 'secrets.db'), 0o644);
    const open = await startServer({ cwd: elsewhere });
    try {
      assert.match(open.output(), /warning: .*data is open to other users \(mode 0755\)/);
      assert.equal(fs.statSync(path.join(elsewhere, 'data', 'secrets.db')).mode & 0o777, 0o600);
    } finally {
      await open.stop('SIGKILL');
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('logs readable lines with SECRETS_LOG_FORMAT=text, and JSON lines when its output is no terminal', async () => {
    const elsewhere = tempDir('scoped-secrets-e2e-text-logs-');
    const readable = await startServer({ cwd: elsewhere, env: { SECRETS_LOG_FORMAT: 'text' } });
    try {
      assert.match(readable.output(), /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}applied migrations applied=\["20261122000000_secrets",/m);
    } finally {
      await readable.stop('SIGKILL');
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
    assert.match(server.output(), /^\{"level":30,.*"msg":"applied migrations"\}$/m, 'a pipe gets JSON');
  });

  it('a secret written with a 1-second expiry is gone after the background sweep, which audits the purge', async () => {
    // 410 before the sweep and 404 after it are pinned with a manual clock in the HTTP tests; here the
    // sweep may come a millisecond after the expiry, so either is a valid first answer.
    const expires = new Date(Date.now() + 1000).toISOString();
    assert.equal((await call('PUT', 'e2e/short', { value: { v: 1 }, expires })).status, 201);
    const firstAfterLife = await waitFor(
      async () => {
        const status = (await call('GET', 'e2e/short')).status;
        return status === 200 ? undefined : status;
      },
      5000,
      'the secret to expire',
    );
    assert.ok(firstAfterLife === 410 || firstAfterLife === 404, `status ${firstAfterLife}`);
    await waitFor(async () => ((await call('GET', 'e2e/short')).status === 404 ? true : undefined), 6000, 'the sweep');
    const purged = await waitFor(
      async () => {
        const res = await fetch(`${server.url}/v1/audit?key=e2e/short`, { headers: { Authorization: `Bearer ${rootToken}` } });
        const { events } = (await res.json()) as { events: Array<{ action: string; subject: string | null }> };
        return events.find((event) => event.action === 'secret.expired');
      },
      5000,
      'the purge to be audited',
    );
    assert.equal(purged.subject, null);
  });

  it('never stores a value in plaintext in the SQLite files', async () => {
    const expires = new Date(Date.now() + 3_600_000).toISOString();
    assert.equal((await call('PUT', 'e2e/marked', { value: { password: MARKER }, expires })).status, 201);
    assert.equal(((await (await call('GET', 'e2e/marked')).json()) as { value: { password: string } }).value.password, MARKER);
    const files = fs.readdirSync(path.join(cwd, 'data')).filter((name) => name.startsWith('secrets.db'));
    assert.ok(files.includes('secrets.db'));
    for (const name of files) {
      assert.ok(!fs.readFileSync(path.join(cwd, 'data', name)).includes(MARKER), `${name} holds the plaintext`);
    }
  });

  it('runs migrate and sweep as one-shot commands against the same data', () => {
    const migrate = runCli(['migrate'], { cwd });
    assert.equal(migrate.status, 0, migrate.stderr);
    assert.match(migrate.stdout, /already up to date/);
    const sweep = runCli(['sweep'], { cwd });
    assert.equal(sweep.status, 0, sweep.stderr);
    assert.match(
      sweep.stdout,
      /^purged \d+ secrets\npurged \d+ revocations\npurged \d+ wraps\npurged \d+ audit events\npurged \d+ signing keys\npurged \d+ leases\n$/,
    );
  });

  it('publishes the audit chain head in the log, and audit verify checks the chain still holds it', async () => {
    const token = await waitFor(async () => /"auditHead":"(ahead1\.[^"]+)"/.exec(server.output())?.[1], 6000, 'a published head');
    const verify = runCli(['audit', 'verify', '--since-head', token], { cwd });
    assert.equal(verify.status, 0, verify.stderr);
    assert.match(verify.stdout, /^audit chain ok: \d+ events, head \d+\nhead: ahead1\./);
    const forged = runCli(['audit', 'verify', '--since-head', `${token.slice(0, -4)}0000`], { cwd });
    assert.equal(forged.status, 1);
    assert.match(forged.stderr, /not a head this keyring published/);
  });

  it('exits 0 on SIGTERM, and no log line holds a value, a token or a private key', async () => {
    const code = await server.stop('SIGTERM');
    assert.equal(code, 0);
    const output = server.output();
    assert.match(output, /"msg":"stopped"/);
    assert.ok(!output.includes(MARKER), 'a secret value reached the logs');
    assert.ok(!output.includes(rootToken), 'the root token reached the logs');
    assert.ok(!output.includes(signatureOf(rootToken)), 'a token signature reached the logs');
    assert.ok(!output.includes('PRIVATE KEY'), 'a private key reached the logs');
    for (const name of fs.readdirSync(path.join(cwd, 'data')).filter((n) => n.startsWith('secrets.db'))) {
      assert.ok(!fs.readFileSync(path.join(cwd, 'data', name)).includes(MARKER), `${name} holds the plaintext`);
    }
  });
});

describe('scoped-secrets command line', () => {
  it('stops on invalid configuration with one line naming the variable, and exit 1', () => {
    const cwd = tempDir('scoped-secrets-e2e-');
    const result = runCli(['serve'], { cwd, env: { SECRETS_PORT: 'eighty' } });
    assert.equal(result.status, 1);
    assert.equal(result.stderr, 'scoped-secrets: SECRETS_PORT: must be a whole number from 0 to 65535\n');
  });

  it('refuses an unknown command with a usage error', () => {
    const result = runCli(['serv'], { cwd: tempDir('scoped-secrets-e2e-') });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /unknown command/);
  });
});

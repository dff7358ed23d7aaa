/** token create, token derive, token revoke and audit verify, as an administrator runs them. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir } from '../support/databases';
import { runCli, startServer, waitFor, type RunningServer } from '../support/processes';

describe('token and audit commands', () => {
  let cwd: string;
  let server: RunningServer;

  before(async () => {
    cwd = tempDir('scoped-secrets-e2e-');
    server = await startServer({ cwd });
  });
  after(async () => {
    await server.stop('SIGKILL');
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  const whoami = async (token: string) => {
    const res = await fetch(`${server.url}/v1/whoami`, { headers: { Authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as { subject?: string; scopes?: string[]; jti?: string } };
  };

  it('token create signs offline with the generated secret and prints only the token', async () => {
    const result = runCli(
      ['token', 'create', '--subject', 'ci-admin', '--scope', 'secret:*:ci/**', '--scope', 'token:create:ci/**', '--ttl', '1h'],
      { cwd },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
    const me = await whoami(result.stdout.trim());
    assert.equal(me.status, 200);
    assert.equal(me.body.subject, 'ci-admin');
    assert.deepEqual(me.body.scopes, ['secret:*:ci/**', 'token:create:ci/**']);
    assert.equal(typeof me.body.jti, 'string');
  });

  it('token create refuses bad input with exit 1 and one line', () => {
    for (const args of [
      ['--subject', 'a b', '--scope', 'secret:get:a', '--ttl', '1h'],
      ['--subject', 'a', '--scope', 'secret:get:{a,b}', '--ttl', '1h'],
      ['--subject', 'a', '--scope', 'secret:get:a', '--ttl', 'forever'],
      ['--subject', 'a', '--ttl', '1h'],
    ]) {
      const result = runCli(['token', 'create', ...args], { cwd });
      assert.equal(result.status, 1, args.join(' '));
      assert.equal(result.stdout, '');
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
  });

  it('token derive and token revoke work through the API, and revocation cascades', async () => {
    const root = runCli(
      ['token', 'create', '--subject', 'admin', '--scope', 'secret:get:**', '--scope', 'token:create:**', '--ttl', '1h'],
      { cwd },
    ).stdout.trim();
    const env = { SECRETS_URL: server.url, SECRETS_TOKEN: root };
    const middle = runCli(['token', 'derive', '--scope', 'secret:get:ci/**', '--ttl', '10m'], { cwd, env });
    assert.equal(middle.status, 0, middle.stderr);
    const middleToken = middle.stdout.trim();
    const tokenFile = path.join(cwd, 'middle.token');
    fs.writeFileSync(tokenFile, `${middleToken}\n`, { mode: 0o600 });
    const youngest = runCli(['token', 'derive', '--scope', 'secret:get:ci/a', '--ttl', '5m'], {
      cwd,
      env: { SECRETS_URL: server.url, SECRETS_TOKEN_FILE: tokenFile },
    });
    assert.equal(youngest.status, 0, youngest.stderr);

    const escalation = runCli(['token', 'derive', '--scope', 'secret:set:ci/**', '--ttl', '5m'], {
      cwd,
      env: { SECRETS_URL: server.url, SECRETS_TOKEN: middleToken },
    });
    assert.equal(escalation.status, 2);
    assert.match(escalation.stderr, /^scoped-secrets: ScopeEscalation: .*secret:set:ci\/\*\*\n$/);

    const middleJti = (await whoami(middleToken)).body.jti as string;
    const revoked = runCli(['token', 'revoke', middleJti], { cwd, env });
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.equal((await whoami(middleToken)).status, 401);
    assert.equal((await whoami(youngest.stdout.trim())).status, 401);
    assert.equal((await whoami(root)).status, 200);
  });

  it('token list shows valid tokens by subject, with their scopes and never a token', async () => {
    const root = runCli(
      ['token', 'create', '--subject', 'lister', '--scope', 'token:create:team/**', '--scope', 'token:list:team/**', '--ttl', '1h'],
      { cwd },
    ).stdout.trim();
    const env = { SECRETS_URL: server.url, SECRETS_TOKEN: root };
    const derive = (subject: string, scope: string) => {
      const result = runCli(['token', 'derive', '--subject', subject, '--scope', scope, '--ttl', '10m', '--json'], { cwd, env });
      assert.equal(result.status, 0, result.stderr);
      return JSON.parse(result.stdout) as { token: string; jti: string };
    };
    const build = derive('team/build', 'token:create:team/build');
    const deploy = derive('team/deploy', 'token:list:team/deploy');

    const listed = runCli(['token', 'list', 'team', '--json'], { cwd, env });
    assert.equal(listed.status, 0, listed.stderr);
    const tokens = JSON.parse(listed.stdout) as Array<{ jti: string; subject: string; kind: string; scopes: string[]; expires: string }>;
    assert.deepEqual(
      tokens.map((t) => [t.subject, t.jti, t.kind, t.scopes]),
      [
        ['team/build', build.jti, 'derived', ['token:create:team/build']],
        ['team/deploy', deploy.jti, 'derived', ['token:list:team/deploy']],
      ],
    );
    const plain = runCli(['token', 'list'], { cwd, env });
    const lines = tokens.map((t) => [t.jti, t.subject, t.kind, t.expires, t.scopes.join(' ')].join('\t'));
    assert.equal(plain.stdout, `${lines.join('\n')}\n`, 'piped: one tab-separated line per token');
    for (const output of [listed.stdout, plain.stdout]) {
      assert.ok(!output.includes(build.token) && !output.includes(deploy.token), 'never a token');
    }

    const narrow = runCli(['token', 'list'], { cwd, env: { SECRETS_URL: server.url, SECRETS_TOKEN: deploy.token } });
    assert.equal(narrow.status, 0, narrow.stderr);
    assert.match(narrow.stdout, new RegExp(`^${deploy.jti}\tteam/deploy\t`), 'a token sees only the subjects it may list');
    assert.equal(narrow.stdout.split('\n').length, 2);

    assert.equal(runCli(['token', 'revoke', build.jti], { cwd, env }).status, 0);
    const after = runCli(['token', 'list', 'team/build'], { cwd, env });
    assert.equal(after.status, 0);
    assert.equal(after.stdout, '');
    assert.equal(after.stderr, 'no valid tokens you may list under team/build\n');
  });

  it('audit verify is green on an untouched store, and red after an event is edited or deleted', async () => {
    const root = fs.readFileSync(path.join(cwd, 'data', 'root.token'), 'utf8').trim();
    for (let n = 0; n < 5; n++) await fetch(`${server.url}/v1/secret/ci/n${n}`, { headers: { Authorization: `Bearer ${root}` } });
    const dbFile = path.join(cwd, 'data', 'secrets.db');
    const db = new Database(dbFile);
    try {
      await waitFor(
        async () => ((db.prepare('select count(*) as n from audit_events').get() as { n: number }).n >= 5 ? true : undefined),
        5000,
        'audit events',
      );
      const green = runCli(['audit', 'verify'], { cwd });
      assert.equal(green.status, 0, green.stderr);
      assert.match(green.stdout, /^audit chain ok: \d+ events, head \d+\nhead: ahead1\.[\w-]+\.[0-9a-f]{64}\n$/);

      const { seq } = db.prepare('select seq from audit_events order by seq limit 1 offset 2').get() as { seq: number };
      db.prepare("update audit_events set subject = 'someone-else' where seq = ?").run(seq);
      const edited = runCli(['audit', 'verify'], { cwd });
      assert.equal(edited.status, 2);
      assert.match(edited.stderr, new RegExp(`event ${seq}: its content does not match its hash`));

      db.prepare('delete from audit_events where seq = ?').run(seq);
      const deleted = runCli(['audit', 'verify'], { cwd });
      assert.equal(deleted.status, 2);
      assert.match(deleted.stderr, new RegExp(`events ${seq} to ${seq} are missing`));
    } finally {
      db.close();
    }
  });
});

/**
 * A CI job with no stored token: `run --github-oidc` against a local
 * stand-in for GitHub's ID token endpoint and a real OIDC issuer on
 * loopback, through a real `serve` holding a trust rule written with
 * `trust put`. The command gets the secret and holds no token; no token
 * reaches the service's output or the audit trail.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/databases';
import { TestOidcIssuer } from '../support/oidc-issuer';
import { runCli, startCli, startServer, waitFor, type RunningServer } from '../support/processes';

const REQUEST_TOKEN = 'gh-request-token-Qm3v9';

/** Runs a command without blocking this process: the issuer and GitHub's stand-in answer from here. */
async function runAsync(args: string[], options: { cwd: string; env: Record<string, string> }) {
  const running = startCli(args, options);
  const { code } = await running.exited;
  return { status: code, stdout: running.output.stdout, stderr: running.output.stderr };
}
const MARKER = 'oidc-marker-T8w2k';

describe('a CI job exchanging its ID token', () => {
  const provider = new TestOidcIssuer();
  let github: http.Server;
  let githubUrl: string;
  const issued: string[] = [];
  let cwd: string;
  let server: RunningServer;
  let admin: Record<string, string>;

  before(async () => {
    await provider.start();
    // GitHub's endpoint: the request token as a bearer, the audience as a query parameter, {"value": <ID token>} back.
    github = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.headers.authorization !== `bearer ${REQUEST_TOKEN}` || url.searchParams.get('audience') !== 'scoped-secrets') {
        res.writeHead(403).end();
        return;
      }
      void provider
        .sign({ sub: 'repo:acme/widgets:ref:refs/heads/main', repository: 'acme/widgets', ref: 'refs/heads/main' })
        .then((token) => {
          issued.push(token);
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ count: 1, value: token }));
        });
    });
    await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
    githubUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}/token?api-version=2.0`;

    cwd = tempDir('scoped-secrets-oidc-e2e-');
    fs.writeFileSync(
      path.join(cwd, 'issuers.json'),
      JSON.stringify([{ name: 'github', issuer: provider.url, audience: 'scoped-secrets' }]),
    );
    server = await startServer({ cwd, env: { SECRETS_OIDC_ISSUERS: path.join(cwd, 'issuers.json') } });
    admin = { SECRETS_URL: server.url, SECRETS_TOKEN_FILE: path.join(cwd, 'data', 'root.token') };
    fs.writeFileSync(path.join(cwd, 'db.json'), JSON.stringify({ password: MARKER }));
    assert.equal(runCli(['put', 'ci/acme/widgets/db', '--expires', '1d', '--file', 'db.json'], { cwd, env: admin }).status, 0);
    fs.writeFileSync(
      path.join(cwd, 'rule.json'),
      JSON.stringify({
        issuer: 'github',
        claims: { repository: 'acme/*', ref: 'refs/heads/main' },
        scopes: ['secret:get:ci/{repository}/**'],
        subject: 'gh/{repository}',
        ttl: 600,
      }),
    );
    const put = runCli(['trust', 'put', 'gh/deploy', '--file', 'rule.json'], { cwd, env: admin });
    assert.equal(put.status, 0, put.stderr);
    assert.equal(JSON.parse(put.stdout).name, 'gh/deploy');
  });
  after(async () => {
    await server.stop('SIGKILL');
    github.closeAllConnections();
    await new Promise((resolve) => github.close(resolve));
    await provider.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  const job = { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN };

  it('run --github-oidc hands the command the secret, and no token', async () => {
    const env = { SECRETS_URL: server.url, ...job, ACTIONS_ID_TOKEN_REQUEST_URL: githubUrl };
    const script = 'process.stdout.write(JSON.stringify(process.env))';
    const result = await runAsync(
      [
        'run',
        '--github-oidc',
        '--trust-rule',
        'gh/deploy',
        '--from',
        'ci/acme/widgets/db',
        '--no-mask',
        '--',
        process.execPath,
        '-e',
        script,
      ],
      { cwd, env },
    );
    assert.equal(result.status, 0, result.stderr);
    const childEnv = JSON.parse(result.stdout) as Record<string, string>;
    assert.equal(childEnv.password, MARKER);
    const values = Object.values(childEnv).join('\n');
    for (const token of [REQUEST_TOKEN, ...issued]) assert.ok(!values.includes(token), 'a token reached the command');
    assert.ok(!/eyJ[\w-]+\.[\w-]+\./.test(values), "no JWT of any kind in the command's environment");
    assert.equal(childEnv.ACTIONS_ID_TOKEN_REQUEST_URL, undefined);
  });

  it("login --oidc-token-file prints a token of the rule's subject, and trust list shows the rule", async () => {
    fs.writeFileSync(path.join(cwd, 'id.token'), await provider.sign({ sub: 'k8s', repository: 'acme/widgets', ref: 'refs/heads/main' }));
    const login = await runAsync(['login', '--oidc-token-file', 'id.token', '--json'], { cwd, env: { SECRETS_URL: server.url } });
    assert.equal(login.status, 0, login.stderr);
    const body = JSON.parse(login.stdout);
    assert.equal(body.subject, 'gh/acme/widgets');
    assert.deepEqual(body.rules, ['gh/deploy']);
    assert.equal(runCli(['trust', 'issuers'], { cwd, env: admin }).stdout, `github\t${provider.url}\tscoped-secrets\n`);
    assert.deepEqual(JSON.parse(runCli(['trust', 'issuers', '--json'], { cwd, env: admin }).stdout), [
      { name: 'github', issuer: provider.url, audience: 'scoped-secrets' },
    ]);
    assert.match(
      runCli(['trust', 'list'], { cwd, env: admin }).stdout,
      /^gh\/deploy\tgithub\t600s\tsecret:get:ci\/\{repository\}\/\*\*\n$/,
    );
    const named = await runAsync(['login', '--oidc-token-file', 'id.token', '--trust-rule', 'gh/deploy', '--json'], {
      cwd,
      env: { SECRETS_URL: server.url },
    });
    assert.deepEqual(JSON.parse(named.stdout).rules, ['gh/deploy'], named.stderr);
    const otherRule = await runAsync(['login', '--oidc-token-file', 'id.token', '--trust-rule', 'gh/other'], {
      cwd,
      env: { SECRETS_URL: server.url },
    });
    assert.equal(otherRule.status, 2);
    assert.match(otherRule.stderr, /no trust rule matches/);
    const refused = await runAsync(['login', '--oidc-token-file', 'db.json'], { cwd, env: { SECRETS_URL: server.url } });
    assert.equal(refused.status, 2);
    assert.equal(refused.stderr.split('\n').length, 2, 'one line');
  });

  it('proxy --github-oidc forwards reads with the exchanged token', async () => {
    const proxy = startCli(['proxy', '--listen', '127.0.0.1:0', '--upstream', server.url, '--github-oidc'], {
      cwd,
      env: { ...job, ACTIONS_ID_TOKEN_REQUEST_URL: githubUrl },
    });
    try {
      const port = await waitFor(
        async () => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(proxy.output.stdout)?.[1],
        10_000,
        'the proxy',
      );
      const res = await fetch(`http://127.0.0.1:${port}/v1/secret/ci/acme/widgets/db`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { value: { password: string } }).value.password, MARKER);
    } finally {
      proxy.child.kill('SIGTERM');
      await proxy.exited;
    }
  });

  it("leaves no ID token, request token or exchanged token in the service's output or audit trail", async () => {
    const root = fs.readFileSync(admin.SECRETS_TOKEN_FILE as string, 'utf8').trim();
    const audit = await (await fetch(`${server.url}/v1/audit?limit=1000`, { headers: { Authorization: `Bearer ${root}` } })).text();
    assert.match(audit, /token\.exchange/);
    for (const place of [server.output(), audit]) {
      for (const token of [REQUEST_TOKEN, ...issued]) assert.ok(!place.includes(token));
      // Exchanged tokens are JWTs signed by the service: none but the root token's prefix may appear.
      assert.ok(!/eyJ[\w-]{20,}\.[\w-]{20,}\.[\w-]{20,}/.test(place), 'a JWT appears');
    }
  });
});

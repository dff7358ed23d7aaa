/**
 * The client the server hands out: fetched from a running `serve`, put in
 * an empty folder outside the repository (no node_modules anywhere above
 * it), and run with plain node: it reads a secret, runs a command with its
 * fields, and exchanges a CI job's ID token from a loopback issuer.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/databases';
import { TestOidcIssuer } from '../support/oidc-issuer';
import { closedPort, runCli, runNodeScript, startServer, type RunningServer } from '../support/processes';

const VERSION = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string })
  .version;
const PASSWORD = 'served-client-pw-K2v8';

describe('the client the server hands out', () => {
  const issuer = new TestOidcIssuer();
  let cwd: string;
  let server: RunningServer;
  let rootToken: string;
  let folder: string;
  let client: string;

  before(async () => {
    await issuer.start();
    cwd = tempDir('scoped-secrets-served-client-');
    fs.writeFileSync(path.join(cwd, 'issuers.json'), JSON.stringify([{ name: 'gitlab', issuer: issuer.url, audience: 'scoped-secrets' }]));
    server = await startServer({ cwd, env: { SECRETS_OIDC_ISSUERS: path.join(cwd, 'issuers.json') } });
    rootToken = fs.readFileSync(path.join(cwd, 'data', 'root.token'), 'utf8').trim();
    const admin = { SECRETS_URL: server.url, SECRETS_TOKEN: rootToken };
    fs.writeFileSync(path.join(cwd, 'db.json'), JSON.stringify({ user: 'deployer', password: PASSWORD }));
    assert.equal(runCli(['put', 'ci/acme/app/db', '--expires', '1d', '--file', 'db.json'], { cwd, env: admin }).status, 0);
    fs.writeFileSync(
      path.join(cwd, 'rule.json'),
      JSON.stringify({ issuer: 'gitlab', claims: { project_path: 'acme/*' }, scopes: ['secret:get:ci/{project_path}/**'], ttl: 600 }),
    );
    const rule = runCli(['trust', 'put', 'gl/acme', '--file', 'rule.json'], { cwd, env: admin });
    assert.equal(rule.status, 0, rule.stderr);
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-client-'));
    client = path.join(folder, 'ss.mjs');
  });

  after(async () => {
    await server.stop();
    await issuer.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('is served with an ETag that is its SHA-256, and a 304 when it has not changed', async () => {
    const reply = await fetch(`${server.url}/cli/scoped-secrets.mjs`);
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^text\/javascript/);
    const bytes = Buffer.from(await reply.arrayBuffer());
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    assert.equal(reply.headers.get('etag'), `"sha256-${sha256}"`);
    fs.writeFileSync(client, bytes);
    const again = await fetch(`${server.url}/cli/scoped-secrets.mjs`, { headers: { 'If-None-Match': `"sha256-${sha256}"` } });
    assert.equal(again.status, 304);
    const onHost = runCli(['--version', '--verbose'], { cwd });
    assert.equal(onHost.stdout.split('\n')[1]?.split(' ')[2], sha256, 'the server host prints the SHA-256 it serves');
    assert.equal((await fetch(`${server.url}/cli/scoped-secrets.mjs`, { method: 'POST' })).status, 405);
  });

  it("says the server's version, and has no command that runs on the server host", async () => {
    assert.ok(fs.existsSync(client), 'fetched by the test before');
    const version = await runNodeScript(client, ['--version'], { cwd: folder });
    assert.equal(version.stdout, `${VERSION}\n`);
    const help = await runNodeScript(client, ['--help'], { cwd: folder });
    assert.match(help.stdout, /\brun \[options\]/);
    assert.doesNotMatch(help.stdout, /^ {2}(serve|migrate|sweep|keys)\b/m);
    const serve = await runNodeScript(client, ['serve'], { cwd: folder });
    assert.equal(serve.status, 1);
    assert.match(serve.stderr, /unknown command 'serve'/);
  });

  it('reads a secret, and runs a command with its fields, with no node_modules in reach', async () => {
    const env = { SECRETS_URL: server.url, SECRETS_TOKEN: rootToken };
    const get = await runNodeScript(client, ['get', 'ci/acme/app/db'], { cwd: folder, env });
    assert.equal(get.status, 0, get.stderr);
    assert.deepEqual(JSON.parse(get.stdout), { user: 'deployer', password: PASSWORD });
    const script = 'process.stdout.write([process.env.user, process.env.password.length, process.env.SECRETS_TOKEN].join(" "))';
    const run = await runNodeScript(client, ['run', '--from', 'ci/acme/app/db', '--no-mask', '--', process.execPath, '-e', script], {
      cwd: folder,
      env,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, `deployer ${PASSWORD.length} `, 'the fields arrive, the token does not');
    const missing = await runNodeScript(client, ['get', 'ci/acme/app/none'], { cwd: folder, env });
    assert.equal(missing.status, 3, missing.stderr);
    assert.match(missing.stderr, /ci\/acme\/app\/none/);
    const unreachable = await runNodeScript(client, ['get', 'ci/acme/app/db'], {
      cwd: folder,
      env: { ...env, SECRETS_URL: `http://127.0.0.1:${await closedPort()}` },
    });
    assert.equal(unreachable.status, 2, 'a failure is not a missing secret');
  });

  it("exchanges a CI job's ID token from an environment variable, and keeps it from the command", async () => {
    const idToken = await issuer.sign({ sub: 'project_path:acme/app', project_path: 'acme/app' });
    const env = { SECRETS_URL: server.url, SECRETS_ID_TOKEN: idToken };
    const login = await runNodeScript(client, ['login', '--oidc-token-env', 'SECRETS_ID_TOKEN', '--json'], { cwd: folder, env });
    assert.equal(login.status, 0, login.stderr);
    assert.deepEqual((JSON.parse(login.stdout) as { rules: string[] }).rules, ['gl/acme']);
    const script = 'process.stdout.write(String(process.env.password === undefined) + " " + String(process.env.SECRETS_ID_TOKEN))';
    const run = await runNodeScript(
      client,
      ['run', '--oidc-token-env', 'SECRETS_ID_TOKEN', '--from', 'ci/acme/app/db', '--no-mask', '--', process.execPath, '-e', script],
      { cwd: folder, env },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'false undefined');
    const unset = await runNodeScript(client, ['login', '--oidc-token-env', 'NOT_SET'], { cwd: folder, env });
    assert.equal(unset.status, 1);
    assert.match(unset.stderr, /NOT_SET is not set/);
  });
});

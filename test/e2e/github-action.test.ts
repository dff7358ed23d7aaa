/**
 * The GitHub Action, run as the runner runs it: its committed entry point
 * under node, inputs as INPUT_* variables, GITHUB_ENV and GITHUB_OUTPUT
 * files, a loopback stand-in for GitHub's ID token endpoint, and a real
 * `serve` with a trust rule. And the committed bundle is the one the
 * sources build.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/databases';
import { kindServer } from '../support/dynamic-servers';
import { useCredential } from '../support/lease-clients';
import { TestOidcIssuer } from '../support/oidc-issuer';
import { runCli, runNodeScript, startServer, type RunningServer } from '../support/processes';

const REPO = path.resolve(__dirname, '..', '..', '..');
const ENTRY = path.join(REPO, 'action', 'index.cjs');
const REQUEST_TOKEN = 'gh-request-token-Ac7x2';
const PASSWORD = 'action-pw-Zq4r8';
const FORGED = 'x\nINJECTED<<EOF\npwned\nEOF\nghadelimiter_00000000-0000-0000-0000-000000000000';

/** The runner's reading of a GITHUB_ENV or GITHUB_OUTPUT file: NAME=value lines, or NAME<<DELIMITER … DELIMITER blocks. */
function readEntries(file: string): Map<string, string> {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const entries = new Map<string, string>();
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    if (line === '') continue;
    const heredoc = line.indexOf('<<');
    if (heredoc < 0) {
      const equals = line.indexOf('=');
      entries.set(line.slice(0, equals), line.slice(equals + 1));
      continue;
    }
    const delimiter = line.slice(heredoc + 2);
    const end = lines.indexOf(delimiter, index + 1);
    assert.ok(end > index, `the entry ${line.slice(0, heredoc)} is closed`);
    entries.set(line.slice(0, heredoc), lines.slice(index + 1, end).join('\n'));
    index = end;
  }
  return entries;
}

describe('the GitHub Action', () => {
  const issuer = new TestOidcIssuer();
  let github: http.Server;
  let githubUrl: string;
  let cwd: string;
  let server: RunningServer;
  let rootToken: string;
  const redis = kindServer('redis');

  before(async () => {
    await issuer.start();
    github = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.headers.authorization !== `bearer ${REQUEST_TOKEN}` || url.searchParams.get('audience') !== 'scoped-secrets') {
        res.writeHead(403).end();
        return;
      }
      void issuer
        .sign({ sub: 'repo:acme/widgets:ref:refs/heads/main', repository: 'acme/widgets' })
        .then((token) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ value: token })));
    });
    await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
    githubUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}/token?api-version=2.0`;
    cwd = tempDir('scoped-secrets-action-');
    fs.writeFileSync(path.join(cwd, 'issuers.json'), JSON.stringify([{ name: 'github', issuer: issuer.url, audience: 'scoped-secrets' }]));
    server = await startServer({ cwd, env: { SECRETS_OIDC_ISSUERS: path.join(cwd, 'issuers.json') } });
    rootToken = fs.readFileSync(path.join(cwd, 'data', 'root.token'), 'utf8').trim();
    const admin = { SECRETS_URL: server.url, SECRETS_TOKEN: rootToken };
    const put = (key: string, value: unknown) => {
      fs.writeFileSync(path.join(cwd, 'value.json'), JSON.stringify(value));
      const result = runCli(['put', key, '--expires', '1d', '--file', 'value.json'], { cwd, env: admin });
      assert.equal(result.status, 0, result.stderr);
    };
    put('ci/acme/widgets/db', { user: 'deployer', password: PASSWORD });
    put('ci/acme/widgets/forged', { note: FORGED });
    put('ci/acme/widgets/steering', { PATH: '/tmp/evil' });
    put('ci/acme/tools/lint', { LINT_TOKEN: 'lint-token-value' });
    put('ci/acme/tools/publish', { NPM_TOKEN: 'npm-token-value' });
    fs.writeFileSync(
      path.join(cwd, 'rule.json'),
      JSON.stringify({
        issuer: 'github',
        claims: { repository: 'acme/*' },
        scopes: ['secret:get:ci/{repository}/**', 'dynamic:lease:ci/{repository}/**'],
        ttl: 600,
      }),
    );
    const backend = await fetch(`${server.url}/v1/backends/ci/acme/widgets/cache`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${rootToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(await redis.setUp()),
    });
    assert.equal(backend.status, 201);
    assert.equal(runCli(['trust', 'put', 'gh/acme', '--file', 'rule.json'], { cwd, env: admin }).status, 0);
  });

  after(async () => {
    await server.stop();
    github.closeAllConnections();
    await new Promise((resolve) => github.close(resolve));
    await issuer.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  /** Runs the entry point as a step with these inputs; the files it wrote, and what it printed. */
  async function step(inputs: Record<string, string>, job: Record<string, string> = {}) {
    const dir = tempDir('scoped-secrets-step-');
    const files = { GITHUB_ENV: path.join(dir, 'env'), GITHUB_OUTPUT: path.join(dir, 'output'), GITHUB_STATE: path.join(dir, 'state') };
    for (const file of Object.values(files)) fs.writeFileSync(file, '');
    const env = {
      ...files,
      ...job,
      ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
    };
    const result = await runNodeScript(ENTRY, [], { cwd: dir, env });
    return {
      ...result,
      env: readEntries(files.GITHUB_ENV),
      output: readEntries(files.GITHUB_OUTPUT),
      state: readEntries(files.GITHUB_STATE),
    };
  }

  const oidcJob = { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN };

  it("exchanges the job's ID token, masks every value before printing anything else, and sets variables and outputs", async () => {
    const result = await step(
      { url: server.url, secrets: 'ci/acme/widgets/db\nci/acme/widgets/db password | DB_PASSWORD\n', 'trust-rule': 'gh/acme' },
      { ...oidcJob, ACTIONS_ID_TOKEN_REQUEST_URL: githubUrl },
    );
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const expected = new Map([
      ['user', 'deployer'],
      ['password', PASSWORD],
      ['DB_PASSWORD', PASSWORD],
    ]);
    assert.deepEqual(result.env, expected);
    assert.deepEqual(result.output, expected);
    const lines = result.stdout.split('\n').filter((line) => line !== '');
    const firstOther = lines.findIndex((line) => !line.startsWith('::add-mask::'));
    const masks = lines.slice(0, firstOther).map((line) => line.slice('::add-mask::'.length));
    for (const value of ['deployer', PASSWORD]) assert.ok(masks.includes(value), `${value} masked first`);
    assert.ok(
      lines.slice(firstOther).every((line) => !line.includes(PASSWORD) && !line.includes('deployer')),
      'no value after the masks',
    );
    assert.match(lines[firstOther] ?? '', /set 3 variables: user, password, DB_PASSWORD/);
  });

  it('takes a token of the service instead, and a value holding newlines and a delimiter sets nothing else', async () => {
    const result = await step({ url: server.url, secrets: 'ci/acme/widgets/forged', token: rootToken });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.deepEqual([...result.env.keys()], ['note']);
    assert.equal(result.env.get('note'), FORGED);
    assert.deepEqual([...result.output.keys()], ['note']);
    assert.ok(result.stdout.includes(`::add-mask::${FORGED.replace(/\n/g, '%0A')}`), 'masked whole, escaped');
  });

  it('sets every field of every secret under a prefix given as KEY/**', async () => {
    const result = await step({ url: server.url, secrets: 'ci/acme/tools/**', token: rootToken });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.deepEqual(
      result.env,
      new Map([
        ['LINT_TOKEN', 'lint-token-value'],
        ['NPM_TOKEN', 'npm-token-value'],
      ]),
    );
    const glob = await step({ url: server.url, secrets: 'ci/*/tools', token: rootToken });
    assert.match(glob.stdout, /^::error::scoped-secrets: secrets, line 1: only a whole prefix can be read/m);
  });

  it('fails the step with one ::error:: line when a secret is missing, and sets nothing', async () => {
    const result = await step({ url: server.url, secrets: 'ci/acme/widgets/db\nci/acme/widgets/none', token: rootToken });
    assert.equal(result.status, 1);
    assert.match(result.stdout, /^::error::scoped-secrets: .*ci\/acme\/widgets\/none.*no variable was set$/m);
    assert.equal(result.env.size, 0);
    assert.ok(!result.stdout.includes(PASSWORD), 'no value printed');
  });

  it('refuses a variable that steers how programs start unless allow-env names it', async () => {
    const refused = await step({ url: server.url, secrets: 'ci/acme/widgets/steering', token: rootToken });
    assert.equal(refused.status, 1);
    assert.match(refused.stdout, /::error::.*PATH steers how programs start.*allow-env PATH/);
    assert.equal(refused.env.size, 0);
    const allowed = await step({ url: server.url, secrets: 'ci/acme/widgets/steering', token: rootToken, 'allow-env': 'PATH' });
    assert.equal(allowed.status, 0, allowed.stdout);
    assert.equal(allowed.env.get('PATH'), '/tmp/evil');
  });

  it('says what is wrong with its inputs', async () => {
    const noUrl = await step({ secrets: 'ci/a' });
    assert.match(noUrl.stdout, /^::error::scoped-secrets: the input url is required/m);
    const badLine = await step({ url: server.url, secrets: 'ci/acme/widgets/db password', token: rootToken });
    assert.match(badLine.stdout, /^::error::scoped-secrets: secrets, line 1: name the variable for field password/m);
    const noOidc = await step({ url: server.url, secrets: 'ci/acme/widgets/db' });
    assert.match(noOidc.stdout, /::error::.*id-token: write/);
  });

  it('draws a credential for the job from a dynamic backend, masked, and its post step revokes it', async () => {
    const inputs = { url: server.url, secrets: 'ci/acme/widgets/db', leases: 'ci/acme/widgets/cache | CACHE', 'trust-rule': 'gh/acme' };
    const job = { ...oidcJob, ACTIONS_ID_TOKEN_REQUEST_URL: githubUrl };
    const main = await step(inputs, job);
    assert.equal(main.status, 0, main.stdout);
    const credential = {
      username: main.env.get('CACHE_USERNAME') ?? '',
      password: main.env.get('CACHE_PASSWORD') ?? '',
      url: main.env.get('CACHE_URL') ?? '',
    };
    for (const value of Object.values(credential)) assert.ok(main.stdout.includes(`::add-mask::${value}\n`), 'masked');
    assert.equal(main.env.get('password'), PASSWORD, 'the secrets are set beside the lease');
    assert.equal(await useCredential('redis', credential), 'item');
    const ids = main.state.get('leases') ?? '';
    assert.match(ids, /^lease_\S+$/);

    const post = await step(inputs, { ...job, STATE_leases: ids });
    assert.equal(post.status, 0, post.stdout);
    assert.match(post.stdout, /^scoped-secrets: revoked 1 lease$/m);
    assert.equal(await redis.exists(credential.username), false);
    await assert.rejects(useCredential('redis', credential));
  });

  it('is committed as the sources build it', () => {
    const fresh = path.join(tempDir('scoped-secrets-action-build-'), 'index.cjs');
    const build = spawnSync('npm', ['run', '--silent', 'build:action'], {
      cwd: REPO,
      env: { ...process.env, SCOPED_SECRETS_ACTION_OUTFILE: fresh },
      encoding: 'utf8',
    });
    assert.equal(build.status, 0, build.stderr);
    assert.ok(
      fs.readFileSync(fresh).equals(fs.readFileSync(ENTRY)),
      'action/index.cjs differs from a fresh build: run npm run build:action and commit it',
    );
  });
});

/** run --from 'KEY/**' and export 'KEY/**': every secret under a prefix, with name clashes refused. Real serve, real CLI. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/databases';
import { runCli, startServer, type RunningServer } from '../support/processes';

describe('reading a whole prefix', () => {
  let cwd: string;
  let server: RunningServer;
  let env: Record<string, string>;
  const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { cwd, env: { ...env, ...extra } });
  const put = (key: string, value: object) => {
    fs.writeFileSync(path.join(cwd, 'value.json'), JSON.stringify(value));
    assert.equal(cli(['put', key, '--expires', '1d', '--file', 'value.json']).status, 0);
  };
  const printEnv = ['--', process.execPath, '-e', 'console.log(JSON.stringify(process.env))'];
  const envOf = (stdout: string) => JSON.parse(stdout) as Record<string, string>;

  before(async () => {
    cwd = tempDir('scoped-secrets-prefix-');
    server = await startServer({ cwd });
    env = { SECRETS_URL: server.url, SECRETS_TOKEN_FILE: path.join(cwd, 'data', 'root.token') };
    put('ci/deploy/aws', { AWS_ACCESS_KEY_ID: 'AKIA-prefix', AWS_SECRET_ACCESS_KEY: 'aws-secret-prefix' });
    put('ci/deploy/registry/docker', { DOCKER_PASSWORD: 'docker-secret-prefix' });
    put('ci/deploy-other', { OTHER: 'not-under-the-prefix' });
    put('ci/clash/a', { TOKEN: 'clash-a-value' });
    put('ci/clash/b', { TOKEN: 'clash-b-value' });
  });
  after(async () => {
    await server.stop('SIGKILL');
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it("run --from 'ci/deploy/**' injects every field of every secret under the prefix, whole segments only", () => {
    const result = cli(['run', '--no-mask', '--from', 'ci/deploy/**', ...printEnv]);
    assert.equal(result.status, 0, result.stderr);
    const child = envOf(result.stdout);
    assert.equal(child.AWS_ACCESS_KEY_ID, 'AKIA-prefix');
    assert.equal(child.AWS_SECRET_ACCESS_KEY, 'aws-secret-prefix');
    assert.equal(child.DOCKER_PASSWORD, 'docker-secret-prefix');
    assert.equal(child.OTHER, undefined, 'ci/deploy-other is not under ci/deploy');
  });

  it("export 'ci/deploy/**' prints the same variables", () => {
    const result = cli(['export', 'ci/deploy/**', '--format', 'json']);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      AWS_ACCESS_KEY_ID: 'AKIA-prefix',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-prefix',
      DOCKER_PASSWORD: 'docker-secret-prefix',
    });
  });

  it('refuses a variable two keys of a prefix would share, naming both, and starts nothing; --env settles it', () => {
    const clash = cli(['run', '--from', 'ci/clash/**', '--', process.execPath, '-e', 'console.log("started")']);
    assert.equal(clash.status, 1);
    assert.equal(clash.stdout, '');
    assert.equal(
      clash.stderr,
      'scoped-secrets: TOKEN would come from both ci/clash/a (from ci/clash/**) and ci/clash/b (from ci/clash/**): name the one you want with --env TOKEN=KEY#FIELD, or read fewer keys; the command was not started\n',
    );
    const exported = cli(['export', 'ci/clash/**']);
    assert.equal(exported.status, 1);
    assert.equal(exported.stdout, '');
    const settled = cli(['run', '--no-mask', '--from', 'ci/clash/**', '--env', 'TOKEN=ci/clash/b#TOKEN', ...printEnv]);
    assert.equal(settled.status, 0, settled.stderr);
    assert.equal(envOf(settled.stdout).TOKEN, 'clash-b-value');
    const plain = cli(['export', 'ci/clash/a', 'ci/clash/b', '--format', 'json']);
    assert.deepEqual(JSON.parse(plain.stdout), { TOKEN: 'clash-b-value' }, 'keys named one by one: the later wins, as before');
  });

  it('reads only the secrets the token may list and read', () => {
    const narrow = runCli(
      [
        'token',
        'create',
        '--subject',
        'narrow',
        '--scope',
        'secret:list:ci/deploy/aws',
        '--scope',
        'secret:get:ci/deploy/aws',
        '--ttl',
        '10m',
      ],
      { cwd },
    ).stdout.trim();
    const result = cli(['export', 'ci/deploy/**', '--format', 'json'], { SECRETS_TOKEN_FILE: '', SECRETS_TOKEN: narrow });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(Object.keys(JSON.parse(result.stdout)).sort(), ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    const listOnly = runCli(['token', 'create', '--subject', 'lister', '--scope', 'secret:list:ci/**', '--ttl', '10m'], {
      cwd,
    }).stdout.trim();
    const denied = cli(['export', 'ci/deploy/**'], { SECRETS_TOKEN_FILE: '', SECRETS_TOKEN: listOnly });
    assert.equal(denied.status, 2);
    assert.match(denied.stderr, /InsufficientScopes/);
  });

  it('says so, with exit 3, when a prefix holds nothing the token may list, and refuses other globs', () => {
    const empty = cli(['run', '--from', 'nothing/here/**', '--', process.execPath, '-e', '']);
    assert.equal(empty.status, 3);
    assert.equal(
      empty.stderr,
      'scoped-secrets: nothing/here/**: no secrets you may list under nothing/here; the command was not started\n',
    );
    for (const pattern of ['ci/*/aws', 'ci/deploy/*', 'ci/**/aws']) {
      const refused = cli(['export', pattern]);
      assert.equal(refused.status, 1, pattern);
      assert.match(refused.stderr, /only a whole prefix can be read, as ci\/deploy\/\*\* \(a trailing \/\*\*\)/, pattern);
    }
  });
});
